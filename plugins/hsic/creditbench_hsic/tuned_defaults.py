"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "hsic": {
        # the previous default held (digits::hsic::quick, 20 trials; validation, seeds 1001–1004): best 0.9583, previous 0.9646, difference -0.0062 [-0.0132, -0.0014]
        "digits": {"batch_size": 256, "beta": 50.0, "lr": 0.001, "readout_lr": 0.1, "sigma": 5.0},
        # the study's best (mnist1d::hsic::quick, 20 trials; validation, seeds 1001–1004): best 0.5130, previous 0.4650, difference +0.0480 [+0.0170, +0.0790]
        "mnist1d": {"batch_size": 512, "beta": 9.58, "lr": 0.00749, "readout_lr": 0.122, "sigma": 3.39},
        # the previous default held (mnist5k::hsic::quick, 20 trials; validation, seeds 1001–1004): best 0.9100, previous 0.9355, difference -0.0255 [-0.0295, -0.0220]
        "mnist5k": {"batch_size": 256, "beta": 50.0, "lr": 0.001, "readout_lr": 0.1, "sigma": 5.0},
    },
}
