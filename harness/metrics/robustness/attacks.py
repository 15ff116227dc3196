"""Attack upper bounds on the smallest perturbation that changes a prediction.

The smallest perturbation found by foolbox's minimal-norm attacks (DeepFool and DDN for L2; DeepFool and
FMN for L∞) on the differentiable surrogate, kept only when it changes the prediction of the surrogate
*and* of the learner's own ``predict`` (a relaxation or an inference loop may differ from its surrogate),
then shrunk along its ray by bisection (``ray_search``) while it still does.  The same ray search scales a
transfer attack's perturbations (see ``harness.metrics.robustness.metric``).
"""

from __future__ import annotations

import math

DOMAIN = (-1e4, 1e4)  # foolbox needs finite input bounds: far beyond every task's inputs, so effectively unconstrained
RAY_SCALES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
RAY_BISECTION_STEPS = 10  # an upper bound at most 0.1% above the boundary along its ray
ATTACK_STEPS = 50  # DDN's and FMN's iterations (foolbox's default: 100); relaxation surrogates are costly


def _attacks(p: float):
    import foolbox

    if p == 2:
        return [foolbox.attacks.L2DeepFoolAttack(), foolbox.attacks.DDNAttack(steps=ATTACK_STEPS)]
    return [foolbox.attacks.LinfDeepFoolAttack(), foolbox.attacks.LInfFMNAttack(steps=ATTACK_STEPS)]


class _EvalMode:
    """The module in eval mode for the attack (foolbox asks for it), restored afterwards."""

    def __init__(self, module):
        self.module, self.was_training = module, module.training

    def __enter__(self):
        self.module.eval()

    def __exit__(self, *exc):
        self.module.train(self.was_training)


def norm_of(delta, p: float):
    import torch

    return torch.linalg.vector_norm(delta.flatten(1), ord=p, dim=1)


def ray_search(changes, x, directions, scales=RAY_SCALES):
    """Per point, the shortest t·direction (t on the grid ``scales``, then bisection below it) that ``changes``.

    ``changes(x)`` says, per row, whether the prediction differs from the clean one.  Every
    returned perturbation passed ``changes``; rows where no scale did are NaN.
    """
    import torch

    n = len(x)
    shape = (n,) + (1,) * (x.dim() - 1)
    found = torch.full((n,), torch.nan, dtype=x.dtype, device=x.device)
    below = torch.zeros(n, dtype=x.dtype, device=x.device)
    for scale in scales:
        open_rows = found.isnan()
        if not open_rows.any():
            break
        hit = changes(x + scale * directions) & open_rows
        found = torch.where(hit, torch.full_like(found, scale), found)
        below = torch.where(open_rows & ~hit, torch.full_like(below, scale), below)
    high = found.clone()
    for _ in range(RAY_BISECTION_STEPS):
        middle = (below + high.nan_to_num(0)) / 2
        hit = changes(x + middle.view(shape) * directions) & ~found.isnan()
        high = torch.where(hit, middle, high)
        below = torch.where(hit, below, middle)
    return high.view(shape) * directions


def prediction_changes(surrogate, predict, classes):
    """``changes(x)``: rows where both the surrogate's and the learner's own prediction differ from ``classes``."""
    import torch

    def changes(x):
        with torch.no_grad():
            return (surrogate(x).argmax(1) != classes) & (predict(x).argmax(1) != classes)

    return changes


def attack_perturbations(model, x, classes, p: float, changes):
    """The shortest verified perturbation over foolbox's minimal-norm attacks on ``model`` (NaN rows: none found)."""
    import foolbox
    import torch

    best = torch.full_like(x, torch.nan)
    with _EvalMode(model):
        wrapped = foolbox.PyTorchModel(model, bounds=DOMAIN, device=x.device)
        for attack in _attacks(p):
            raw, _, _ = attack(wrapped, x, classes, epsilons=None)
            shortened = ray_search(changes, x, (raw - x).detach())
            shorter = norm_of(shortened, p).nan_to_num(math.inf) < norm_of(best, p).nan_to_num(math.inf)
            best = torch.where(shorter.view(-1, *(1,) * (x.dim() - 1)), shortened, best)
    return best
