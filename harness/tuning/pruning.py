"""Pruning while a run trains: a tuning run reports each validation evaluation to its trial, which may stop it.

A trial of one run (``creditbench tune --seeds 1``, the default) is pruned as it trains: the worker opens the
study's storage, reports the validation score of each evaluation (step = the evaluation's index) and stops the
run as soon as the study's pruner says so.  The run is stored as finished, with ``metrics["pruned_at"]`` (the
presentations when it stopped), and its trial is told pruned; the compute after that point is saved.  With more
seeds a trial's score at an evaluation is the mean over its runs, which no single run knows: those trials are
pruned by replaying their curves once the runs end (``harness.tuning.study.tell``), by the same pruner.

The workers must reach the study's SQLite file: the local executor, or Dask and submitit on a shared filesystem.
"""

from __future__ import annotations

from collections.abc import Callable

# What a worker reporting to a trial imports, for the fork server to import once (a fresh import of these and
# Alembic, which opening a storage imports even when it checks nothing, costs a run about 1.5 s); a name a later
# Optuna does not have is skipped by the fork server.
WORKER_IMPORTS = (
    "optuna",
    "sqlalchemy.orm",
    "sqlalchemy.dialects.sqlite",
    "alembic.migration",
    "optuna.storages._rdb.models",
)
STARTUP_TRIALS = 5  # trials that complete before the pruner prunes any
WARMUP_STEPS = 1  # evaluations (after the one before training) before a trial may be pruned


def pruner(optuna):
    """The one pruner of every study: the median rule (Optuna's ``MedianPruner``)."""
    return optuna.pruners.MedianPruner(n_startup_trials=STARTUP_TRIALS, n_warmup_steps=WARMUP_STEPS)


def storage(optuna, url: str, created: bool = False):
    """The studies' RDB storage at ``url``; ``created``: its tables exist and were checked by the process that
    made them (a worker reporting to a trial), so that neither is done again (1.5 s per run, most of it Alembic)."""
    return optuna.storages.RDBStorage(
        url,
        engine_kwargs={"connect_args": {"timeout": 60}},
        skip_compatibility_check=created,
        skip_table_creation=created,
    )


def trial_address(url: str, study: str, number: int) -> dict:
    """What a run needs to find its trial: the storage's URL, the study's name and the trial's number."""
    return {"storage": url, "study": study, "number": number}


def reporter(address: dict) -> Callable[[int, dict], bool]:
    """``on_evaluation`` for ``harness.training.loop.train``: report the validation score, return whether to prune."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rdb = storage(optuna, address["storage"], created=True)
    study = optuna.load_study(study_name=address["study"], storage=rdb, pruner=pruner(optuna))
    study_id = rdb.get_study_id_from_name(address["study"])
    trial_id = rdb.get_trial_id_from_study_id_trial_number(study_id, address["number"])
    trial = optuna.trial.Trial(study, trial_id)

    def report(index: int, point: dict) -> bool:
        trial.report(point["val_score"], index)
        return trial.should_prune()

    return report
