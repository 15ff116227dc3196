"""Suites: named matrices of runs.

* ``quick`` (the default): every installed algorithm on every task it
  supports, seeds 0, 1, 2, each task's reduced ``quick_budget``, except the tasks that at that budget only
  serve a scaling ladder (``Task.ladder_only``: nothing learns them there; they measure cost per step), and the
  pairs a rule declares too slow for the suite's 10 minutes (``Algorithm.slow_tasks``).
* ``extended``: exactly those slow pairs, with the quick budgets and seeds 0, 1, 2: quick and extended together
  are every rule on every task it supports, which is what the README's leaderboard shows.  A pair is slow when
  one seed trains for more than 10 s on a quiet 2-core machine: the quick suite's 10 minutes on 2 cores hold
  1,200 worker-seconds for some 270 runs, set-up, evaluations, probes and the robustness metric included (which
  add about 70% to training time).
* ``ladder``: every rung of every scaling ladder (``Task.ladder``: adding-10, -100 and -1000 by sequence length;
  mnist1d-depth-1, mnist1d, mnist1d-depth-4 and -8 by the MLP's hidden layers; mnist1d-cnn and
  mnist1d-cnn-depth-6 by the CNN's convolutional layers, standard-only rungs run here too), quick budgets, seeds 0, 1, 2:
  the report's ladder view of how each rule's score, its paired gap to bp-sgd, and its memory and time per step
  change with the ladder's parameter.  Its base rungs are quick-suite tasks too and are run again here, so that the suite is whole.
* ``standard``: every task but the toys, the tasks' full budgets and seeds 0..4; what leaderboards publish.  It alone runs the
  ``Task.standard_only`` tasks (mnist1d-cnn and mnist5k-cnn, the convolutional twins of mnist1d and mnist5k, and
  mnist1d-cnn-depth-6; the ladder suite runs the CNN ladder's rungs at quick budgets): a
  CNN's step costs several of its MLP twin's, and what the twin pair is for, the gap between rules on an MLP and
  on a CNN of the same data, needs the full budget (bp-sgd reaches the MNIST-1D paper's CNN accuracy only there).
* ``scale``: the tasks read from the user's data folder (``Task.check_files``: mnist, mnist-lenet, fashion-mnist,
  cifar10-vgg, cifar10-resnet20, cifar100-vgg and cifar100-resnet20, from
  ``--data-dir`` or ``CREDITBENCH_DATA``; ``harness.tasks.data_folder``), full budgets, seeds 0..4.  A task whose
  files are absent is left out with a one-line warning (``MissingDatasetWarning``); one whose files are partly
  there or not the official ones, one named with ``--task`` whose files are absent, and a suite with no dataset
  present are one-line errors (``DatasetFilesError``) before any run starts.  No other suite runs these tasks,
  so "every task" below means every task whose data creditbench ships or generates.
* ``double-descent``: the rungs of the double-descent ladder (``harness.tasks.double_descent``: digits-sized
  MLPs 64-W-10 on 100 training images with noisy labels, W from 10 to 1,000), seeds 0, 1, 2; no other suite runs
  them (a rung's test error is what it is for, not a rule's score).
* ``toys``: the tasks kept for one rule's claim (``Task.suite == "toys"``: circling-ball, the spiking Boltzmann
  machine's; digits-few-shot, the meta-learners'), every rule that supports them, quick budgets, seeds 0, 1, 2.  No other reporting suite runs them:
  they are not there to rank every rule of their kind, and the quick suite's 10 minutes have no room for them.
* ``selection``: the quick budgets on seeds 1000..1004, every task of the quick, extended, ladder and toys suites, for whoever
  picks a default, a floor or a threshold: a number chosen on the seeds it is then reported on would be tested
  on its own training data.

Seeds are the run's seed (initialisation and data order; the splits never depend on it).  Reporting
suites run seeds below ``SELECTION_SEEDS``; the selection suite runs seeds from it on; ``plan`` refuses a
``first_seed`` that would mix the two.

Budgets are presentations only; no run is stopped by the clock.  Each run has a **time limit**, a safety
limit against a hang or a runaway, set far above what a run of the suite should take, over the run's whole
life in its worker (data loading, ``build``, training, evaluations, metrics).  With quick budgets it is 30
minutes: the slowest quick run, RTRL on assoc-retrieval, trains for about 2 minutes on a quiet 2-core machine
(100,000 presentations at the rate its runs reached under the old 10 s cap), and ES on mnist5k took 9.6 minutes
while other jobs kept the machine's load at 10.  With full budgets it is 6 hours, some 40 times the slowest
full-budget run's estimated training time on a quiet machine (RTRL on adding-10, 200,000 presentations, about
8.5 minutes).  A run that reaches it is killed and recorded as failed with that reason
(``harness.execution.protocol.timed_out``), never scored.
``creditbench run --time-limit`` replaces it; it is not part of a run's identity, since a run that finished
did so within any limit that let it finish.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.errors import DatasetFilesError, HarnessError, MissingDatasetWarning, SettingWarning, unknown_name
from harness.tasks import double_descent
from harness.training.order import DEFAULT_BATCH_SIZE
from harness.training.spec import FULL_BUDGET_TIME_LIMIT, RunSpec
from harness.tuning.space import outside, value_problem

QUICK_TIME_LIMIT = 30 * 60.0  # seconds


def _shipped_task(task) -> bool:
    return task.check_files is None


def _on_disk_task(task) -> bool:
    return task.check_files is not None


def _quick_budget_task(task) -> bool:
    return _shipped_task(task) and not task.standard_only and not double_descent.on_the_ladder(task)


def _ranked_task(task) -> bool:
    return _shipped_task(task) and not task.suite


def _learning_task(task) -> bool:
    return _quick_budget_task(task) and _ranked_task(task) and not task.ladder_only


def _toy_task(task) -> bool:
    return task.suite == "toys"


def _ladder_rung(task) -> bool:
    return task.ladder is not None and not double_descent.on_the_ladder(task)


def _standard_task(task) -> bool:
    return _ranked_task(task) and not double_descent.on_the_ladder(task)


def _every_pair(task, algorithm) -> str | None:
    return None


def _fast_pair(task, algorithm) -> str | None:
    why = algorithm.slow_tasks.get(task.name)
    return (
        f"{algorithm.name} on {task.name} is too slow for the quick suite ({why}): the extended suite runs it"
        if why
        else None
    )


def _slow_pair(task, algorithm) -> str | None:
    return None if task.name in algorithm.slow_tasks else f"{algorithm.name} on {task.name} is a quick-suite pair"


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    seeds: int
    quick: bool  # use the tasks' quick budgets
    first_seed: int = 0
    selection: bool = False  # its seeds pick defaults, floors and thresholds; never reported
    includes: Callable[[Any], bool] = _shipped_task  # which tasks the suite runs
    leaves_out: Callable[[Any, Any], str | None] = _every_pair  # (task, algorithm) -> why the suite does not run it
    complement: str | None = None  # the suite that runs the pairs this one leaves out, with its budgets and seeds
    time_limit: float = FULL_BUDGET_TIME_LIMIT  # seconds a run may take before it is killed and recorded as failed

    def budget(self, task):
        return task.quick_budget if self.quick else task.budget


SELECTION_SEEDS = 1000  # seeds from here on are for selection; reported seeds are below it

SUITES = {
    "quick": Suite(
        "quick",
        "every algorithm on every task except the ladder-only rungs, reduced budgets, seeds 0-2",
        3,
        True,
        includes=_learning_task,
        leaves_out=_fast_pair,
        complement="extended",
        time_limit=QUICK_TIME_LIMIT,
    ),
    "extended": Suite(
        "extended",
        "the pairs too slow for the quick suite (Algorithm.slow_tasks), with its budgets and seeds 0-2",
        3,
        True,
        includes=_learning_task,
        leaves_out=_slow_pair,
        time_limit=QUICK_TIME_LIMIT,
    ),
    "ladder": Suite(
        "ladder",
        "every algorithm on every rung of each scaling ladder, reduced budgets, seeds 0-2: cost per step",
        3,
        True,
        includes=_ladder_rung,
        time_limit=QUICK_TIME_LIMIT,
    ),
    "standard": Suite(
        "standard",
        "every algorithm on every task, full budgets, seeds 0-4 (for publication)",
        5,
        False,
        includes=_standard_task,
    ),
    "double-descent": Suite(
        "double-descent",
        "the double-descent ladder's rungs (test error against hidden width on a small noisy-label set), seeds 0-2",
        3,
        True,
        includes=double_descent.on_the_ladder,
        time_limit=QUICK_TIME_LIMIT,
    ),
    "toys": Suite(
        "toys",
        "the toys kept for one rule's claim (Task.suite: circling-ball, digits-few-shot), reduced budgets, seeds 0-2",
        3,
        True,
        includes=_toy_task,
        time_limit=QUICK_TIME_LIMIT,
    ),
    "scale": Suite(
        "scale",
        "every algorithm on the datasets in the data folder (--data-dir: mnist, fashion-mnist, cifar10, cifar100), "
        "full budgets, seeds 0-4",
        5,
        False,
        includes=_on_disk_task,
    ),
    "selection": Suite(
        "selection",
        "quick budgets on seeds 1000-1004: for choosing defaults, floors and thresholds, never reported",
        5,
        True,
        first_seed=SELECTION_SEEDS,
        selection=True,
        includes=_quick_budget_task,
        time_limit=QUICK_TIME_LIMIT,
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
    time_limit: float | None = None,
) -> list[RunSpec]:
    """The runs of a suite, narrowed to the given tasks and algorithms; unknown names, and tasks the suite does
    not run, are errors.

    ``seeds`` runs (default: the suite's) from ``first_seed`` on (default: the suite's); a reporting suite
    refuses seeds at or above ``SELECTION_SEEDS``, the selection suite seeds below it.  ``time_limit``
    replaces the suite's time limit per run.
    """
    chosen = suite(suite_name)
    seeds_planned = seed_range(chosen, seeds, first_seed)
    task_list = [registry.task(name) for name in tasks] or [t for t in registry.tasks.values() if chosen.includes(t)]
    for task in task_list:
        if not chosen.includes(task):
            elsewhere = [s.name for s in SUITES.values() if s.includes(task) and not s.selection]
            raise HarnessError(
                f"the {chosen.name} suite does not run {task.name} (run it with --suite {' or '.join(elsewhere)})"
            )
    algorithm_list = [registry.algorithm(name) for name in algorithms] or list(registry.algorithms.values())
    for key, value in (overrides or {}).items():
        for algorithm in algorithm_list:
            known = set(algorithm.defaults) | {"batch_size"}
            if key not in known:
                raise HarnessError(
                    f"config key {key!r} is not a setting of {algorithm.name} (settings: {', '.join(sorted(known))})"
                )
            entry = algorithm.search_space.get(key)
            problem = setting_problem(key, value, algorithm.defaults.get(key, DEFAULT_BATCH_SIZE)) or value_problem(
                entry, value, key
            )
            if problem:
                raise HarnessError(f"--set {key}={json.dumps(value)}: {problem} for {algorithm.name}")
            if where := outside(entry, value):
                warnings.warn(f"--set {key}={json.dumps(value)} is {where} for {algorithm.name}", SettingWarning, 2)
    task_list = _with_their_files(chosen, task_list, named=bool(tasks))  # last: it reads the files
    pairs, declined = [], []
    for task in task_list:
        for algorithm in algorithm_list:
            reason = chosen.leaves_out(task, algorithm) or algorithm.declined(
                task, algorithm.config_for(task.name, overrides)
            )
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
            time_limit=chosen.time_limit if time_limit is None else time_limit,
        )
        for task, algorithm in pairs
        for seed in seeds_planned
    ]


def _with_their_files(chosen: Suite, task_list: list, named: bool) -> list:
    """The tasks whose files are there: every task that ships its data, and those read from the data folder whose
    files are present and official; an absent dataset is an error when named or when the suite has none."""
    present, absent = [], []
    for task in task_list:
        try:
            if task.check_files is not None:
                task.check_files()
            present.append(task)
        except DatasetFilesError as error:
            if named or not error.absent:
                raise
            absent.append(error)
    problems = list(dict.fromkeys(map(str, absent)))  # tasks on one dataset (mnist, mnist-lenet) say it once
    if absent and not present:
        raise DatasetFilesError(f"the {chosen.name} suite found none of its datasets: {'; '.join(problems)}")
    for problem in problems:
        warnings.warn(f"the {chosen.name} suite leaves out {problem}", MissingDatasetWarning, stacklevel=3)
    return present


def seed_range(chosen: Suite, seeds: int | None, first_seed: int | None) -> range:
    """The seeds a run of ``chosen`` plans (default: its own), checked against the selection/reported split."""
    if seeds is not None and seeds < 1:
        raise HarnessError(f"--seeds must be at least 1, got {seeds}")
    start = chosen.first_seed if first_seed is None else first_seed
    if start < 0:
        raise HarnessError(f"--first-seed must be at least 0, got {start}")
    planned = range(start, start + (chosen.seeds if seeds is None else seeds))
    if chosen.selection and planned.start < SELECTION_SEEDS:
        raise HarnessError(
            f"the {chosen.name} suite picks defaults, floors and thresholds on seeds from {SELECTION_SEEDS} on; "
            f"seed {planned.start} is a reported seed"
        )
    if not chosen.selection and planned.stop > SELECTION_SEEDS:
        raise HarnessError(
            f"the {chosen.name} suite reports seeds below {SELECTION_SEEDS}; seeds {planned.start}-"
            f"{planned.stop - 1} reach the selection seeds (use --suite selection to choose on them)"
        )
    return planned


def setting_problem(key: str, value, default) -> str | None:
    """Why ``value`` cannot replace a setting whose default is ``default``, or None.

    The type is the default's (an integer is also a float); numbers must be finite, and ``batch_size``,
    which the harness itself reads, a positive integer.  ``plan`` also checks the value against the rule's search
    space: outside what the space's form declares (a log range's positive number; 0 for a learning rate) is an error, outside the range
    where tuning looks only a warning (``SettingWarning``), since a search space is not where a rule is defined.
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
