"""Gradient fidelity: how the learner's update compares with backprop's gradient.

``gradient_cosine`` takes a hypothetical step on a probe batch: it saves the learner's state, lets it update
on the batch, reads the change in the surrogate's parameters, restores the state and compares the change
with backprop's gradient.  The training loop calls it at every evaluation; the ``gradient_fidelity`` metric
reads the last one.
"""

from __future__ import annotations

import copy
import statistics

from harness.contract import Metric


def gradient_cosine(learner, x, y, loss) -> dict[str, float] | None:
    """Per parameter tensor, cosine between the learner's update and minus backprop's gradient.

    None when the learner exposes no surrogate.  A tensor the rule does not
    change (a frozen layer) gets no entry.
    """
    import torch

    surrogate = learner.surrogate()
    if surrogate is None:
        return None
    parameters = {name: p for name, p in surrogate.named_parameters() if p.requires_grad}
    if not parameters:
        return None
    gradients = torch.autograd.grad(loss(surrogate(x), y), list(parameters.values()), allow_unused=True)

    saved_state = copy.deepcopy(learner.state_dict())
    before = {name: p.detach().clone() for name, p in parameters.items()}
    with torch.random.fork_rng(devices=[x.device] if x.device.type == "cuda" else []):
        learner.train_step(x, y)
    update = {name: p.detach() - before[name] for name, p in parameters.items()}
    learner.load_state_dict(saved_state)

    cosines = {}
    for (name, change), gradient in zip(update.items(), gradients):
        if gradient is None or not torch.any(change):
            continue
        cosine = torch.nn.functional.cosine_similarity(change.flatten(), -gradient.flatten(), dim=0)
        cosines[name] = float(cosine)
    return cosines


def gradient_fidelity(run) -> dict:
    """Cosine of the learner's update with backprop's gradient at the last evaluation.

    ``gradient_cosine`` is the mean over weight matrices; ``gradient_cosine_layers``
    has one entry per parameter tensor.  None when the learner has no surrogate.
    """
    layers = run.curve[-1].get("gradient_cosine")
    if not layers:
        return {"gradient_cosine": None, "gradient_cosine_layers": None}
    weights = [value for name, value in layers.items() if name.endswith("weight")] or list(layers.values())
    return {"gradient_cosine": statistics.fmean(weights), "gradient_cosine_layers": layers}


GRADIENT_FIDELITY = Metric(
    "gradient_fidelity", "cosine between the update and the backprop gradient, per layer", gradient_fidelity
)
