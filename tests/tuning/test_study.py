"""How trials are told: curves replayed to the pruner, failed runs, trials a killed process left running."""

import optuna
import pytest
from optuna.trial import TrialState

from harness.errors import HarnessError
from harness.tuning import pruning, study


def _row(curve, key="k", status="finished"):
    return {
        "run_key": key,
        "status": status,
        "reason": None if status == "finished" else "plugin raised ValueError",
        "curve": [{"presentations": 10 * i, "val_score": score} for i, score in enumerate(curve)],
        "metrics": {"val_score": curve[-1]} if curve else {},
    }


@pytest.fixture
def memory_study():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return study._open_study(optuna, optuna.storages.InMemoryStorage(), "t::a::quick", "random", 2)


def test_the_objective_is_the_mean_final_validation_score_over_the_seeds(memory_study):
    trial = memory_study.ask()
    study.tell(memory_study, trial, [_row([0.1, 0.5, 0.6], "a"), _row([0.1, 0.4, 0.8], "b")])
    (told,) = memory_study.trials
    assert told.state == TrialState.COMPLETE and told.value == pytest.approx(0.7)
    assert told.intermediate_values == {0: pytest.approx(0.1), 1: pytest.approx(0.45), 2: pytest.approx(0.7)}
    assert told.user_attrs["run_keys"] == ["a", "b"]


def test_a_curve_below_the_median_is_pruned_and_counts_as_a_trial(memory_study):
    for _ in range(pruning.STARTUP_TRIALS):
        study.tell(memory_study, memory_study.ask(), [_row([0.3, 0.8, 0.9])])
    study.tell(memory_study, memory_study.ask(), [_row([0.3, 0.2, 0.95])])  # below the median at evaluation 1
    study.tell(memory_study, memory_study.ask(), [_row([0.3, 0.85, 0.95])])  # never below it: complete
    states = [t.state for t in memory_study.trials]
    assert states[-2:] == [TrialState.PRUNED, TrialState.COMPLETE]
    assert study.counted_trials(memory_study) == pruning.STARTUP_TRIALS + 2


def test_a_failed_run_fails_the_trial_and_counts(memory_study):
    study.tell(memory_study, memory_study.ask(), [_row([0.5]), _row([], status="failed")])
    (told,) = memory_study.trials
    assert told.state == TrialState.FAIL and told.user_attrs[study.FAILED_RUN] == "plugin raised ValueError"
    assert study.counted_trials(memory_study) == 1


def test_a_non_finite_score_fails_the_trial_and_counts(memory_study):
    study.tell(memory_study, memory_study.ask(), [_row([0.5, float("nan")])])
    (told,) = memory_study.trials
    assert told.state == TrialState.FAIL and told.user_attrs[study.FAILED_RUN] == "validation score nan"
    assert study.counted_trials(memory_study) == 1


def test_a_trial_left_running_is_not_counted_and_its_parameters_run_next(memory_study):
    abandoned = memory_study.ask()
    abandoned.suggest_float("lr", 1e-3, 1.0, log=True)
    study._requeue_abandoned(memory_study)
    study._requeue_abandoned(memory_study)  # a second resume queues them once
    states = [t.state for t in memory_study.trials]
    assert states == [TrialState.FAIL, TrialState.WAITING] and study.counted_trials(memory_study) == 0
    again = memory_study.ask()
    assert again.suggest_float("lr", 1e-3, 1.0, log=True) == abandoned.params["lr"]


def test_a_study_refuses_another_sampler():
    storage = optuna.storages.InMemoryStorage()
    study.tell(s := study._open_study(optuna, storage, "t::a::quick", "qmc", 1), s.ask(), [_row([0.5])])
    with pytest.raises(HarnessError, match="was run with --sampler qmc --seeds 1"):
        study._open_study(optuna, storage, "t::a::quick", "tpe", 1)


def test_a_trial_its_run_reported_to_is_told_its_final_score_without_a_replay(memory_study):
    trial = memory_study.ask()
    trial.report(0.2, 0)  # as the worker does, through the storage (harness.tuning.pruning)
    study.tell(memory_study, trial, [_row([0.2, 0.9, 0.7])])
    (told,) = memory_study.trials
    assert told.state == TrialState.COMPLETE and told.value == pytest.approx(0.7)
    assert told.intermediate_values == {0: pytest.approx(0.2)}


def test_a_run_pruned_while_it_trained_prunes_its_trial_and_counts(memory_study):
    row = _row([0.3, 0.1])
    row["metrics"]["pruned_at"] = 10
    study.tell(memory_study, memory_study.ask(), [row])
    (told,) = memory_study.trials
    assert told.state == TrialState.PRUNED and study.counted_trials(memory_study) == 1
