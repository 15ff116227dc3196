"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "dendrites": {
        # the study's best (digits::dendrites::quick, 20 trials; validation, seeds 1001–1004): best 0.9694, previous 0.9590, difference +0.0104 [+0.0056, +0.0153]
        "digits": {"batch_size": 8, "hidden_lr": 4.79, "lr": 0.702, "teaching": 0.552},
    },
}
