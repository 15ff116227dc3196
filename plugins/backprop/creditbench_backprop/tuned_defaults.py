"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "bp-adam": {
        # the previous default held (digits::bp-adam::quick, 20 trials; validation, seeds 1001–1004): best 0.9549, previous 0.9729, difference -0.0181 [-0.0382, -0.0049]
        "digits": {"lr": 0.001},
        # the study's best (mnist1d::bp-adam::quick, 20 trials; validation, seeds 1001–1004): best 0.6225, previous 0.5900, difference +0.0325 [+0.0045, +0.0620]
        "mnist1d": {"lr": 0.00608},
        # the study's best (mnist5k::bp-adam::quick, 20 trials; validation, seeds 1001–1004): best 0.9355, previous 0.9310, difference +0.0045 [-0.0015, +0.0100]
        "mnist5k": {"lr": 0.00157},
    },
    "bp-crosslip": {
        # the study's best (digits::bp-crosslip::quick, 20 trials; validation, seeds 1001–1004): best 0.9458, previous 0.9396, difference +0.0063 [-0.0083, +0.0208]
        "digits": {"crosslip": 0.00952, "lr": 0.28},
        # the study's best (mnist1d::bp-crosslip::quick, 20 trials; validation, seeds 1001–1004): best 0.6240, previous 0.5760, difference +0.0480 [+0.0300, +0.0770]
        "mnist1d": {"crosslip": 0.00569, "lr": 0.17},
        # the previous default held (mnist5k::bp-crosslip::quick, 20 trials; validation, seeds 1001–1004): best 0.9195, previous 0.9310, difference -0.0115 [-0.0350, +0.0040]
        "mnist5k": {"crosslip": 0.03, "lr": 0.1},
    },
    "bp-momentum": {
        # the study's best (digits::bp-momentum::quick, 20 trials; validation, seeds 1001–1004): best 0.9722, previous 0.9646, difference +0.0076 [+0.0014, +0.0153]
        "digits": {"lr": 0.191, "momentum": 0.813},
        # the study's best (mnist1d::bp-momentum::quick, 20 trials; validation, seeds 1001–1004): best 0.6080, previous 0.5865, difference +0.0215 [+0.0125, +0.0330]
        "mnist1d": {"lr": 0.0472, "momentum": 0.715},
        # the study's best (mnist5k::bp-momentum::quick, 20 trials; validation, seeds 1001–1004): best 0.9410, previous 0.9260, difference +0.0150 [+0.0120, +0.0180]
        "mnist5k": {"lr": 0.0775, "momentum": 0.813},
    },
    "bp-sgd": {
        # the study's best (digits::bp-sgd::quick, 20 trials; validation, seeds 1001–1004): best 0.9687, previous 0.9618, difference +0.0069 [+0.0028, +0.0132]
        "digits": {"lr": 0.651},
        # the study's best (mnist1d::bp-sgd::quick, 20 trials; validation, seeds 1001–1004): best 0.6570, previous 0.6400, difference +0.0170 [+0.0030, +0.0300]
        "mnist1d": {"lr": 0.294},
        # the study's best (mnist5k::bp-sgd::quick, 20 trials; validation, seeds 1001–1004): best 0.9400, previous 0.9275, difference +0.0125 [+0.0080, +0.0175]
        "mnist5k": {"lr": 0.303},
    },
}
