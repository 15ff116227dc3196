"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "linear": {
        # the study's best (digits::linear::quick, 20 trials; validation, seeds 1001–1004): best 0.9618, previous 0.9368, difference +0.0250 [+0.0181, +0.0319]
        "digits": {"lr": 0.353},
        # the study's best (mnist1d::linear::quick, 20 trials; validation, seeds 1001–1004): best 0.3320, previous 0.3290, difference +0.0030 [-0.0025, +0.0105]
        "mnist1d": {"lr": 0.0765},
        # the study's best (mnist5k::linear::quick, 20 trials; validation, seeds 1001–1004): best 0.9005, previous 0.8985, difference +0.0020 [-0.0030, +0.0060]
        "mnist5k": {"lr": 0.215},
    },
    "random-features": {
        # the study's best (digits::random-features::quick, 20 trials; validation, seeds 1001–1004): best 0.8944, previous 0.8417, difference +0.0528 [+0.0417, +0.0674]
        "digits": {"lr": 0.876},
        # the study's best (mnist1d::random-features::quick, 20 trials; validation, seeds 1001–1004): best 0.3760, previous 0.3440, difference +0.0320 [+0.0150, +0.0490]
        "mnist1d": {"lr": 0.569},
        # the study's best (mnist5k::random-features::quick, 20 trials; validation, seeds 1001–1004): best 0.7970, previous 0.7250, difference +0.0720 [+0.0675, +0.0775]
        "mnist5k": {"lr": 0.764},
    },
}
