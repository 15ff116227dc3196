"""Suites: named matrices of runs.

* ``quick`` (the default): every installed algorithm on every task it
  supports, seeds 0, 1, 2, each task's reduced ``quick_budget``.
* ``standard``: the tasks' full budgets and seeds 0..4; what leaderboards publish.
* ``selection``: the quick budgets on seeds 1000..1004, for whoever picks a default, a floor or a
  threshold: a number chosen on the seeds it is then reported on would be tested on its own training data.

Seeds are the run's seed (initialisation and data order; the splits never depend on it).  Reporting
suites run seeds below ``SELECTION_SEEDS``; the selection suite runs seeds from it on; ``plan`` refuses a
``first_seed`` that would mix the two.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from harness.errors import HarnessError, unknown_name
from harness.training.order import DEFAULT_BATCH_SIZE
from harness.training.spec import RunSpec


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    seeds: int
    quick: bool  # use the tasks' quick budgets
    first_seed: int = 0
    selection: bool = False  # its seeds pick defaults, floors and thresholds; never reported

    def budget(self, task):
        return task.quick_budget if self.quick else task.budget


SELECTION_SEEDS = 1000  # seeds from here on are for selection; reported seeds are below it

SUITES = {
    "quick": Suite("quick", "every algorithm on every task, reduced budgets, seeds 0-2", 3, True),
    "standard": Suite("standard", "every algorithm on every task, full budgets, seeds 0-4 (for publication)", 5, False),
    "selection": Suite(
        "selection",
        "quick budgets on seeds 1000-1004: for choosing defaults, floors and thresholds, never reported",
        5,
        True,
        first_seed=SELECTION_SEEDS,
        selection=True,
    ),
}
DEFAULT_SUITE = "quick"


def suite(name: str) -> Suite:
    if name not in SUITES:
        raise HarnessError(unknown_name("suite", name, SUITES))
    return SUITES[name]


def plan(
    registry,
    suite_name: str = DEFAULT_SUITE,
    tasks=(),
    algorithms=(),
    seeds: int | None = None,
    overrides: dict | None = None,
    device: str = "cpu",
    first_seed: int | None = None,
) -> list[RunSpec]:
    """The runs of a suite, narrowed to the given tasks and algorithms; unknown names are errors.

    ``seeds`` runs (default: the suite's) from ``first_seed`` on (default: the suite's); a reporting suite
    refuses seeds at or above ``SELECTION_SEEDS``, the selection suite seeds below it.
    """
    chosen = suite(suite_name)
    seed_range = _seed_range(chosen, seeds, first_seed)
    task_list = [registry.task(name) for name in tasks] or list(registry.tasks.values())
    algorithm_list = [registry.algorithm(name) for name in algorithms] or list(registry.algorithms.values())
    for key, value in (overrides or {}).items():
        for algorithm in algorithm_list:
            known = set(algorithm.defaults) | {"batch_size"}
            if key not in known:
                raise HarnessError(
                    f"config key {key!r} is not a setting of {algorithm.name} (settings: {', '.join(sorted(known))})"
                )
            problem = setting_problem(key, value, algorithm.defaults.get(key, DEFAULT_BATCH_SIZE))
            if problem:
                raise HarnessError(f"--set {key}={json.dumps(value)}: {problem} for {algorithm.name}")
    pairs, declined = [], []
    for task in task_list:
        for algorithm in algorithm_list:
            reason = algorithm.declined(task, algorithm.config_for(task.name, overrides))
            (declined if reason else pairs).append(reason or (task, algorithm))
    if not pairs and tasks and algorithms:
        raise HarnessError(f"nothing to run: {'; '.join(declined)}")
    return [
        RunSpec(
            task=task.name,
            algorithm=algorithm.name,
            seed=seed,
            budget=chosen.budget(task),
            config=dict(overrides or {}),
            suite=chosen.name,
            device=device,
        )
        for task, algorithm in pairs
        for seed in seed_range
    ]


def _seed_range(chosen: Suite, seeds: int | None, first_seed: int | None) -> range:
    if seeds is not None and seeds < 1:
        raise HarnessError(f"--seeds must be at least 1, got {seeds}")
    start = chosen.first_seed if first_seed is None else first_seed
    if start < 0:
        raise HarnessError(f"--first-seed must be at least 0, got {start}")
    seed_range = range(start, start + (chosen.seeds if seeds is None else seeds))
    if chosen.selection and seed_range.start < SELECTION_SEEDS:
        raise HarnessError(
            f"the {chosen.name} suite picks defaults, floors and thresholds on seeds from {SELECTION_SEEDS} on; "
            f"seed {seed_range.start} is a reported seed"
        )
    if not chosen.selection and seed_range.stop > SELECTION_SEEDS:
        raise HarnessError(
            f"the {chosen.name} suite reports seeds below {SELECTION_SEEDS}; seeds {seed_range.start}-"
            f"{seed_range.stop - 1} reach the selection seeds (use --suite selection to choose on them)"
        )
    return seed_range


def setting_problem(key: str, value, default) -> str | None:
    """Why ``value`` cannot replace a setting whose default is ``default``, or None.

    The type is the default's (an integer is also a float); numbers must be finite, and ``batch_size``,
    which the harness itself reads, a positive integer.  Ranges are not checked: a search space says where
    tuning looks, not where a rule is defined.
    """

    def kind(x) -> str:
        if isinstance(x, bool):
            return "a boolean"
        if isinstance(x, (int, float)):
            return "an integer" if isinstance(x, int) else "a number"
        if isinstance(x, str):
            return "a string"
        return type(x).__name__

    expected, given = kind(default), kind(value)
    if default is not None and given != expected and not (expected == "a number" and given == "an integer"):
        return f"expected {expected} (the default is {json.dumps(default)}), got {given}"
    if given in ("an integer", "a number") and not math.isfinite(value):
        return "expected a finite number"
    if key == "batch_size" and (given != "an integer" or value < 1):
        return "batch_size must be a positive integer"
    return None
