"""The HSIC bottleneck (Ma, Lewis & Kleijn 2020) on the reference MLP or CNN.

Each hidden layer l, with output ``Z_l``, descends its own objective

    L_l = nHSIC(Z_l, X) − β · nHSIC(Z_l, Y)

(``hsic.normalised_hsic``, Gaussian kernels, Y one-hot) with respect to its own
weights only: its input is detached, so no gradient crosses a layer boundary.
A hidden layer is a weighted layer with the parameter-free modules after it
(``harness.layer_blocks``): on a CNN, a convolution with its activation and
pooling, whose output is flattened for its kernel (``hsic.gaussian_kernel``):
nHSIC compares the batch's representations whatever their shape.

The paper then trains an output layer on the frozen HSIC features (its "format"
stage).  A learner here never sees its budget, so it cannot know when an HSIC
phase would end; instead the readout is trained concurrently on every batch,
by SGD on the cross-entropy of the detached last hidden features.  The readout
never influences the hidden layers, so this is the paper's format stage run
alongside the HSIC stage rather than after it: at any moment the readout is
fitted to (a recent past of) the current features.  The hidden layers step with
Adam, the readout with SGD.
"""

import torch
import torch.nn.functional as F
from torch import nn

from creditbench_hsic.hsic import normalised_hsic, normalised_kernel
from harness import ModelLearner, apply_modules, layer_blocks, leading_modules


class HSICBottleneck(ModelLearner):
    def __init__(self, model: nn.Sequential, n_classes: int, beta: float, sigma: float, lr: float, readout_lr: float):
        self.model = model
        self.n_classes = n_classes
        self.beta = beta
        self.sigma = sigma
        blocks = layer_blocks(model)
        self.leading = leading_modules(model)
        self.hidden = blocks[:-1]  # (weighted layer, its activation and pooling)
        self.readout = blocks[-1][0]
        self.hidden_optimizer = torch.optim.Adam([p for layer, _ in self.hidden for p in layer.parameters()], lr=lr)
        self.readout_optimizer = torch.optim.SGD(self.readout.parameters(), lr=readout_lr)

    def layer_objectives(self, x, y) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Each hidden layer's HSIC objective, and the readout's cross-entropy on detached features."""
        with torch.no_grad():
            r_x = normalised_kernel(x, self.sigma)
            r_y = normalised_kernel(F.one_hot(y, self.n_classes).to(x.dtype), self.sigma)
        objectives = []
        signal = apply_modules(self.leading, x)
        for layer, following in self.hidden:
            signal = apply_modules(following, layer(signal.detach()))
            r_z = normalised_kernel(signal, self.sigma)
            objectives.append(normalised_hsic(r_z, r_x) - self.beta * normalised_hsic(r_z, r_y))
        return objectives, F.cross_entropy(self.readout(signal.detach()), y)

    def floor_step(self, x, y) -> None:
        """The kernel matrices alone: R_X, R_Y, and each hidden layer's R_Z after its forward pass.

        The same kernels as the rule's (Gaussian kernel, centring, the regularised solve), without their
        differentiation, the traces of the objectives, the readout or any step: the updates read the kernels.

        The step stays ~1.7-1.8x this floor (thread CPU time, every quick-suite task): differentiating each hidden
        layer's R_Z costs another LU solve (the adjoint one, 1.1 ms against a forward solve's 2 ms at m = 256) and
        the matrix products around it; a torch.profiler run of 5 steps on mnist1d puts 49 % of the step in
        ``lu_solve`` (6 per step: 4 forward, 2 backward) and 9 % in ``lu_factor``.  A cheaper R (Cholesky, no
        centring of the fixed R_X and R_Y) would change the numbers.
        """
        with torch.no_grad():
            normalised_kernel(x, self.sigma)
            normalised_kernel(F.one_hot(y, self.n_classes).to(x.dtype), self.sigma)
            signal = apply_modules(self.leading, x)
            for layer, following in self.hidden:
                signal = apply_modules(following, layer(signal))
                normalised_kernel(signal, self.sigma)

    def train_step(self, x, y) -> None:
        self.write_gradients(x, y)
        self.apply_update_direction()

    def update_direction(self, x, y) -> dict:
        """Each layer's gradient of its own objective (HSIC for hidden layers, cross-entropy for the readout)."""
        self.write_gradients(x, y)
        return self.written_gradients()

    def apply_update_direction(self) -> bool:
        self.hidden_optimizer.step()
        self.readout_optimizer.step()
        return True

    def write_gradients(self, x, y) -> None:
        self.hidden_optimizer.zero_grad(set_to_none=True)
        self.readout_optimizer.zero_grad(set_to_none=True)
        objectives, readout_loss = self.layer_objectives(x, y)
        (sum(objectives) + readout_loss).backward()

    def state_dict(self) -> dict:
        return {
            "model": self.model.state_dict(),
            "hidden_optimizer": self.hidden_optimizer.state_dict(),
            "readout_optimizer": self.readout_optimizer.state_dict(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.hidden_optimizer.load_state_dict(state["hidden_optimizer"])
        self.readout_optimizer.load_state_dict(state["readout_optimizer"])


def build_hsic_learner(task, config, seed):
    return HSICBottleneck(
        task.architecture.build(seed),
        task.n_classes,
        beta=float(config["beta"]),
        sigma=float(config["sigma"]),
        lr=float(config["lr"]),
        readout_lr=float(config["readout_lr"]),
    )
