"""asv: each rule's training step over its algorithmic floor (``harness.algorithmic_floor``), per task.

A ratio of two timings taken alternately in one process, so it does not drift with machine load the way a
time does.  Pairs whose learner declares no floor are skipped.
"""

import torch

from harness import algorithmic_floor
from harness.registry import registry

from .learning_rules import _Rule


class StepOverFloor(_Rule):
    timeout = 300

    def setup(self, case, device):
        self._setup(case, device)
        self.measured = algorithmic_floor.measure(registry(), self.algorithm.name, self.task.name, device=device)
        if self.measured is None:
            raise NotImplementedError(f"{self.algorithm.name} declares no algorithmic floor")

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
