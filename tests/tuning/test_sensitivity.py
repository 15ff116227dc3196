"""The report's sensitivity plots: every scored trial of a study against each searched setting."""

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState, create_trial

from harness.report import site
from harness.tuning.sensitivity import sensitivities
from harness.tuning.study import storage_path

DISTRIBUTIONS = {"lr": FloatDistribution(1e-3, 1.0, log=True), "loss": CategoricalDistribution(["mse", "ce"])}


def _study(db, trials):
    study = optuna.create_study(
        study_name="digits::bp-sgd::quick", storage=f"sqlite:///{storage_path(db)}", direction="maximize"
    )
    for trial in trials:
        study.add_trial(trial)


def test_completed_and_pruned_trials_are_points_and_failed_ones_are_not(tmp_path):
    db = tmp_path / "store.sqlite"
    _study(
        db,
        [
            create_trial(params={"lr": 0.1, "loss": "ce"}, distributions=DISTRIBUTIONS, value=0.9),
            create_trial(params={"lr": 0.5, "loss": "mse"}, distributions=DISTRIBUTIONS, value=0.95),
            create_trial(
                params={"lr": 0.002, "loss": "ce"},
                distributions=DISTRIBUTIONS,
                state=TrialState.PRUNED,
                intermediate_values={0: 0.1, 1: 0.3},
            ),
            create_trial(params={"lr": 0.9, "loss": "ce"}, distributions=DISTRIBUTIONS, state=TrialState.FAIL),
        ],
    )
    (study,) = sensitivities(db)
    assert (study.task, study.algorithm, study.budget, study.trials) == ("digits", "bp-sgd", "quick", 3)
    assert [(p.value, p.score, p.pruned) for p in study.settings["lr"]] == [
        (0.1, 0.9, False),
        (0.5, 0.95, False),
        (0.002, 0.3, True),  # its last reported score
    ]
    assert [p.value for p in study.settings["loss"]] == ["ce", "mse", "ce"]
    assert study.log_scale == {"lr"} and study.best == 1


def test_the_best_is_a_completed_trial_even_when_a_pruned_one_reported_higher(tmp_path):
    db = tmp_path / "store.sqlite"
    pruned = create_trial(
        params={"lr": 0.2, "loss": "ce"}, distributions=DISTRIBUTIONS, state=TrialState.PRUNED,
        intermediate_values={0: 0.99},
    )  # fmt: skip
    _study(db, [pruned, create_trial(params={"lr": 0.1, "loss": "ce"}, distributions=DISTRIBUTIONS, value=0.5)])
    (study,) = sensitivities(db)
    assert study.best == 1


def test_the_tuning_page_draws_each_study_and_says_why_one_is_not_drawn(tmp_path):
    db = tmp_path / "store.sqlite"
    assert sensitivities(db) == []  # no studies file: nothing, and nothing created
    assert not storage_path(db).exists()
    _study(db, [create_trial(params={"lr": 0.1, "loss": "ce"}, distributions=DISTRIBUTIONS, value=0.9)])
    optuna.create_study(study_name="mnist1d::fa::quick", storage=f"sqlite:///{storage_path(db)}")
    page = site.tuning_page(sensitivities(db))
    assert page.count("<figure>") == 1 and "not drawn — no trial has a score yet" in page
    assert page.index("<h2>digits</h2>") < page.index("<h2>mnist1d</h2>")
