from types import SimpleNamespace

import pytest

from harness.contract import Budget
from harness.metrics.curve import aulc, presentations_to_target


def _run(points, budget=10_000, targets=(0.5, 0.9)):
    curve = [{"presentations": p, "test_score": a} for p, a in points]
    return SimpleNamespace(
        curve=curve, spec=SimpleNamespace(budget=Budget(budget, 1)), task=SimpleNamespace(targets=targets)
    )


def test_aulc_of_a_constant_curve_is_that_constant_and_early_learning_scores_higher():
    assert aulc(_run([(0, 0.1), (100, 0.7), (1000, 0.7), (10_000, 0.7)]))["aulc"] == pytest.approx(0.7)
    early = aulc(_run([(100, 0.9), (1000, 0.9), (10_000, 0.9)]))["aulc"]
    late = aulc(_run([(100, 0.1), (1000, 0.1), (10_000, 0.9)]))["aulc"]
    assert late < early
    # a run stopped early by the clock keeps its last accuracy to the end of the axis
    assert aulc(_run([(100, 0.5), (1000, 0.5)]))["aulc"] == pytest.approx(0.5)


def test_presentations_to_target_is_the_first_evaluation_at_or_above_it():
    result = presentations_to_target(_run([(0, 0.1), (100, 0.6), (1000, 0.5), (2000, 0.95)]))
    assert result == {"presentations_to_target": {"0.5": 100, "0.9": 2000}}
    assert presentations_to_target(_run([(0, 0.1)]))["presentations_to_target"] == {"0.5": None, "0.9": None}
