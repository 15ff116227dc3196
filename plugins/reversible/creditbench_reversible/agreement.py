"""How closely a rule's gradient matches backprop's on the same network and batch, parameter by parameter."""

from __future__ import annotations

import torch

from harness import task_loss


def gradients(model, direction, x, y, loss) -> dict:
    model.zero_grad(set_to_none=True)
    direction(model, x, y, loss)
    return {name: parameter.grad.clone() for name, parameter in model.named_parameters()}


def gradient_agreement(task, direction, x, y, seed: int = 0) -> dict:
    """``direction``'s gradient against autograd's through the plain forward pass, on ``task``'s reference network
    built from ``seed``: per parameter tensor, the cosine and the relative error ``‖g - g_bp‖ / ‖g_bp‖``, and the
    least cosine and largest relative error over them."""
    model = task.architecture.build(seed)
    loss = task_loss(task)
    reference = gradients(model, lambda m, x, y, loss: loss(m(x), y).backward(), x, y, loss)
    measured = gradients(model, direction, x, y, loss)
    cosines, errors = {}, {}
    for name, true in reference.items():
        rule, true = measured[name].double().flatten(), true.double().flatten()  # the cosine itself in float64
        cosines[name] = torch.nn.functional.cosine_similarity(rule, true, dim=0).item()
        errors[name] = ((rule - true).norm() / true.norm()).item()
    return {
        "cosine": cosines,
        "relative_error": errors,
        "least_cosine": min(cosines.values()),
        "largest_relative_error": max(errors.values()),
    }
