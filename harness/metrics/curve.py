"""Metrics of the learning curve: final score, area under the curve on a log axis, presentations to each target."""

from __future__ import annotations

import math

from harness.contract import Metric
from harness.training.evaluation import evaluation_points


def final_score(run) -> dict:
    """The last evaluation's score and loss (and accuracy, for classification), on test and validation."""
    last = run.curve[-1]
    keys = [f"{split}_{name}" for split in ("test", "val") for name in ("score", "loss", "accuracy")]
    return {key: last[key] for key in keys if key in last}


def aulc(run) -> dict:
    """Area under the test score against log10(presentations), normalised to the score's scale.

    The axis is the same for every run of a budget: from the evaluation schedule's first point after 0
    (``evaluation_points``; 100 presentations) to the budget, whatever the run's batch size.  On it the
    score at ``p`` presentations is that of the run's latest evaluation at or before ``p`` (a step
    function): a run whose first step already passes the schedule's first point (a batch of 256) is
    scored as untrained until it is evaluated, which it was, and a run stopped early (wall clock) keeps its
    last score to the end of the axis.  The area is divided by the axis length, so a learner at score s
    throughout gets s.
    """
    points = sorted((p["presentations"], p["test_score"]) for p in run.curve)
    if not points:
        return {"aulc": None}
    budget = run.spec.budget.presentations
    start = evaluation_points(budget)[1]
    if start >= budget:
        return {"aulc": points[-1][1]}
    area = 0.0
    for (presentations, score), (following, _) in zip(points, [*points[1:], (budget, None)]):
        left, right = max(presentations, start), min(following, budget)
        if right > left:
            area += (math.log10(right) - math.log10(left)) * score
    return {"aulc": area / (math.log10(budget) - math.log10(start))}


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
