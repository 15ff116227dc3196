"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "dfa": {
        # the previous default held (digits::dfa::quick, 20 trials; validation, seeds 1001–1004): best 0.9083, previous 0.9500, difference -0.0417 [-0.0708, -0.0125]
        "digits": {"lr": 0.05},
    },
    "fa": {
        # the study's best (digits::fa::quick, 20 trials; validation, seeds 1001–1004): best 0.9493, previous 0.9396, difference +0.0097 [-0.0153, +0.0222]
        "digits": {"lr": 0.193},
    },
    "sign-symmetry": {
        # the study's best (digits::sign-symmetry::quick, 20 trials; validation, seeds 1001–1004): best 0.9708, previous 0.9625, difference +0.0083 [+0.0014, +0.0153]
        "digits": {"lr": 0.403},
    },
}
