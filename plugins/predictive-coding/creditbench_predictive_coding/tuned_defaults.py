"""Defaults re-picked by ``creditbench tune`` and ``scripts/confirm_defaults.py --format py`` (README, Tuning)."""

TUNED = {
    "pc": {
        # the study's best (digits::pc::quick, 20 trials; validation, seeds 1001–1004): best 0.9729, previous 0.9681, difference +0.0049 [+0.0014, +0.0076]
        "digits": {"inference_rate": 0.2, "inference_steps": 10, "lr": 0.883, "output_variance": 2.52},
        # the study's best (mnist1d::pc::quick, 20 trials; validation, seeds 1001–1004): best 0.5085, previous 0.4640, difference +0.0445 [-0.0170, +0.1185]
        "mnist1d": {"inference_rate": 0.05, "inference_steps": 50, "lr": 0.178, "output_variance": 2.37},
        # the study's best (mnist5k::pc::quick, 20 trials; validation, seeds 1001–1004): best 0.9455, previous 0.9410, difference +0.0045 [+0.0015, +0.0060]
        "mnist5k": {"inference_rate": 0.2, "inference_steps": 5, "lr": 0.754, "output_variance": 3.93},
    },
}
