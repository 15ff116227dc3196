"""Online alternating minimisation with auxiliary variables (Choromanska et al. 2019), AM-Adam variant.

The codes ``c_l`` are the pre-activations of the hidden layers.  With
``a_0 = x`` and ``a_l = f(c_l)``, the network's loss is relaxed to

    ℓ(y, W_L a_{L-1}) + μ Σ_l ‖c_l − W_l a_{l-1}‖²      (mean squared errors, as in the paper's code).

Per batch:

1. **Codes.**  A forward pass gives the initial codes ``c⁰_l = W_l a_{l-1}``.  The
   codes are then optimised from the top down, each by ``code_steps`` steps of
   gradient descent on its own subproblem, with the weights fixed and the code
   above already updated:

       c_{L-1} ← argmin (1/μ) ℓ(y, W_L f(c_{L-1})) + ‖c_{L-1} − c⁰_{L-1}‖²
       c_l     ← argmin (1/μ) ‖c_{l+1} − W_{l+1} f(c_l)‖² + ‖c_l − c⁰_l‖².

2. **Weights.**  With the codes fixed, every layer takes ``weight_steps`` Adam
   steps on its own local loss, ``‖c_l − W_l a_{l-1}‖²`` for hidden layers and
   ``ℓ(y, W_L a_{L-1})`` for the output layer.  These problems share no
   variables, so the order of the layer updates does not matter.

AM-Adam is the paper's variant that steps each layer with Adam on the current
batch only; its AM-mem variant keeps running second-moment matrices of the
codes instead.  The paper grows μ with the epoch; a learner here never sees
epochs, so μ stays fixed.
"""

import torch
import torch.nn.functional as F
from torch import nn

from harness import ModelLearner


def frozen_linear(linear: nn.Linear, inputs: torch.Tensor) -> torch.Tensor:
    """The layer's map with its weights treated as constants (code steps must not touch them)."""
    return F.linear(inputs, linear.weight.detach(), linear.bias.detach())


class AlternatingMinimisation(ModelLearner):
    def __init__(self, model: nn.Sequential, lr: float, code_lr: float, mu: float, code_steps: int, weight_steps: int):
        self.model = model
        modules = list(model)
        self.linears = modules[0::2]
        self.activation = modules[1]
        self.code_lr = code_lr
        self.mu = mu
        self.code_steps = code_steps
        self.weight_steps = weight_steps
        self.optimizers = [torch.optim.Adam(linear.parameters(), lr=lr) for linear in self.linears]
        self.code_iterations = 0  # gradient steps on one layer's code of one example

    def initial_codes(self, x) -> list[torch.Tensor]:
        codes = []
        signal = x
        with torch.no_grad():
            for linear in self.linears[:-1]:
                codes.append(linear(signal))
                signal = self.activation(codes[-1])
        return codes

    def optimise_codes(self, codes: list[torch.Tensor], y) -> list[torch.Tensor]:
        """The codes after the top-down sweep of step 1; the given codes are left untouched."""
        optimised = list(codes)
        for index in reversed(range(len(codes))):
            start = codes[index]
            code = start.clone().requires_grad_()
            above = self.linears[index + 1]
            for _ in range(self.code_steps):
                prediction = frozen_linear(above, self.activation(code))
                if index == len(codes) - 1:
                    fit = F.cross_entropy(prediction, y)
                else:
                    fit = F.mse_loss(prediction, optimised[index + 1])
                # .backward() into the leaf rather than autograd.grad(): the latter cannot run under
                # FlopCounterMode's module tracking.
                (fit / self.mu + F.mse_loss(code, start)).backward()
                with torch.no_grad():
                    code -= self.code_lr * code.grad
                code.grad = None
            self.code_iterations += self.code_steps * len(code)
            optimised[index] = code.detach()
        return optimised

    def layer_input(self, index: int, x, codes) -> torch.Tensor:
        return x if index == 0 else self.activation(codes[index - 1])

    def layer_loss(self, index: int, inputs, codes, y) -> torch.Tensor:
        """Layer ``index``'s local loss: it reads only its input code and its output code (or the labels)."""
        output = self.linears[index](inputs)
        return F.cross_entropy(output, y) if index == len(codes) else F.mse_loss(output, codes[index])

    def update_layer(self, index: int, x, codes, y) -> None:
        """Step 2 for one layer."""
        optimizer = self.optimizers[index]
        inputs = self.layer_input(index, x, codes)
        for _ in range(self.weight_steps):
            optimizer.zero_grad(set_to_none=True)
            self.layer_loss(index, inputs, codes, y).backward()
            optimizer.step()

    def train_step(self, x, y) -> None:
        codes = self.optimise_codes(self.initial_codes(x), y)
        for index in range(len(self.linears)):
            self.update_layer(index, x, codes, y)

    def floor_step(self, x, y) -> None:
        """The codes alone: the forward pass that starts them and the top-down sweep of code steps (step 1).

        The same sweep as the rule's; the layers' Adam steps on their local losses (step 2) are the update that
        reads the codes, and what the floor leaves out.

        The step is ~1.6x this floor on mnist5k (thread CPU time): the weight step is a forward, a backward and an
        Adam step per layer, against the sweep's 5 code steps of one layer each.
        """
        self.optimise_codes(self.initial_codes(x), y)

    def update_direction(self, x, y) -> dict:
        """Each layer's gradient of its local loss at the optimised codes: the first of its ``weight_steps``."""
        codes = self.optimise_codes(self.initial_codes(x), y)
        for index, optimizer in enumerate(self.optimizers):
            optimizer.zero_grad(set_to_none=True)
            self.layer_loss(index, self.layer_input(index, x, codes), codes, y).backward()
        return self.written_gradients()

    def cost_counters(self) -> dict:
        return {"code_iterations": self.code_iterations}

    def state_dict(self) -> dict:
        return {
            "model": self.model.state_dict(),
            "optimizers": [optimizer.state_dict() for optimizer in self.optimizers],
            "code_iterations": self.code_iterations,
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        for optimizer, saved in zip(self.optimizers, state["optimizers"]):
            optimizer.load_state_dict(saved)
        self.code_iterations = state["code_iterations"]


def build_altmin_learner(task, config, seed):
    return AlternatingMinimisation(
        task.architecture.build(seed),
        lr=float(config["lr"]),
        code_lr=float(config["code_lr"]),
        mu=float(config["mu"]),
        code_steps=int(config["code_steps"]),
        weight_steps=int(config["weight_steps"]),
    )
