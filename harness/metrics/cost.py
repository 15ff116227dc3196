"""The cost of a training step: wall time, FLOPs and memory (from the sampled, instrumented steps)."""

from __future__ import annotations

import statistics

from harness.contract import Metric


def step_cost(run) -> dict:
    """Wall seconds per timed step; FLOPs, activation, state and peak bytes as medians over probed steps.

    The learner's own cost counters (relaxation iterations, population
    evaluations, ...), counted per example, are reported per presentation.
    """

    def median(key):
        values = [sample[key] for sample in run.cost_samples if key in sample]
        return statistics.median(values) if values else None

    return {
        "step_seconds": run.train_seconds / run.timed_steps if run.timed_steps else None,
        "flops_per_step": median("flops"),
        "activation_bytes": median("activation_bytes"),
        "state_bytes": median("state_bytes"),
        "peak_bytes": median("peak_bytes"),
        "setup_seconds": run.setup_seconds,
        "cost_per_presentation": {name: count / run.presentations for name, count in run.cost_counters.items()}
        if run.presentations
        else {},
    }


STEP_COST = Metric("step_cost", "per training step: wall seconds, FLOPs, activation, state and peak bytes", step_cost)
