"""Search spaces: one form for every rule, decoded back to configs, and every default searched or fixed."""

import dataclasses

import optuna
import pytest

from harness import Algorithm, Plausibility
from harness.registry import algorithm_problem, registry
from harness.testing import CONFORMANCE_TASK
from harness.testing.checks import check_search_space
from harness.tuning.space import coverage_problems, entry_problem, suggest

RULE = Algorithm(
    name="r",
    family="test",
    citation="c",
    description="d",
    build=lambda task, config, seed: None,
    plausibility=Plausibility(True, True, False),
    defaults={"lr": 0.1, "steps": 10, "lrs": [0.1, 0.05], "width": 16},
    search_space={
        "lr": ("log-uniform", 1e-3, 1.0),
        "steps": ("log-int", 1, 100),
        "lrs": ("choice", [[0.1, 0.05], [0.2, 0.1]]),
    },
    fixed={"width": "the reference architecture's"},
)


@pytest.mark.parametrize(
    "entry",
    [("log-uniform", 0, 1), ("uniform", 1, 1), ("int", 0.5, 3), ("choice", []), ("grid", 1, 2), ("log-uniform", 1)],
)
def test_a_malformed_entry_is_named(entry):
    assert "'x'" in entry_problem("x", entry)


def test_a_malformed_space_keeps_the_rule_from_registering():
    broken = dataclasses.replace(RULE, search_space={**RULE.search_space, "lr": ("log-uniform", 0.0, 1.0)})
    assert "needs low > 0" in algorithm_problem(broken)
    unknown = dataclasses.replace(RULE, search_space={**RULE.search_space, "momentum": ("uniform", 0.0, 1.0)})
    assert "not a setting of r" in algorithm_problem(unknown)
    assert algorithm_problem(RULE) is None


def test_suggestions_are_configs_of_the_rule():
    trial = optuna.create_study().ask()
    config = suggest(trial, RULE.search_space)
    assert (
        1e-3 <= config["lr"] <= 1.0 and isinstance(config["steps"], int) and config["lrs"] in ([0.1, 0.05], [0.2, 0.1])
    )


def test_the_kit_flags_a_default_neither_searched_nor_fixed():
    check_search_space(RULE, CONFORMANCE_TASK)
    unfixed = dataclasses.replace(RULE, fixed={})
    with pytest.raises(AssertionError, match="'width' is neither in the search space nor declared fixed"):
        check_search_space(unfixed, CONFORMANCE_TASK)
    both = dataclasses.replace(RULE, fixed={"width": "w", "lr": "no"})
    assert coverage_problems(both) == ["'lr' is both searched and declared fixed"]


def test_every_first_party_rule_declares_a_space_in_the_one_form():
    for algorithm in registry().algorithms.values():
        # a rule with nothing to tune declares every setting fixed (random-features-min-norm: its fit has none)
        nothing_to_tune = set(algorithm.defaults) <= set(algorithm.fixed)
        assert algorithm.search_space or nothing_to_tune, f"{algorithm.name} declares no search space"
