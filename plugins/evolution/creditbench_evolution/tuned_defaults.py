"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "es": {
        # the previous default held (digits::es::quick, 20 trials; validation, seeds 1001–1004): best 0.9208, previous 0.9382, difference -0.0174 [-0.0250, -0.0083]
        "digits": {"lr": 0.01, "population": 50, "sigma": 0.02},
        # the study's best (mnist1d::es::quick, 20 trials; validation, seeds 1001–1004): best 0.3890, previous 0.2880, difference +0.1010 [+0.0830, +0.1190]
        "mnist1d": {"lr": 0.00847, "population": 200, "sigma": 0.00735},
        # the study's best (mnist5k::es::quick, 20 trials; validation, seeds 1001–1004): best 0.8635, previous 0.7260, difference +0.1375 [+0.1320, +0.1435]
        "mnist5k": {"lr": 0.00225, "population": 100, "sigma": 0.00371},
    },
    "ga": {
        # the study's best (digits::ga::quick, 20 trials; validation, seeds 1001–1004): best 0.8972, previous 0.8201, difference +0.0771 [+0.0528, +0.1014]
        "digits": {"population": 200, "sigma": 0.011, "truncation": 5},
        # the study's best (mnist1d::ga::quick, 20 trials; validation, seeds 1001–1004): best 0.3040, previous 0.2910, difference +0.0130 [+0.0010, +0.0260]
        "mnist1d": {"population": 200, "sigma": 0.00206, "truncation": 2},
        # the study's best (mnist5k::ga::quick, 20 trials; validation, seeds 1001–1004): best 0.7740, previous 0.6745, difference +0.0995 [+0.0720, +0.1210]
        "mnist5k": {"population": 100, "sigma": 0.00278, "truncation": 2},
    },
}
