"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "ao-sdtp": {
        # the study's best (digits::ao-sdtp::quick, 20 trials; validation, seeds 1001–1004): best 0.9701, previous 0.9528, difference +0.0174 [+0.0146, +0.0208]
        "digits": {"auxiliary_units": 256, "inverse_lr": 0.000363, "lr": 0.00195, "sigma": 0.0102},
        # the previous default held (mnist1d::ao-sdtp::quick, 20 trials; validation, seeds 1001–1004): best 0.5015, previous 0.5075, difference -0.0060 [-0.0310, +0.0140]
        "mnist1d": {"auxiliary_units": 256, "inverse_lr": 0.001, "lr": 0.001, "sigma": 0.1},
        # the previous default held (mnist5k::ao-sdtp::quick, 20 trials; validation, seeds 1001–1004): best 0.9000, previous 0.9100, difference -0.0100 [-0.0220, +0.0030]
        "mnist5k": {"auxiliary_units": 256, "inverse_lr": 0.001, "lr": 0.001, "sigma": 0.1},
    },
    "dtp": {
        # the study's best (digits::dtp::quick, 20 trials; validation, seeds 1001–1004): best 0.9597, previous 0.9458, difference +0.0139 [+0.0069, +0.0229]
        "digits": {"alpha": 0.188, "inverse_lr": 0.00482, "lr": 0.808, "sigma": 0.297},
        # the study's best (mnist1d::dtp::quick, 20 trials; validation, seeds 1001–1004): best 0.5435, previous 0.5110, difference +0.0325 [+0.0130, +0.0560]
        "mnist1d": {"alpha": 0.18, "inverse_lr": 0.000137, "lr": 0.313, "sigma": 0.486},
        # the study's best (mnist5k::dtp::quick, 20 trials; validation, seeds 1001–1004): best 0.9140, previous 0.9130, difference +0.0010 [-0.0010, +0.0030]
        "mnist5k": {"alpha": 0.271, "inverse_lr": 0.000856, "lr": 0.304, "sigma": 0.271},
    },
    "sdtp": {
        # the study's best (digits::sdtp::quick, 20 trials; validation, seeds 1001–1004): best 0.8806, previous 0.8729, difference +0.0076 [-0.0181, +0.0500]
        "digits": {"inverse_lr": 0.00833, "lr": 0.000894, "sigma": 0.0192},
        # the previous default held (mnist1d::sdtp::quick, 20 trials; validation, seeds 1001–1004): best 0.4055, previous 0.4295, difference -0.0240 [-0.0520, -0.0030]
        "mnist1d": {"inverse_lr": 0.001, "lr": 0.001, "sigma": 0.03},
        # the previous default held (mnist5k::sdtp::quick, 20 trials; validation, seeds 1001–1004): best 0.8390, previous 0.8705, difference -0.0315 [-0.0575, -0.0080]
        "mnist5k": {"inverse_lr": 0.001, "lr": 0.0003, "sigma": 0.03},
    },
}
