"""The robustness metric: a bracket on the smallest perturbation that changes a model's prediction.

For a model f, a test point x and its predicted class c, the quantity is the
smallest ‖δ‖ (L2 or L∞, δ unconstrained in input space) with argmax f(x + δ) ≠ c.
It is bracketed from both sides: a certified lower bound (``certified``) and an attack upper bound
(``attacks``), tightened by a transfer attack from a backprop-trained reference model (``reference``).

The transfer attack: the perturbations found on the reference model are scaled along their rays until the
learner's prediction changes.  When that beats the white-box attack at more than ``MASKING_FRACTION`` of
the points, the learner's gradients mislead the attack and its row is flagged, as RobustBench flags
suspicious defences.  Transferred perturbations are verified too, so they also tighten the upper bound.

A lower bound above an upper bound at any point is a bug; it is never hidden:
the point count goes into the flags.
"""

from __future__ import annotations

import math
from collections import Counter

from harness import shared_cache
from harness.contract import Metric
from harness.metrics.robustness import keys
from harness.metrics.robustness.attacks import attack_perturbations, norm_of, prediction_changes, ray_search
from harness.metrics.robustness.certified import certified_radius
from harness.metrics.robustness.reference import backprop_model

MASKING_FRACTION = 0.1
DEFAULT_POINTS = 32
POINTS_VARIABLE = "CREDITBENCH_ROBUST_POINTS"  # how many test points the metric brackets (0 turns it off)
SUBSET_SEED = 20_000  # the test points are the same for every run of a task


def bracket(surrogate, predict, x, p: float, reference=None, classes=None) -> dict:
    """Per point of ``x``: certified lower bound, attack upper bound, transfer-attack bound (tensors of shape (n,)).

    ``classes`` are the learner's own predictions (computed here when not given: pass them when they are
    known, since a batch of another size can take other kernels and flip a near-tied point).  ``lower`` is None when the surrogate is
    not a chain the certifier can analyse; an upper bound is +inf where no attack found a
    perturbation; ``transfer`` (from ``reference``, a backprop-trained model) is None without one.
    """
    import torch

    if classes is None:
        with torch.no_grad():
            classes = predict(x).argmax(1)
    changes = prediction_changes(surrogate, predict, classes)
    white_box = norm_of(attack_perturbations(surrogate, x, classes, p, changes), p).nan_to_num(math.inf)
    transfer = None
    if reference is not None:
        with torch.no_grad():
            reference_classes = reference(x).argmax(1)
        reference_changes = prediction_changes(reference, reference, reference_classes)
        directions = attack_perturbations(reference, x, reference_classes, p, reference_changes).nan_to_num(0)
        transfer = norm_of(ray_search(changes, x, directions), p).nan_to_num(math.inf).to(white_box.dtype)
    certified = certified_radius(surrogate, x, classes, p)
    return {
        "classes": classes,
        "lower": None if certified is None else certified[0],
        "lower_method": None if certified is None else certified[1],
        "white_box": white_box,
        "transfer": transfer,
        "upper": white_box if transfer is None else torch.minimum(white_box, transfer),
    }


def fixed_test_points(task, count: int):
    """A fixed, seeded subset of the task's test split (inputs and labels as tensors)."""
    import torch

    splits = shared_cache.splits(task)
    order = torch.randperm(len(splits.y_test), generator=torch.Generator(device="cpu").manual_seed(SUBSET_SEED))[:count]
    return torch.as_tensor(splits.x_test)[order], torch.as_tensor(splits.y_test)[order]


def not_defined_reason(run) -> str | None:
    """Why the bracket cannot be measured for this run, or None."""
    if run.task.objective != "classification":
        return "defined for classification tasks only"
    if not run.algorithm.supervised:
        return "unsupervised learner read out by the harness's linear probe: no differentiable surrogate"
    if run.learner.surrogate() is None:
        return "the learner exposes no differentiable surrogate"
    return None


def _quantiles(values) -> tuple:
    """Quartiles (q1, median, q3) of a tensor that may hold +inf (no perturbation found); None where infinite."""
    import torch

    q = torch.quantile(values.double(), torch.tensor([0.25, 0.5, 0.75], dtype=torch.float64, device=values.device))
    return tuple(None if math.isinf(v) else v for v in q.tolist())


def measure(run) -> dict:
    """The ``robustness`` metric: the bracket on a fixed subset of test points, per norm, summarised."""
    import os
    import time

    import torch

    started = time.perf_counter()
    count = int(os.environ.get(POINTS_VARIABLE, DEFAULT_POINTS))
    reason = not_defined_reason(run) or (None if count > 0 else f"turned off ({POINTS_VARIABLE}=0)")
    if reason:
        return {keys.NOT_DEFINED: reason}
    device = torch.device(run.spec.device)
    surrogate, predict = run.learner.surrogate(), run.learner.predict
    x, labels = (tensor.to(device) for tensor in fixed_test_points(run.task, count))
    with torch.no_grad():
        classes = predict(x).argmax(1)
        agrees = surrogate(x).argmax(1) == classes
    reference = backprop_model(run.task, device)
    total = len(x)
    result: dict = {keys.POINTS: total, keys.FLAGS: []}
    flags = result[keys.FLAGS]
    if not agrees.all():
        flags.append(
            f"{int((~agrees).sum())} of {len(x)} points left out: the surrogate's class "
            "differs from the learner's prediction"
        )
    x, labels, classes = x[agrees], labels[agrees], classes[agrees]
    if not len(x):
        return {keys.NOT_DEFINED: "the surrogate's class differs from the learner's prediction at every point"}
    for name, p in keys.NORMS.items():
        found = bracket(surrogate, predict, x, p, reference, classes)
        correct = found["classes"] == labels
        upper, lower = found["upper"].double(), found["lower"]
        result.update(dict(zip(keys.quartiles("upper", name), _quantiles(upper))))
        missed = int(torch.isinf(found["white_box"]).sum())
        if missed:
            flags.append(f"{name}: the attacks found no perturbation at {missed} points")
        wins = float((found["transfer"] < found["white_box"]).double().mean())
        result[keys.transfer_wins(name)] = wins
        if wins > MASKING_FRACTION:
            flags.append(
                f"{name}: gradient masking suspected: a transfer attack from a backprop model "
                f"beats the white-box attack at {wins:.0%} of points"
            )
        radius = run.task.robustness_radii.get(name)
        result[keys.radius(name)] = radius
        if radius is not None:
            result[keys.accuracy("attack", name)] = float((correct & (upper > radius)).sum()) / total
        if lower is None:
            result[keys.lower_not_defined(name)] = (
                f"no certified bound: the surrogate ({type(surrogate).__name__}) is not a chain of Linear and "
                "ReLU/tanh/softplus layers"
            )
            continue
        result.update(dict(zip(keys.quartiles("lower", name), _quantiles(lower))))
        ratio = torch.where(torch.isinf(upper), torch.zeros_like(upper), lower / upper)
        result[keys.tightness(name)] = _quantiles(ratio)[1]
        methods = found["lower_method"]
        # the most frequent method; ties go to the first met (max over a set would follow string hashing, per process)
        result[keys.lower_method(name)] = Counter(methods).most_common(1)[0][0] if methods else None
        if radius is not None:
            result[keys.accuracy("certified", name)] = float((correct & (lower > radius)).sum()) / total
        violations = int((lower > upper).sum())
        if violations:
            flags.append(f"{name}: BUG: certified lower bound above the attack's upper bound at {violations} points")
    result[keys.SECONDS] = time.perf_counter() - started
    return result


ROBUSTNESS = Metric(
    "robustness",
    "certified lower and attack upper bounds on the smallest L2 / L-inf perturbation "
    "that changes the prediction, on a fixed subset of test points",
    measure,
)
