"""Backprop with the cross-Lipschitz penalty of Hein & Andriushchenko (2017).

"Formal guarantees on the robustness of a classifier against adversarial manipulation", NeurIPS.
Their certified radius grows with the margins f_c − f_j and shrinks with the local Lipschitz
constants of the differences f_c − f_j, so they penalise the differences of the input gradients:

    Ω(f) = (1 / (n K²)) Σ_i Σ_{l,m} ‖∇f_l(x_i) − ∇f_m(x_i)‖²,

added with weight λ (``crosslip``) to the cross-entropy.  Σ_{l,m} ‖a_l − a_m‖² is computed as
2K Σ_l ‖a_l‖² − 2 ‖Σ_l a_l‖² from the per-example input Jacobian (autograd with ``create_graph``), and
differentiated in the weights.
"""

import torch

from creditbench_backprop.learner import make_optimizer
from harness import MLP, GradientLearner


def cross_lipschitz(model, x) -> torch.Tensor:
    """Ω for the batch ``x``: the mean over examples of (1/K²) Σ_{l,m} ‖∇f_l − ∇f_m‖²."""
    x = x.detach().requires_grad_(True)
    # The model sees a non-leaf copy: backward hooks on a module's inputs (FLOP counting) cannot handle a leaf
    # inside autograd.grad.
    logits = model(x.clone())
    classes = logits.shape[1]
    # one backward per class, kept differentiable (torch.func's jacrev refuses saved-tensor hooks, which the
    # harness's activation-memory probe uses)
    rows = [torch.autograd.grad(logits[:, k].sum(), x, create_graph=True)[0].flatten(1) for k in range(classes)]
    jacobian = torch.stack(rows, 1)  # (n, K, d)
    pairs = 2 * classes * jacobian.pow(2).sum((1, 2)) - 2 * jacobian.sum(1).pow(2).sum(1)
    return pairs.mean() / classes**2


class CrossLipschitz:
    """The update direction: the gradient of cross-entropy + λ Ω."""

    def __init__(self, weight: float):
        self.weight = weight

    def __call__(self, model, x, y, loss) -> None:
        self.floor(model, x, y, loss)

    def floor(self, model, x, y, loss) -> None:
        """The forward pass, the K input-gradient backward passes kept differentiable, and the double backward.

        The penalty needs the input Jacobian as a function of the weights, and its gradient a backward pass
        through those K backward passes: all the rule does before the optimiser's step.
        """
        (loss(model(x), y) + self.weight * cross_lipschitz(model, x)).backward()


def network(task, config, seed):
    """The task's reference architecture, or the MLP that ``hidden`` (widths) and ``activation`` ask for."""
    reference = task.architecture
    if config.get("hidden") is None and config.get("activation") is None:
        return reference.build(seed)
    hidden = config.get("hidden")
    widths = reference.sizes[1:-1] if hidden is None else ([hidden] if isinstance(hidden, int) else list(hidden))
    return MLP(
        (reference.sizes[0], *widths, reference.sizes[-1]), config.get("activation") or reference.activation
    ).build(seed)


def build_crosslip(task, config, seed):
    model = network(task, config, seed)
    return GradientLearner(
        model, make_optimizer(model.parameters(), config), direction=CrossLipschitz(float(config["crosslip"]))
    )
