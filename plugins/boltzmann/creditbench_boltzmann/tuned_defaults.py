"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "dbn": {
        # the previous default held (digits::dbn::quick, 20 trials; validation, seeds 1001–1004): best 0.8132, previous 0.9611, difference -0.1479 [-0.1729, -0.1278]
        "digits": {
            "batch_size": 20,
            "k": 1,
            "layer_presentations": 15000,
            "lr": 0.2,
            "momentum": 0.9,
            "upper_lr": 0.2,
            "weight_decay": 0.0002,
        },
        # the previous default held (mnist1d::dbn::quick, 20 trials; validation, seeds 1001–1004): best 0.4345, previous 0.4885, difference -0.0540 [-0.0680, -0.0300]
        "mnist1d": {
            "batch_size": 20,
            "k": 1,
            "layer_presentations": 15000,
            "lr": 0.03,
            "momentum": 0.9,
            "upper_lr": 0.2,
            "weight_decay": 0.0002,
        },
        # the study's best (mnist5k::dbn::quick, 20 trials; validation, seeds 1001–1004): best 0.9380, previous 0.9330, difference +0.0050 [+0.0015, +0.0075]
        "mnist5k": {
            "batch_size": 10,
            "k": 1,
            "layer_presentations": 15000,
            "lr": 0.00689,
            "momentum": 0.688,
            "upper_lr": 0.0103,
            "weight_decay": 0.000184,
        },
    },
    "rbm-cd": {
        # the previous default held (digits::rbm-cd::quick, 20 trials; validation, seeds 1001–1004): best 0.9660, previous 0.9660, difference +0.0000 [-0.0028, +0.0028]
        "digits": {"batch_size": 20, "k": 1, "lr": 0.2, "momentum": 0.9, "weight_decay": 0.0002},
        # the previous default held (mnist1d::rbm-cd::quick, 20 trials; validation, seeds 1001–1004): best 0.4680, previous 0.4960, difference -0.0280 [-0.0395, -0.0115]
        "mnist1d": {"batch_size": 20, "k": 1, "lr": 0.03, "momentum": 0.9, "weight_decay": 0.0002},
        # the previous default held (mnist5k::rbm-cd::quick, 20 trials; validation, seeds 1001–1004): best 0.9260, previous 0.9275, difference -0.0015 [-0.0050, +0.0035]
        "mnist5k": {"batch_size": 20, "k": 1, "lr": 0.2, "momentum": 0.9, "weight_decay": 0.0002},
    },
}
