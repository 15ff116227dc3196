"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "linear": {
        # the study's best (digits::linear::quick, 20 trials; validation, seeds 1001–1004): best 0.9618, previous 0.9368, difference +0.0250 [+0.0181, +0.0319]
        "digits": {"lr": 0.353},
    },
    "random-features": {
        # the study's best (digits::random-features::quick, 20 trials; validation, seeds 1001–1004): best 0.8944, previous 0.8417, difference +0.0528 [+0.0417, +0.0674]
        "digits": {"lr": 0.876},
    },
}
