"""Metrics of the learning curve: final score, area under the curve on a log axis, presentations to each target."""

from __future__ import annotations

import math

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


SCORE = Metric(
    "score", "final test and validation score (accuracy, or skill against the task's baseline) and loss", final_score
)
AULC = Metric("aulc", "area under the test-score curve on a log10 presentations axis", aulc)
PRESENTATIONS_TO_TARGET = Metric(
    "presentations_to_target", "presentations until the test score first reaches each target", presentations_to_target
)
