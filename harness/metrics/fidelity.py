"""Gradient fidelity: how a rule's update direction compares with backprop's gradient, per layer.

``probe`` measures one learner on one probe batch, with the learner's state saved before and restored after
(and the random streams forked), so the run goes on as if nothing had happened.  It compares the true gradient
of the surrogate's loss on the batch, per parameter tensor, with two things the learner produces:

* **direction**: the rule's own update direction, ``Learner.update_direction(x, y)``, what the rule writes
  before any optimiser state (momentum, Adam's moments, clipping, a learned optimiser) touches it.  This is
  what the metric is about: the rule, not the optimiser around it.  Compared with the gradient of the task
  loss and, when the learner declares another objective (``Learner.objective``: pc and ep descend the
  squared error on the one-hot target), with that objective's gradient too.
* **applied**: the change of the parameters one real ``train_step`` makes, optimiser included; the
  leaderboard's second, labelled column.  A learner whose ``train_step`` is ``update_direction`` followed by
  ``apply_update_direction`` is stepped that way from the direction just measured, not from scratch.

Every cosine is with minus the gradient for the applied change and with the gradient itself for the direction
(a direction has a gradient's sign: the rule steps along minus it).  A parameter the rule leaves alone (a frozen
layer, no entry in the direction) counts as 0, not skipped; a parameter whose true gradient is zero has no
defined cosine and no entry.

**Hidden vs output layers, from the surrogate's structure.**  Which parameters *could* receive their exact
local gradient is a property of the network, not something the rule declares: the output layer's gradient is
the output error times the layer's own input, available to every rule at the layer; every other layer needs
credit assigned through the layers above it.  So the output parameters are the ``readout_names`` of a
``RecurrentNetwork``, and otherwise the parameters of the surrogate's last submodule holding parameters (the
last ``Linear`` of an MLP).  Whether a rule actually gives them their gradient is then measured, not assumed
(feedback alignment: ~1 at the output, below 1 beneath; pc against cross-entropy: below 1 even at the output).

**Summary numbers** (``summarise``): ``gradient_cosine`` is the mean over the hidden weight matrices (biases
are in the per-layer entries) of the direction's cosine with the task loss's gradient, the leaderboard's main
fidelity column; ``gradient_cosine_output`` the same over the output layer; ``gradient_cosine_objective`` the
hidden-layer mean against the rule's declared objective; ``gradient_cosine_applied`` the mean over all weight
matrices of the applied change's cosine.  A network without hidden layers has no ``gradient_cosine``.

**Rules without a direction** show ``gradient_cosine`` None ("—"), never a substitute: a genetic algorithm's
selection and mutation estimate no gradient, so ``ga`` implements no ``update_direction``; its applied cosine is
still measured.  Learners without a surrogate (ff, rbm-cd) have no entry at all.  Rules that take their own steps
report the direction of the first: altmin each layer's gradient of its local loss at the optimised codes, hsic
each layer's gradient of its own objective.  **Stochastic rules** (es, uoro) are measured on the one draw their next training step
would make (their generator's state is part of the learner's state), so the number is a single estimate's cosine,
noisy from evaluation to evaluation, not the cosine of the estimator's mean.
"""

from __future__ import annotations

import copy
import statistics

from harness.contract import Learner, Metric


def output_parameters(surrogate) -> set[str]:
    """Names of the parameters that act on the surrogate's output directly (see the module docstring)."""
    names = getattr(surrogate, "readout_names", None)
    if names is not None:
        return set(names)
    holders = [name for name, module in surrogate.named_modules() if any(True for _ in module.parameters(False))]
    if not holders:
        return set()
    last = holders[-1]
    return {f"{last}.{name}" if last else name for name, _ in surrogate.get_submodule(last).named_parameters()}


def _gradients(surrogate, parameters: dict, objective, x, y) -> dict:
    """d objective / d parameter for every parameter, frozen ones included (their gradient is asked for too)."""
    import torch

    frozen = [p for p in parameters.values() if not p.requires_grad]
    for parameter in frozen:
        parameter.requires_grad_(True)
    try:
        gradients = torch.autograd.grad(objective(surrogate(x), y), list(parameters.values()), allow_unused=True)
    finally:
        for parameter in frozen:
            parameter.requires_grad_(False)
    return dict(zip(parameters, gradients))


def _cosines(update: dict, gradients: dict, sign: float) -> dict[str, float]:
    """Per parameter, cosine of ``update`` with ``sign`` × gradient; a missing or zero update counts 0."""
    import torch

    cosines = {}
    for name, gradient in gradients.items():
        if gradient is None or not torch.any(gradient):
            continue
        change = update.get(name)
        if change is None or not torch.any(change):
            cosines[name] = 0.0
            continue
        cosine = torch.nn.functional.cosine_similarity(change.flatten(), sign * gradient.flatten(), dim=0)
        cosines[name] = float(cosine)
    return cosines


def probe(learner, x, y, loss) -> dict | None:
    """Per-parameter cosines of the learner's direction and applied update on ``(x, y)``; None without a surrogate.

    Returns ``{"direction": {...} or None, "objective": {...} or None, "applied": {...}, "output": [names]}``.
    """
    import torch

    surrogate = learner.surrogate()
    if surrogate is None:
        return None
    parameters = dict(surrogate.named_parameters())
    if not parameters:
        return None
    task_gradients = _gradients(surrogate, parameters, loss, x, y)
    objective = getattr(learner, "objective", None)
    objective_gradients = _gradients(surrogate, parameters, objective, x, y) if objective is not None else None

    saved_state = copy.deepcopy(learner.state_dict())
    before = {name: p.detach().clone() for name, p in parameters.items()}
    devices = [x.device] if x.device.type == "cuda" else []
    method = getattr(learner, "update_direction", None)  # Learner's own returns None and changes nothing
    defines_direction = method is not None and getattr(method, "__func__", method) is not Learner.update_direction
    with torch.random.fork_rng(devices=devices):
        direction = learner.update_direction(x, y) if defines_direction else None
        direction = None if direction is None else {name: d.detach().clone() for name, d in direction.items()}
        # update_direction then apply_update_direction is train_step: the direction is not computed twice
        stepped = (
            direction is not None and hasattr(learner, "apply_update_direction") and learner.apply_update_direction()
        )
    if not stepped:
        if defines_direction:  # else nothing has run: the learner is as saved
            learner.load_state_dict(copy.deepcopy(saved_state))
        with torch.random.fork_rng(devices=devices):
            learner.train_step(x, y)
    applied = {name: p.detach() - before[name] for name, p in parameters.items()}
    learner.load_state_dict(saved_state)

    return {
        "direction": None if direction is None else _cosines(direction, task_gradients, 1.0),
        "objective": None
        if direction is None or objective_gradients is None
        else _cosines(direction, objective_gradients, 1.0),
        "applied": _cosines(applied, task_gradients, -1.0),
        "output": sorted(output_parameters(surrogate)),
    }


def _weight_mean(cosines: dict | None, names) -> float | None:
    """Mean over the weight matrices among ``names`` (all of them when none is a weight); None when empty."""
    if not cosines:
        return None
    chosen = {name: cosines[name] for name in names if name in cosines}
    weights = [value for name, value in chosen.items() if name.endswith("weight")] or list(chosen.values())
    return statistics.fmean(weights) if weights else None


SUMMARY_KEYS = (
    "gradient_cosine",
    "gradient_cosine_output",
    "gradient_cosine_objective",
    "gradient_cosine_applied",
    "gradient_cosine_layers",
    "gradient_cosine_applied_layers",
)


def summarise(measured: dict | None) -> dict:
    """The summary numbers of one probe (module docstring); every value None when nothing was measured."""
    if not measured:
        return dict.fromkeys(SUMMARY_KEYS)
    if "applied" not in measured:  # a store written before directions were measured: applied cosines per tensor
        measured = {"direction": None, "objective": None, "applied": measured, "output": []}
    output = set(measured["output"])
    direction, objective, applied = measured["direction"], measured["objective"], measured["applied"]
    hidden = [name for name in (direction or {}) if name not in output]
    return {
        "gradient_cosine": _weight_mean(direction, hidden),
        "gradient_cosine_output": _weight_mean(direction, sorted(output)),
        "gradient_cosine_objective": _weight_mean(objective, [name for name in objective or {} if name not in output]),
        "gradient_cosine_applied": _weight_mean(applied, list(applied)),
        "gradient_cosine_layers": direction,
        "gradient_cosine_applied_layers": applied,
    }


def gradient_fidelity(run) -> dict:
    """The summary numbers of the probe at the last evaluation."""
    return summarise(run.curve[-1].get("gradient_cosine"))


GRADIENT_FIDELITY = Metric(
    "gradient_fidelity",
    "cosine of the rule's update direction (hidden layers; output layer; own objective) and of the applied update "
    "with the backprop gradient",
    gradient_fidelity,
)
