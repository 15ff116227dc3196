"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "ep": {
        # the previous default held (digits::ep::quick, 20 trials; validation, seeds 1001–1004): best 0.9424, previous 0.9479, difference -0.0056 [-0.0347, +0.0194]
        "digits": {
            "beta": 0.5,
            "free_steps": 20,
            "lrs": [0.2, 0.1, 0.05],
            "nudged_steps": 6,
            "symmetric_nudging": True,
        },
        # the study's best (mnist1d::ep::quick, 20 trials; validation, seeds 1001–1004): best 0.5610, previous 0.4535, difference +0.1075 [+0.0900, +0.1250]
        "mnist1d": {
            "beta": 0.172,
            "free_steps": 50,
            "lrs": [0.4, 0.2, 0.1],
            "nudged_steps": 6,
            "symmetric_nudging": True,
        },
        # the study's best (mnist5k::ep::quick, 20 trials; validation, seeds 1001–1004): best 0.9175, previous 0.9005, difference +0.0170 [+0.0030, +0.0350]
        "mnist5k": {
            "beta": 0.127,
            "free_steps": 30,
            "lrs": [0.4, 0.2, 0.1],
            "nudged_steps": 20,
            "symmetric_nudging": True,
        },
    },
    "ep-bptt": {
        # the previous default held (digits::ep-bptt::quick, 20 trials; validation, seeds 1001–1004): best 0.9132, previous 0.9611, difference -0.0479 [-0.1410, +0.0056]
        "digits": {"free_steps": 20, "lrs": [0.2, 0.1, 0.05], "truncation": 6},
        # the study's best (mnist1d::ep-bptt::quick, 20 trials; validation, seeds 1001–1004): best 0.5445, previous 0.5370, difference +0.0075 [-0.0070, +0.0155]
        "mnist1d": {"free_steps": 50, "lrs": [0.4, 0.2, 0.1], "truncation": 10},
        # the study's best (mnist5k::ep-bptt::quick, 20 trials; validation, seeds 1001–1004): best 0.9235, previous 0.9120, difference +0.0115 [+0.0060, +0.0170]
        "mnist5k": {"free_steps": 20, "lrs": [0.4, 0.2, 0.1], "truncation": 10},
    },
}
