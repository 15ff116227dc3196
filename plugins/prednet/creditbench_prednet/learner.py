"""PredNet trained as the paper trains it: backprop through time on the weighted error units, with Adam."""

from __future__ import annotations

import torch

from creditbench_prednet.network import PredNet
from harness import GradientLearner, task_loss

# λ_l of the paper's two loss settings (section 3): L0 weighs the pixel layer's errors only; L_all also the
# upper layers' errors, at 0.1 each.  λ_t is 0 for the first time step and 1 for the others.
LAYER_WEIGHTS = {"L0": (1.0, 0.0), "L_all": (1.0, 0.1)}


def layer_weights(setting: str, layers: int) -> tuple[float, ...]:
    try:
        bottom, others = LAYER_WEIGHTS[setting]
    except KeyError:
        raise ValueError(f"unknown loss {setting!r} (known: {', '.join(LAYER_WEIGHTS)})") from None
    return (bottom,) + (others,) * (layers - 1)


class ErrorUnitLoss:
    """The update direction: the gradient of Σ_t λ_t Σ_l λ_l · mean(E_l^t) over the clip.

    The clip is ``x``'s first frame followed by ``y`` (``y[:, t]`` is the frame after ``x[:, t]``), so
    every frame is both an input and, one step earlier, a target.  The error units' sum is the L1
    distance between target and prediction, which is what the network learns to reduce; the harness
    scores its predictions by squared error.
    """

    def __init__(self, weights: tuple[float, ...]):
        self.weights = weights

    def value(self, model, x, y):
        errors = model.errors(torch.cat([x[:, :1], y], dim=1))[1:]
        total = sum(weight * error.mean() for step in errors for weight, error in zip(self.weights, step) if weight)
        return total / len(errors)

    def __call__(self, model, x, y, loss):
        del loss  # the task's squared error scores the predictions; PredNet minimises its error units instead
        self.value(model, x, y).backward()


def build_prednet(task, config, seed):
    stack, r_stack = tuple(config["stack"]), tuple(config["r_stack"])
    torch.manual_seed(seed)
    model = PredNet(stack, r_stack)
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    direction = ErrorUnitLoss(layer_weights(config["loss"], len(stack)))
    return GradientLearner(model, optimizer, direction=direction, loss=task_loss(task))
