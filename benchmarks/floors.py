"""asv: each rule's training step over its algorithmic floor (``harness.algorithmic_floor``), per task.

A ratio of two timings taken alternately in one process, so it does not drift with machine load the way a
time does.  Only the cases whose learner declares a floor.
"""

import torch

from harness import algorithmic_floor
from harness.registry import registry

from . import DEVICES
from .learning_rules import FLOORED_CASES, _Rule


class StepOverFloor(_Rule):
    params = (FLOORED_CASES, DEVICES)
    timeout = 300

    def setup(self, case, device):
        self._setup(case, device)
        self.measured = algorithmic_floor.measure(registry(), self.algorithm.name, self.task.name, device=device)

    def track_step_over_floor(self, case, device):
        return self.measured.ratio

    track_step_over_floor.unit = "ratio"


class UoroOverBptt:
    """The issue's target for UORO: at most 2.5 times BPTT's step, at every length of the adding ladder."""

    params = (["adding-10", "adding-1000"],)
    param_names = ["task"]
    timeout = 300

    def setup(self, task_name):
        torch.set_num_threads(1)

    def track_uoro_over_bptt(self, task_name):
        return algorithmic_floor.compare(registry(), "uoro", "bptt", task_name).ratio

    track_uoro_over_bptt.unit = "ratio"
