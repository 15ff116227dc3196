"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "slide": {
        # the study's best (digits::slide::quick, 20 trials; validation, seeds 1001–1004): best 0.9729, previous 0.8958, difference +0.0771 [+0.0681, +0.0861]
        "digits": {"batch_size": 32, "bits": 3, "lr": 0.309, "rebuild_every": 50, "tables": 32},
        # the study's best (mnist1d::slide::quick, 20 trials; validation, seeds 1001–1004): best 0.5360, previous 0.4310, difference +0.1050 [+0.0565, +0.1415]
        "mnist1d": {"batch_size": 64, "bits": 4, "lr": 0.103, "rebuild_every": 50, "tables": 32},
        # the study's best (mnist5k::slide::quick, 20 trials; validation, seeds 1001–1004): best 0.9310, previous 0.8925, difference +0.0385 [+0.0355, +0.0410]
        "mnist5k": {"batch_size": 32, "bits": 3, "lr": 0.169, "rebuild_every": 200, "tables": 32},
    },
}
