import math
from types import SimpleNamespace

import pytest

from harness.contract import Budget
from harness.metrics.curve import aulc, presentations_to_target


def _run(points, budget=10_000, targets=(0.5, 0.9)):
    curve = [{"presentations": p, "test_score": a} for p, a in points]
    return SimpleNamespace(
        curve=curve, spec=SimpleNamespace(budget=Budget(budget)), task=SimpleNamespace(targets=targets)
    )


def test_aulc_of_a_constant_curve_is_that_constant_and_early_learning_scores_higher():
    assert aulc(_run([(0, 0.1), (100, 0.7), (1000, 0.7), (10_000, 0.7)]))["aulc"] == pytest.approx(0.7)
    early = aulc(_run([(100, 0.9), (1000, 0.9), (10_000, 0.9)]))["aulc"]
    late = aulc(_run([(100, 0.1), (1000, 0.1), (10_000, 0.9)]))["aulc"]
    assert late < early
    # a run stopped early by the clock keeps its last accuracy to the end of the axis
    assert aulc(_run([(100, 0.5), (1000, 0.5)]))["aulc"] == pytest.approx(0.5)


def test_runs_of_different_batch_sizes_share_the_axis():
    """The axis starts at the schedule's first point (100 presentations) for every run.  With batches of 32
    the first evaluation after 0 is at 128, with batches of 256 at 256; a rule that is at 0.1 untrained and
    at 0.9 after its first step scores by how long it sat untrained on the common axis.  Measured from each
    run's own first evaluation (the old axis), both would get 0.9."""
    untrained, trained = 0.1, 0.9

    def expected(first):
        return (untrained * math.log10(first / 100) + trained * math.log10(10_000 / first)) / math.log10(100)

    small, large = (aulc(_run([(0, untrained), (first, trained), (10_000, trained)]))["aulc"] for first in (128, 256))
    assert small == pytest.approx(expected(128)) and large == pytest.approx(expected(256))
    assert large < small < trained


def test_evaluations_before_the_axis_count_only_through_the_score_they_leave():
    # a step of 64 presentations: the evaluation at 64 holds from 100 until the next one
    assert aulc(_run([(0, 0.1), (64, 0.5), (1000, 0.5), (10_000, 0.5)]))["aulc"] == pytest.approx(0.5)
    # a budget at or below the schedule's first point has no axis: the final score
    assert aulc(_run([(0, 0.1), (50, 0.4)], budget=50))["aulc"] == pytest.approx(0.4)


def test_presentations_to_target_is_the_first_evaluation_at_or_above_it():
    result = presentations_to_target(_run([(0, 0.1), (100, 0.6), (1000, 0.5), (2000, 0.95)]))
    assert result == {"presentations_to_target": {"0.5": 100, "0.9": 2000}}
    assert presentations_to_target(_run([(0, 0.1)]))["presentations_to_target"] == {"0.5": None, "0.9": None}
