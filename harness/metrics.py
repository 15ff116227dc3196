"""The built-in metrics, each computed from a finished run's trajectory (never by the plugin)."""

from __future__ import annotations

import math
import statistics

from harness.contract import Metric


def final_accuracy(run) -> dict:
    last = run.curve[-1]
    return {key: last[key] for key in ("test_accuracy", "test_loss", "val_accuracy", "val_loss")}


def aulc(run) -> dict:
    """Area under test accuracy against log10(presentations), normalised to [0, 1].

    The axis runs from the first evaluation after 0 to the budget; a run that
    stopped early (wall clock) keeps its last accuracy to the end of the axis.
    Trapezoids on the log axis, divided by the axis length, so a learner at
    accuracy a throughout scores a.
    """
    points = [(p["presentations"], p["test_accuracy"]) for p in run.curve if p["presentations"] > 0]
    budget = run.spec.budget.presentations
    if points and points[-1][0] < budget:
        points.append((budget, points[-1][1]))
    if len(points) < 2:
        return {"aulc": points[0][1] if points else None}
    logs = [math.log10(p) for p, _ in points]
    area = sum((logs[i + 1] - logs[i]) * (points[i][1] + points[i + 1][1]) / 2 for i in range(len(points) - 1))
    return {"aulc": area / (logs[-1] - logs[0])}


def presentations_to_target(run) -> dict:
    """For each task target, the presentations at the first evaluation whose test accuracy reaches it."""
    reached = {}
    for target in run.task.targets:
        hits = [p["presentations"] for p in run.curve if p["test_accuracy"] >= target]
        reached[f"{target:g}"] = hits[0] if hits else None
    return {"presentations_to_target": reached}


def step_cost(run) -> dict:
    """Wall seconds per timed step; FLOPs, activation and peak bytes as medians over probed steps.

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
    Metric("accuracy", "final test and validation accuracy and cross-entropy loss", final_accuracy),
    Metric("aulc", "area under the test-accuracy curve on a log10 presentations axis, in [0, 1]", aulc),
    Metric("presentations_to_target", "presentations until test accuracy first reaches each target", presentations_to_target),
    Metric("step_cost", "per training step: wall seconds, FLOPs, activation bytes, peak bytes", step_cost),
    Metric("gradient_fidelity", "cosine between the update and the backprop gradient, per layer", gradient_fidelity),
)
