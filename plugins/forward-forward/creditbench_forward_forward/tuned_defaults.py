"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "ff": {
        # the previous default held (digits::ff::quick, 20 trials; validation, seeds 1001–1004): best 0.9236, previous 0.9597, difference -0.0361 [-0.0514, -0.0208]
        "digits": {"label_scale": 1.0, "lr": 0.003, "threshold_per_unit": 0.1},
        # the previous default held (mnist1d::ff::quick, 20 trials; validation, seeds 1001–1004): best 0.3930, previous 0.4185, difference -0.0255 [-0.0360, -0.0140]
        "mnist1d": {"label_scale": 1.0, "lr": 0.003, "threshold_per_unit": 0.1},
        # the previous default held (mnist5k::ff::quick, 20 trials; validation, seeds 1001–1004): best 0.9045, previous 0.9105, difference -0.0060 [-0.0110, +0.0020]
        "mnist5k": {"label_scale": 1.0, "lr": 0.003, "threshold_per_unit": 0.1},
    },
}
