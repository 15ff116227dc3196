"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "es": {
        # the previous default held (digits::es::quick, 20 trials; validation, seeds 1001–1004): best 0.9208, previous 0.9382, difference -0.0174 [-0.0250, -0.0083]
        "digits": {"lr": 0.01, "population": 50, "sigma": 0.02},
    },
    "ga": {
        # the study's best (digits::ga::quick, 20 trials; validation, seeds 1001–1004): best 0.8972, previous 0.8201, difference +0.0771 [+0.0528, +0.1014]
        "digits": {"population": 200, "sigma": 0.011, "truncation": 5},
    },
}
