"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "dendrites": {
        # the study's best (digits::dendrites::quick, 20 trials; validation, seeds 1001–1004): best 0.9694, previous 0.9590, difference +0.0104 [+0.0056, +0.0153]
        "digits": {"batch_size": 8, "hidden_lr": 4.79, "lr": 0.702, "teaching": 0.552},
        # the previous default held (mnist1d::dendrites::quick, 20 trials; validation, seeds 1001–1004): best 0.4555, previous 0.4695, difference -0.0140 [-0.0220, -0.0090]
        "mnist1d": {"batch_size": 32, "hidden_lr": 3.0, "lr": 1.0, "teaching": 0.5},
        # the previous default held (mnist5k::dendrites::quick, 20 trials; validation, seeds 1001–1004): best 0.9145, previous 0.9215, difference -0.0070 [-0.0100, -0.0040]
        "mnist5k": {"batch_size": 32, "hidden_lr": 3.0, "lr": 1.0, "teaching": 0.5},
    },
}
