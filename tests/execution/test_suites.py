"""Suites: what a plan holds, and which --set values it refuses before anything runs."""

import math
import warnings

import pytest

from harness.errors import HarnessError, SettingWarning
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
    assert len(plan(registry, tasks=["digits"], algorithms=["bp-sgd"], overrides={"lr": 0.05})) == 3
    with pytest.raises(HarnessError, match=r'--set lr="fast": expected a number .* for bp-sgd'):
        plan(registry, tasks=["digits"], algorithms=["bp-sgd"], overrides={"lr": "fast"})


@pytest.mark.parametrize("value", [-1, -0.5])
def test_plan_refuses_a_value_outside_what_the_search_space_declares_the_setting_to_be(value):
    with pytest.raises(HarnessError, match=rf"--set lr={value}: expected a number at or above 0 .*log-uniform"):
        plan(build_registry(), tasks=["digits"], algorithms=["bp-sgd"], overrides={"lr": value})


def test_a_rate_of_zero_the_negative_controls_frozen_rule_plans_with_a_warning():
    with pytest.warns(SettingWarning, match=r"--set lr=0 is outside the range tuning searches"):
        assert len(plan(build_registry(), tasks=["digits"], algorithms=["bp-sgd"], overrides={"lr": 0})) == 3


def test_zero_is_refused_for_a_log_range_setting_that_is_not_a_rate():
    with pytest.raises(HarnessError, match=r"--set beta=0: expected a positive number .*log-uniform.* for ep"):
        plan(build_registry(), tasks=["digits"], algorithms=["ep"], overrides={"beta": 0})


def test_a_value_outside_the_range_tuning_searches_runs_with_a_one_line_warning():
    with pytest.warns(SettingWarning, match=r"--set lr=5 is outside the range tuning searches \(log-uniform"):
        assert len(plan(build_registry(), tasks=["digits"], algorithms=["bp-sgd"], overrides={"lr": 5})) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inside the range: no warning
        plan(build_registry(), tasks=["digits"], algorithms=["bp-sgd"], overrides={"lr": 0.5})


def test_reporting_suites_run_seeds_from_zero_and_the_selection_suite_from_1000():
    registry = build_registry()
    seeds = {
        name: [spec.seed for spec in plan(registry, name, tasks=["digits"], algorithms=["bp-sgd"])]
        for name in ("quick", "standard", "selection")
    }
    assert seeds == {"quick": [0, 1, 2], "standard": [0, 1, 2, 3, 4], "selection": [1000, 1001, 1002, 1003, 1004]}
    selection = plan(registry, "selection", tasks=["digits"], algorithms=["bp-sgd"], seeds=2, first_seed=1010)
    assert [spec.seed for spec in selection] == [1010, 1011] and {spec.suite for spec in selection} == {"selection"}


@pytest.mark.parametrize(
    "suite, seeds, first_seed, message",
    [
        ("quick", None, 998, "seeds 998-1000 reach the selection seeds"),
        ("standard", 1001, None, "seeds 0-1000 reach the selection seeds"),
        ("selection", None, 0, "seed 0 is a reported seed"),
        ("quick", None, -1, "--first-seed must be at least 0"),
    ],
)
def test_a_suite_refuses_seeds_of_the_other_kind(suite, seeds, first_seed, message):
    with pytest.raises(HarnessError, match=message):
        plan(build_registry(), suite, tasks=["digits"], algorithms=["bp-sgd"], seeds=seeds, first_seed=first_seed)


def test_the_quick_suite_leaves_the_ladder_only_rungs_to_the_ladder_suite():
    registry = build_registry()

    def tasks(suite):
        return {spec.task for spec in plan(registry, suite, algorithms=["bptt"], seeds=1)}

    assert {"adding-10", "assoc-retrieval"} <= tasks("quick") and not {"adding-100", "adding-1000"} & tasks("quick")
    assert tasks("ladder") == {"adding-10", "adding-100", "adding-1000"}
    assert {"adding-10", "adding-100", "adding-1000", "assoc-retrieval"} <= tasks("standard") & tasks("selection")
    with pytest.raises(HarnessError, match=r"the quick suite does not run adding-1000 .*--suite ladder or standard"):
        plan(registry, "quick", tasks=["adding-1000"], algorithms=["bptt"])


def test_the_pairs_a_rule_declares_slow_run_in_the_extended_suite_and_nowhere_else_of_the_quick_ones():
    registry = build_registry()

    def pairs(suite):
        return {(spec.task, spec.algorithm) for spec in plan(registry, suite, seeds=1)}

    slow = {(task, rule.name) for rule in registry.algorithms.values() for task in rule.slow_tasks}
    assert ("assoc-retrieval", "rtrl") in slow and ("mnist5k", "es") in slow
    assert pairs("extended") == slow and not pairs("quick") & slow
    quick_budget_pairs = {
        p for p in pairs("standard") if not (registry.task(p[0]).ladder_only or registry.task(p[0]).standard_only)
    }
    assert pairs("quick") | pairs("extended") == quick_budget_pairs
    assert slow <= pairs("standard") & pairs("selection")
    with pytest.raises(HarnessError, match=r"es on mnist5k is too slow for the quick suite \(.*\): the extended suite"):
        plan(registry, "quick", tasks=["mnist5k"], algorithms=["es"])


def test_a_runs_time_limit_comes_from_its_suite_and_is_not_part_of_its_identity():
    from harness.execution.suites import QUICK_TIME_LIMIT
    from harness.training.spec import FULL_BUDGET_TIME_LIMIT, run_key

    registry = build_registry()

    def first(suite, **options):
        return plan(registry, suite, tasks=["adding-10"], algorithms=["bptt"], seeds=1, **options)[0]

    assert first("quick").time_limit == first("ladder").time_limit == QUICK_TIME_LIMIT < FULL_BUDGET_TIME_LIMIT
    assert first("standard").time_limit == FULL_BUDGET_TIME_LIMIT
    assert first("quick", time_limit=5.0).time_limit == 5.0
    assert run_key(registry, first("quick", time_limit=5.0)) == run_key(registry, first("quick"))
    # the same run planned by two suites is stored once in each
    assert first("ladder").budget == first("quick").budget
    assert run_key(registry, first("ladder")) != run_key(registry, first("quick"))


def test_a_toy_runs_in_its_own_suite_and_the_selection_suite_only():
    registry = build_registry()

    def tasks(suite):
        return {spec.task for spec in plan(registry, suite, algorithms=["spiking-rbm", "bp-sgd"], seeds=1)}

    assert tasks("toys") == {"circling-ball", "digits-few-shot"}
    assert {"circling-ball", "digits-few-shot"} <= tasks("selection")
    assert not {"circling-ball", "digits-few-shot"} & (
        tasks("quick") | tasks("extended") | tasks("standard") | tasks("ladder")
    )
    with pytest.raises(HarnessError, match=r"the quick suite does not run circling-ball .*--suite toys"):
        plan(registry, "quick", tasks=["circling-ball"], algorithms=["spiking-rbm"])
