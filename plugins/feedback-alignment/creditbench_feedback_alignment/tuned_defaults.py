"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "dfa": {
        # the previous default held (digits::dfa::quick, 20 trials; validation, seeds 1001–1004): best 0.9083, previous 0.9500, difference -0.0417 [-0.0708, -0.0125]
        "digits": {"lr": 0.05},
        # the study's best (mnist1d::dfa::quick, 20 trials; validation, seeds 1001–1004): best 0.5475, previous 0.5385, difference +0.0090 [-0.0050, +0.0230]
        "mnist1d": {"lr": 0.0901},
        # the previous default held (mnist5k::dfa::quick, 20 trials; validation, seeds 1001–1004): best 0.9095, previous 0.9105, difference -0.0010 [-0.0040, +0.0035]
        "mnist5k": {"lr": 0.05},
    },
    "fa": {
        # the study's best (digits::fa::quick, 20 trials; validation, seeds 1001–1004): best 0.9493, previous 0.9396, difference +0.0097 [-0.0153, +0.0222]
        "digits": {"lr": 0.193},
        # the previous default held (mnist1d::fa::quick, 20 trials; validation, seeds 1001–1004): best 0.5340, previous 0.5385, difference -0.0045 [-0.0235, +0.0090]
        "mnist1d": {"lr": 0.2},
        # the previous default held (mnist5k::fa::quick, 20 trials; validation, seeds 1001–1004): best 0.9040, previous 0.9050, difference -0.0010 [-0.0020, +0.0000]
        "mnist5k": {"lr": 0.05},
    },
    "sign-symmetry": {
        # the study's best (digits::sign-symmetry::quick, 20 trials; validation, seeds 1001–1004): best 0.9708, previous 0.9625, difference +0.0083 [+0.0014, +0.0153]
        "digits": {"lr": 0.403},
        # the study's best (mnist1d::sign-symmetry::quick, 20 trials; validation, seeds 1001–1004): best 0.6380, previous 0.6250, difference +0.0130 [-0.0130, +0.0390]
        "mnist1d": {"lr": 0.464},
        # the study's best (mnist5k::sign-symmetry::quick, 20 trials; validation, seeds 1001–1004): best 0.9350, previous 0.9280, difference +0.0070 [+0.0010, +0.0130]
        "mnist5k": {"lr": 0.14},
    },
}
