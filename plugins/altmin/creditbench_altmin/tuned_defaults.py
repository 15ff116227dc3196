"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "altmin": {
        # the previous default held (digits::altmin::quick, 20 trials; validation, seeds 1001–1004): best 0.9701, previous 0.9701, difference +0.0000 [-0.0028, +0.0035]
        "digits": {"code_lr": 0.3, "code_steps": 5, "lr": 0.003, "mu": 0.01, "weight_steps": 1},
        # the previous default held (mnist1d::altmin::quick, 20 trials; validation, seeds 1001–1004): best 0.5150, previous 0.5645, difference -0.0495 [-0.0700, -0.0290]
        "mnist1d": {"code_lr": 0.3, "code_steps": 5, "lr": 0.003, "mu": 0.01, "weight_steps": 1},
        # the previous default held (mnist5k::altmin::quick, 20 trials; validation, seeds 1001–1004): best 0.9280, previous 0.9315, difference -0.0035 [-0.0080, +0.0015]
        "mnist5k": {"code_lr": 0.3, "code_steps": 5, "lr": 0.003, "mu": 0.01, "weight_steps": 1},
    },
}
