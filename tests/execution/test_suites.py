"""Suites: what a plan holds, and which --set values it refuses before anything runs."""

import math

import pytest

from harness.errors import HarnessError
from harness.execution.suites import plan, setting_problem
from harness.registry import build_registry


@pytest.mark.parametrize(
    "key, value, default, problem",
    [
        ("lr", 0.05, 0.1, None),
        ("lr", 1, 0.1, None),  # an integer is a number
        ("lr", "0.1", 0.1, "expected a number"),
        ("lr", True, 0.1, "expected a number"),
        ("lr", math.nan, 0.1, "finite"),
        ("hidden", 2.0, 50, "expected an integer"),
        ("cell", "lstm", "tanh", None),
        ("cell", 3, "tanh", "expected a string"),
        ("odd", 1, True, "expected a boolean"),
        ("clip", 5.0, None, None),  # no default type to check against
        ("batch_size", 0, 32, "positive integer"),
        ("batch_size", 16, 32, None),
    ],
)
def test_a_setting_must_have_its_defaults_type(key, value, default, problem):
    found = setting_problem(key, value, default)
    assert (found is None) if problem is None else (problem in found), found


def test_plan_refuses_a_bad_value_before_planning_anything():
    registry = build_registry()
    assert len(plan(registry, tasks=["digits"], algorithms=["bp-sgd"], overrides={"lr": 0.05})) == 2
    with pytest.raises(HarnessError, match=r'--set lr="fast": expected a number .* for bp-sgd'):
        plan(registry, tasks=["digits"], algorithms=["bp-sgd"], overrides={"lr": "fast"})
