"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "bp-adam": {
        # the previous default held (digits::bp-adam::quick, 20 trials; validation, seeds 1001–1004): best 0.9549, previous 0.9729, difference -0.0181 [-0.0382, -0.0049]
        "digits": {"lr": 0.001},
    },
    "bp-crosslip": {
        # the study's best (digits::bp-crosslip::quick, 20 trials; validation, seeds 1001–1004): best 0.9458, previous 0.9396, difference +0.0063 [-0.0083, +0.0208]
        "digits": {"crosslip": 0.00952, "lr": 0.28},
    },
    "bp-momentum": {
        # the study's best (digits::bp-momentum::quick, 20 trials; validation, seeds 1001–1004): best 0.9722, previous 0.9646, difference +0.0076 [+0.0014, +0.0153]
        "digits": {"lr": 0.191, "momentum": 0.813},
    },
    "bp-sgd": {
        # the study's best (digits::bp-sgd::quick, 20 trials; validation, seeds 1001–1004): best 0.9687, previous 0.9618, difference +0.0069 [+0.0028, +0.0132]
        "digits": {"lr": 0.651},
    },
}
