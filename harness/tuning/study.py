"""Studies: one Optuna study per (task, rule, budget), whose trials are lean runs on selection seeds.

What a trial is, and why:

* **Seeds.**  Every trial of every study runs the same selection seeds, ``SELECTION_SEEDS`` on (``--seeds``,
  default 1), and its objective is the mean final validation score over them.  Trials then differ in their
  configuration only (same initialisations, same data orders), so two trials are a paired comparison, and no
  reported seed (below ``SELECTION_SEEDS``) is ever trained on while tuning.
* **Runs.**  A trial's runs are lean runs (``RunSpec.lean``: validation evaluations only, the test split never
  loaded) of suite ``tune``, with the trial's configuration as overrides, executed by the same executors and
  saved in the same store as ``creditbench run``'s; lean rows are never on the leaderboard.
* **Pruning.**  Optuna's ``MedianPruner`` (``harness.tuning.pruning``: after its first trials, from the second
  evaluation on) reads the trial's validation curve, step = the evaluation's index.  A trial of one run reports
  from the worker as it trains and is stopped there; a trial of several seeds is pruned on the mean of its runs'
  curves, replayed once they end (its runs cost their whole budget).  The same rule for every rule.  A pruned
  trial counts as one of the ``--trials``, as does a failed one (a run failed: diverged, raised, timed out).
* **Storage.**  Studies live in Optuna's RDB storage in an SQLite file beside the store (``storage_path``:
  ``<db>.optuna.sqlite``), so that the store's own schema stays creditbench's alone.  A trial is told as soon as
  its runs end.  A trial left running by a killed process is marked failed (not counted: it has no
  ``FAILED_RUN`` attribute) and its parameters are queued again, so the next trial takes them and finds their
  finished runs in the store: nothing finished is lost, nothing is run twice.  One ``creditbench tune`` at a time
  per store: a second one would take the first one's running trials for abandoned ones.
* **Sampler.**  The same for every study (``--sampler``, default quasi-random Sobol points, as AlgoPerf).  Its
  seed comes from the study's name, and for TPE and random search also from the number of trials already told,
  so that a resumed study does not draw its first points again.
* **Parallel.**  Runs go to the executor as one lazy stream (``harness.execution.protocol``): the next trial is
  asked when the executor has a slot free for its first run, so ``--jobs 2`` keeps two trials running however
  long each takes.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import statistics
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError, unknown_name
from harness.execution import matrix, suites
from harness.execution.numerics import PINNED
from harness.training.spec import RunSpec, run_key
from harness.tuning import pruning
from harness.tuning.space import decode, suggest

SAMPLERS = ("qmc", "tpe", "random")
BUDGETS = ("quick", "standard")
TUNING_SUITE = "tune"  # the suite of tuning runs in the store
FAILED_RUN = "failed_run"  # user attribute of a trial that failed because a run failed: the run's reason


def storage_path(db: str | Path) -> Path:
    """The studies' file beside the store ``db``."""
    return Path(f"{db}.optuna.sqlite")


def study_name(task: str, algorithm: str, budget: str) -> str:
    return f"{task}::{algorithm}::{budget}"


@dataclass(frozen=True)
class StudyResult:
    study: str
    task: str
    algorithm: str
    budget: str
    complete: int
    pruned: int
    failed: int
    best_score: float | None
    best_config: dict | None

    @property
    def trials(self) -> int:
        return self.complete + self.pruned + self.failed


def tune(
    registry,
    store,
    executor,
    storage: str | Path,
    tasks=(),
    algorithms=(),
    trials: int = 20,
    sampler: str = "qmc",
    budget: str = "quick",
    seeds: int = 1,
    device: str = "cpu",
    numerics: str = PINNED,
    time_limit: float | None = None,
    on_trial: Callable[[str, object], None] | None = None,
) -> list[StudyResult]:
    """Run every (task, rule) study up to ``trials`` counted trials; the studies' results, best configuration first.

    ``on_trial(study name, frozen trial)`` is called as each trial is told.
    """
    import optuna

    if sampler not in SAMPLERS:
        raise HarnessError(unknown_name("sampler", sampler, SAMPLERS))
    if budget not in BUDGETS:
        raise HarnessError(unknown_name("budget", budget, BUDGETS))
    if trials < 1:
        raise HarnessError(f"--trials must be at least 1, got {trials}")
    selected = pairs(registry, tasks, algorithms, seeds)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = f"sqlite:///{Path(storage).resolve()}"
    rdb = pruning.storage(optuna, url)
    results = []
    for task, algorithm in selected:
        name = study_name(task.name, algorithm.name, budget)
        study = _open_study(optuna, rdb, name, sampler, seeds)
        _requeue_abandoned(study)

        trial_runs = functools.partial(
            _trial_specs, registry, task, algorithm, url, name, seeds, budget, device, numerics, time_limit
        )
        new_sampler = functools.partial(_sampler, optuna, sampler, name)
        _run_study(study, trials, trial_runs, new_sampler, store, executor, registry, on_trial)
        results.append(_result(study, task.name, algorithm, budget))
    return results


def _run_study(study, trials: int, trial_runs, new_sampler, store, executor, registry, on_trial) -> None:
    """Run trials until ``trials`` are counted, each asked as the executor has a slot free (not in lockstep
    batches, where one slow trial idles every other slot) and told as soon as its runs end."""
    open_trials: dict[int, tuple[object, list[RunSpec], set[str]]] = {}  # number -> trial, runs, keys not ended
    waiting: dict[str, list[int]] = {}  # a running run's key -> the open trials it is one of

    def close(number: int) -> None:
        trial, specs, _ = open_trials.pop(number)
        rows = {row["run_key"]: row for row in store.runs(keys={run_key(registry, spec) for spec in specs})}
        tell(study, trial, [rows[run_key(registry, spec)] for spec in specs])
        if on_trial:
            on_trial(study.study_name, study.trials[trial.number])

    def runs():
        while trials - counted_trials(study) - len(open_trials) > 0:
            study.sampler = new_sampler(len(study.trials))
            trial = study.ask()
            specs = trial_runs(trial)
            done = matrix.is_done(store, registry)
            todo = {run_key(registry, spec): spec for spec in specs if not done(spec)}  # a requeued trial's are done
            open_trials[trial.number] = (trial, specs, set(todo))
            if not todo:
                close(trial.number)
            for key, spec in todo.items():
                if key in waiting:  # the same configuration as another open trial's (a search space of choices)
                    waiting[key].append(trial.number)
                else:
                    waiting[key] = [trial.number]
                    yield spec

    def ended(spec: RunSpec, result: dict) -> None:
        key = run_key(registry, spec)
        for number in waiting.pop(key):
            remaining = open_trials[number][2]
            remaining.discard(key)
            if not remaining:
                close(number)

    matrix.run_matrix(runs(), store, executor, registry, on_result=ended)


def pairs(registry, tasks, algorithms, seeds: int) -> list[tuple]:
    """The (task, algorithm) pairs to tune: the selection suite's, narrowed.  A rule with no search space is left
    out (every setting it has is declared fixed: the conformance kit checks that), or an error when named."""
    specs = suites.plan(registry, "selection", tasks, algorithms, seeds=seeds)
    names = dict.fromkeys((spec.task, spec.algorithm) for spec in specs)
    pairs = [(registry.task(task), registry.algorithm(algorithm)) for task, algorithm in names]
    for _, algorithm in pairs:
        if not algorithm.search_space and algorithm.name in algorithms:
            raise HarnessError(f"{algorithm.name} declares no search space (Algorithm.search_space): nothing to tune")
    return [(task, algorithm) for task, algorithm in pairs if algorithm.search_space]


def _trial_specs(registry, task, algorithm, url, name, seeds, budget, device, numerics, time_limit, trial):
    """The runs of an asked trial (its configuration suggested by its study's search space)."""
    config = suggest(trial, algorithm.search_space)
    address = pruning.trial_address(url, name, trial.number) if seeds == 1 else None
    return _specs(registry, task, algorithm, config, seeds, budget, device, numerics, time_limit, address)


def _specs(registry, task, algorithm, config, seeds, budget, device, numerics, time_limit, trial) -> list[RunSpec]:
    """A trial's lean runs: the selection seeds, with the trial's configuration as overrides (``trial``: the
    address a single run reports to as it trains, or None)."""
    specs = suites.plan(
        registry, "selection", [task.name], [algorithm.name], seeds, config, device, time_limit=time_limit
    )
    full = budget == "standard"
    return [
        dataclasses.replace(
            spec,
            suite=TUNING_SUITE,
            lean=True,
            trial=trial,
            numerics=numerics,
            budget=task.budget if full else spec.budget,
            time_limit=suites.FULL_BUDGET_TIME_LIMIT if full and time_limit is None else spec.time_limit,
        )
        for spec in specs
    ]


def _open_study(optuna, rdb, name: str, sampler: str, seeds: int):
    study = optuna.create_study(
        storage=rdb,
        study_name=name,
        direction="maximize",
        load_if_exists=True,
        pruner=pruning.pruner(optuna),
    )
    settings = {"sampler": sampler, "seeds": seeds}
    found = {key: study.user_attrs.get(key) for key in settings}
    if not study.trials and found != settings:
        for key, value in settings.items():
            study.set_user_attr(key, value)
    elif found != settings:
        raise HarnessError(
            f"study {name} was run with --sampler {found['sampler']} --seeds {found['seeds']}; every trial of a "
            f"study uses the same ones (use another --db to tune with --sampler {sampler} --seeds {seeds})"
        )
    return study


def _sampler(optuna, kind: str, name: str, told: int):
    base = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=base + told)
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=base + told)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        # the Sobol sequence's scrambling must stay the study's; choices are drawn at random beside it
        return optuna.samplers.QMCSampler(
            qmc_type="sobol", scramble=True, seed=base, independent_sampler=optuna.samplers.RandomSampler(base + told)
        )


def counted_trials(study) -> int:
    from optuna.trial import TrialState

    return sum(
        t.state in (TrialState.COMPLETE, TrialState.PRUNED)
        or (t.state == TrialState.FAIL and FAILED_RUN in t.user_attrs)
        for t in study.trials
    )


def _requeue_abandoned(study) -> None:
    """Trials a killed process left running: marked failed (uncounted), their parameters queued for the next trials."""
    from optuna.trial import TrialState

    waiting = [t.params for t in study.trials if t.state == TrialState.WAITING]
    for trial in study.trials:
        if trial.state != TrialState.RUNNING:
            continue
        if trial.params and trial.params not in waiting:  # queued already if the process died between these two
            study.enqueue_trial(trial.params)
            waiting.append(trial.params)
        study.tell(trial.number, state=TrialState.FAIL)


def tell(study, trial, rows: list[dict]) -> None:
    """Tell the study what a trial's runs (store rows, one per seed) scored.

    A run that reported to this trial as it trained was pruned there or not; otherwise (several seeds, or runs
    found in the store, finished for an earlier trial of the same configuration) their mean curve is replayed to
    the pruner.  A run pruned for an earlier trial prunes this one.
    """
    from optuna.trial import TrialState

    trial.set_user_attr("run_keys", [row["run_key"] for row in rows])
    failed = [row for row in rows if row["status"] != "finished"]
    if failed:
        trial.set_user_attr(FAILED_RUN, failed[0]["reason"] or "unknown")
        study.tell(trial, state=TrialState.FAIL)
        return
    if any("pruned_at" in row["metrics"] for row in rows):
        study.tell(trial, state=TrialState.PRUNED)
        return
    score = statistics.fmean(row["metrics"]["val_score"] for row in rows)
    if not math.isfinite(score):  # Optuna would fail it uncounted, and the study would ask for one more
        trial.set_user_attr(FAILED_RUN, f"validation score {score}")
        study.tell(trial, state=TrialState.FAIL)
        return
    if study.trials[trial.number].intermediate_values:  # reported while it trained, and not pruned
        study.tell(trial, score)
        return
    curves = [[point["val_score"] for point in row["curve"]] for row in rows]
    for step, scores in enumerate(zip(*curves)):
        trial.report(statistics.fmean(scores), step)
        if trial.should_prune():
            study.tell(trial, state=TrialState.PRUNED)
            return
    study.tell(trial, score)


def _result(study, task: str, algorithm, budget: str) -> StudyResult:
    from optuna.trial import TrialState

    states = [t.state for t in study.trials]
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    best = max(complete, key=lambda t: t.value) if complete else None
    return StudyResult(
        study=study.study_name,
        task=task,
        algorithm=algorithm.name,
        budget=budget,
        complete=len(complete),
        pruned=states.count(TrialState.PRUNED),
        failed=counted_trials(study) - len(complete) - states.count(TrialState.PRUNED),
        best_score=best.value if best else None,
        best_config=decode(algorithm.search_space, best.params) if best else None,
    )
