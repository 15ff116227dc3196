"""Sensitivity: each study's trials as (setting, value, validation score) points, for the report's DeepOBS-style plots.

A completed trial contributes its objective (the mean final validation score of its runs); a pruned one its
last reported validation score, flagged ``pruned``, so that a plot shows where the median rule cut a trial
short rather than hiding the configurations that lost.  Failed trials have no score and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.tuning.study import storage_path


@dataclass(frozen=True)
class Point:
    value: object  # the setting's value in this trial (a number, or a choice's label)
    score: float
    pruned: bool


@dataclass(frozen=True)
class Sensitivity:
    study: str
    task: str
    algorithm: str
    budget: str
    settings: dict[str, list[Point]]  # setting -> one point per scored trial
    log_scale: frozenset[str]  # the settings searched uniformly in their logarithm
    best: int | None  # index, in every setting's list, of the best completed trial

    @property
    def trials(self) -> int:
        return len(next(iter(self.settings.values()), []))


def sensitivities(db: str | Path) -> list[Sensitivity]:
    """One per study beside the store ``db`` (``creditbench tune``'s file), in name order; empty without one."""
    path = storage_path(db)
    if not path.exists():
        return []
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = f"sqlite:///{path.resolve()}"
    names = sorted(summary.study_name for summary in optuna.get_all_study_summaries(storage=url))
    return [_sensitivity(optuna.load_study(study_name=name, storage=url)) for name in names]


def _sensitivity(study) -> Sensitivity:
    from optuna.distributions import FloatDistribution, IntDistribution
    from optuna.trial import TrialState

    scored = []
    for trial in study.trials:
        if trial.state == TrialState.COMPLETE:
            scored.append((trial, trial.value, False))
        elif trial.state == TrialState.PRUNED and trial.intermediate_values:
            scored.append((trial, trial.intermediate_values[max(trial.intermediate_values)], True))
    settings: dict[str, list[Point]] = {}
    log_scale = set()
    for trial, score, pruned in scored:
        for name, value in trial.params.items():
            settings.setdefault(name, []).append(Point(value, score, pruned))
            distribution = trial.distributions[name]
            if isinstance(distribution, (FloatDistribution, IntDistribution)) and distribution.log:
                log_scale.add(name)
    completed = [i for i, (_, _, pruned) in enumerate(scored) if not pruned]
    task, algorithm, budget = study.study_name.split("::")
    return Sensitivity(
        study=study.study_name,
        task=task,
        algorithm=algorithm,
        budget=budget,
        settings=settings,
        log_scale=frozenset(log_scale),
        best=max(completed, key=lambda i: scored[i][1]) if completed else None,
    )
