"""Pruning while a run trains: the loop stops where it is told, and a trial below the median is told to stop."""

import dataclasses

import optuna
import pytest

from harness import Budget
from harness.execution.suites import plan
from harness.registry import registry
from harness.training.evaluation import evaluation_points
from harness.training.loop import train
from harness.tuning import pruning


@pytest.fixture
def spec(tunable_plugin):
    (found,) = plan(registry(), "selection", ["conformance-sealed"], ["tunable"], seeds=1)
    return dataclasses.replace(found, lean=True, budget=Budget(2000))  # evaluations at 0, 100, 122, ...


def test_the_loop_stops_at_the_evaluation_that_says_so(spec):
    seen = []

    def stop_at_third(index, point):
        seen.append((index, point["presentations"]))
        return index == 2

    run = train(spec, registry(), on_evaluation=stop_at_third)
    points = evaluation_points(spec.budget.presentations)
    assert [index for index, _ in seen] == [0, 1, 2] and len(run.curve) == 3
    assert run.stopped_at == run.presentations == run.curve[-1]["presentations"] >= points[2]
    assert run.presentations < spec.budget.presentations


def test_a_run_not_stopped_trains_to_its_budget(spec):
    run = train(spec, registry(), on_evaluation=lambda index, point: False)
    assert run.stopped_at is None and run.presentations == spec.budget.presentations


def test_only_a_lean_run_reports_to_a_trial(spec):
    with pytest.raises(ValueError, match="only a lean run"):
        dataclasses.replace(spec, lean=False, trial=pruning.trial_address("sqlite:///x", "s", 0))


def test_the_reporter_prunes_a_curve_below_the_median_of_completed_trials(tmp_path):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = f"sqlite:///{tmp_path / 'studies.sqlite'}"
    study = optuna.create_study(storage=url, study_name="s", direction="maximize", pruner=pruning.pruner(optuna))
    for _ in range(pruning.STARTUP_TRIALS):
        done = study.ask()
        for step, score in enumerate([0.1, 0.8, 0.9]):
            done.report(score, step)
        study.tell(done, 0.9)
    good, bad = study.ask(), study.ask()
    report_good = pruning.reporter(pruning.trial_address(url, "s", good.number))
    report_bad = pruning.reporter(pruning.trial_address(url, "s", bad.number))
    assert not report_good(0, {"val_score": 0.1}) and not report_good(1, {"val_score": 0.85})
    assert not report_bad(0, {"val_score": 0.1})  # warm-up: the evaluation before training never prunes
    assert report_bad(1, {"val_score": 0.3})
    assert study.trials[bad.number].intermediate_values == {0: 0.1, 1: 0.3}
