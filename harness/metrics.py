"""The built-in metrics, each computed from a finished run's trajectory (never by the plugin)."""

from __future__ import annotations

import math
import statistics

from harness import robustness
from harness.contract import Metric


def final_score(run) -> dict:
    """The last evaluation's score and loss (and accuracy, for classification), on test and validation."""
    last = run.curve[-1]
    keys = [f"{split}_{name}" for split in ("test", "val") for name in ("score", "loss", "accuracy")]
    return {key: last[key] for key in keys if key in last}


def aulc(run) -> dict:
    """Area under the test score against log10(presentations), normalised to the score's scale.

    The axis runs from the first evaluation after 0 to the budget; a run that
    stopped early (wall clock) keeps its last score to the end of the axis.
    Trapezoids on the log axis, divided by the axis length, so a learner at
    score s throughout gets s.
    """
    points = [(p["presentations"], p["test_score"]) for p in run.curve if p["presentations"] > 0]
    budget = run.spec.budget.presentations
    if points and points[-1][0] < budget:
        points.append((budget, points[-1][1]))
    if len(points) < 2:
        return {"aulc": points[0][1] if points else None}
    logs = [math.log10(p) for p, _ in points]
    area = sum((logs[i + 1] - logs[i]) * (points[i][1] + points[i + 1][1]) / 2 for i in range(len(points) - 1))
    return {"aulc": area / (logs[-1] - logs[0])}


def presentations_to_target(run) -> dict:
    """For each task target, the presentations at the first evaluation whose test score reaches it."""
    reached = {}
    for target in run.task.targets:
        hits = [p["presentations"] for p in run.curve if p["test_score"] >= target]
        reached[f"{target:g}"] = hits[0] if hits else None
    return {"presentations_to_target": reached}


def step_cost(run) -> dict:
    """Wall seconds per timed step; FLOPs, activation, state and peak bytes as medians over probed steps.

    The learner's own cost counters (relaxation iterations, population
    evaluations, ...) are reported per presentation.
    """
    def median(key):
        values = [sample[key] for sample in run.cost_samples if key in sample]
        return statistics.median(values) if values else None

    return {
        "step_seconds": run.train_seconds / run.timed_steps if run.timed_steps else None,
        "flops_per_step": median("flops"),
        "activation_bytes": median("activation_bytes"),
        "state_bytes": median("state_bytes"),
        "peak_bytes": median("peak_bytes"),
        "setup_seconds": run.setup_seconds,
        "cost_per_presentation": {
            name: count / run.presentations for name, count in run.cost_counters.items()
        } if run.presentations else {},
    }


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


BUILTIN_METRICS = (
    Metric("score", "final test and validation score (accuracy, or skill against the task's baseline) and loss", final_score),
    Metric("aulc", "area under the test-score curve on a log10 presentations axis", aulc),
    Metric("presentations_to_target", "presentations until the test score first reaches each target", presentations_to_target),
    Metric("step_cost", "per training step: wall seconds, FLOPs, activation, state and peak bytes", step_cost),
    Metric("gradient_fidelity", "cosine between the update and the backprop gradient, per layer", gradient_fidelity),
    Metric("robustness", "certified lower and attack upper bounds on the smallest L2 / L-inf perturbation that "
           "changes the prediction, on a fixed subset of test points", robustness.measure),
)
