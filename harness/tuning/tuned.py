"""The ``tuned`` suite: each study's best configuration, run on reported seeds and scored on the test split.

``creditbench run --suite tuned --db DB`` plans, for every study in ``DB.optuna.sqlite`` (``creditbench tune``)
that has a completed trial, its (task, rule) with the best trial's configuration as overrides, at the budget it
was tuned at: the quick budgets on seeds 0-2 as the quick suite, the full budgets on seeds 0-4 as the standard
suite.  Each run carries its provenance (``RunSpec.tuning``: the study, its counted trials, sampler and budget),
which is part of its identity: a study tuned further is a new result, never averaged with the old one.  The
leaderboard labels these entries "tuned (N trials, sampler, budget)" and keeps them apart from the defaults'.
"""

from __future__ import annotations

from pathlib import Path

from harness.errors import HarnessError
from harness.execution import suites
from harness.training.spec import RunSpec
from harness.tuning import pruning
from harness.tuning.space import decode
from harness.tuning.study import counted_trials, storage_path

TUNED_SUITE = "tuned"
BASE_SUITES = {"quick": "quick", "standard": "standard"}  # a study's budget -> the suite whose seeds it reports


def plan_tuned(registry, db, tasks=(), algorithms=(), seeds=None, device="cpu", time_limit=None) -> list[RunSpec]:
    """The tuned suite's runs for the studies beside store ``db``, narrowed to ``tasks`` and ``algorithms``."""
    import optuna
    from optuna.trial import TrialState

    for name in tasks:
        registry.task(name)  # unknown names are errors, as in every suite
    for name in algorithms:
        registry.algorithm(name)
    path = storage_path(db)
    if not path.exists():
        raise HarnessError(f"no studies beside {db} ({path} is missing): run creditbench tune --db {db} first")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rdb = pruning.storage(optuna, f"sqlite:///{Path(path).resolve()}")
    specs = []
    for summary in sorted(optuna.get_all_study_summaries(rdb), key=lambda s: s.study_name):
        task_name, algorithm_name, budget = summary.study_name.split("::")
        if (tasks and task_name not in tasks) or (algorithms and algorithm_name not in algorithms):
            continue
        if task_name not in registry.tasks or algorithm_name not in registry.algorithms:
            continue  # a study of a plugin no longer installed
        study = optuna.load_study(study_name=summary.study_name, storage=rdb)
        complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
        if not complete:
            continue
        best = max(complete, key=lambda t: t.value)
        algorithm = registry.algorithm(algorithm_name)
        config = decode(algorithm.search_space, best.params)
        base = suites.suite(BASE_SUITES[budget])
        task = registry.task(task_name)
        tuning = {
            "study": summary.study_name,
            "trials": counted_trials(study),
            "sampler": study.user_attrs["sampler"],
            "budget": budget,
        }
        specs += [
            RunSpec(
                task=task_name,
                algorithm=algorithm_name,
                seed=seed,
                budget=base.budget(task),
                config=config,
                suite=TUNED_SUITE,
                device=device,
                time_limit=base.time_limit if time_limit is None else time_limit,
                tuning=tuning,
            )
            for seed in suites.seed_range(base, seeds, None)
        ]
    if not specs:
        raise HarnessError(f"no study beside {db} has a completed trial for the tasks and algorithms asked for")
    return specs
