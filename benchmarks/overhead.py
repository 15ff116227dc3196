"""The harness's own overhead on a plain backprop run, as a ratio to a hand-written loop.

Both loops train ``bp-sgd``'s model (same architecture, optimiser, batch size
and number of steps) on ``digits`` in this process; each is timed best of
``REPEATS``.  The design's target is a ratio within a few percent of 1.
"""

import time

import torch

from harness.contract import Budget
from harness.learners import cross_entropy
from harness.registry import registry
from harness.training.loop import synchronize, train
from harness.training.spec import RunSpec

from . import DEVICES

STEPS = 1_000
REPEATS = 3


def _hand_written_seconds_per_step(task, config, device) -> float:
    splits = task.load()
    x_train = torch.as_tensor(splits.x_train).to(device)
    y_train = torch.as_tensor(splits.y_train).to(device)
    batch = config["batch_size"]
    with torch.device(device):
        model = task.architecture.build(0)
    optimizer = torch.optim.SGD(model.parameters(), lr=config["lr"])
    order = torch.randperm(len(y_train), generator=torch.Generator().manual_seed(0)).to(device)
    synchronize(torch.device(device))
    started = time.perf_counter()
    for step in range(STEPS):
        indices = order[(step * batch) % len(order) :][:batch]
        optimizer.zero_grad(set_to_none=True)
        cross_entropy(model(x_train[indices]), y_train[indices]).backward()
        optimizer.step()
    synchronize(torch.device(device))
    return (time.perf_counter() - started) / STEPS


class HarnessOverhead:
    params = DEVICES
    param_names = ["device"]
    timeout = 300

    def setup(self, device):
        torch.set_num_threads(1)
        self.task = registry().task("digits")
        self.config = registry().algorithm("bp-sgd").config_for("digits")

    def _harness_run(self, device):
        budget = Budget(presentations=STEPS * self.config["batch_size"])
        started = time.perf_counter()
        run = train(RunSpec("digits", "bp-sgd", seed=0, budget=budget, device=device), registry())
        return run.train_seconds / run.timed_steps, (time.perf_counter() - started) / run.steps

    def track_step_time_ratio(self, device):
        """Harness training seconds per step (its clock excludes evaluations and probes) over the hand loop's."""
        hand = min(_hand_written_seconds_per_step(self.task, self.config, device) for _ in range(REPEATS))
        harness = min(self._harness_run(device)[0] for _ in range(REPEATS))
        return harness / hand

    track_step_time_ratio.unit = "ratio"

    def track_run_time_ratio(self, device):
        """Whole-run wall time per step, evaluations and probes included, over the hand loop's."""
        hand = min(_hand_written_seconds_per_step(self.task, self.config, device) for _ in range(REPEATS))
        harness = min(self._harness_run(device)[1] for _ in range(REPEATS))
        return harness / hand

    track_run_time_ratio.unit = "ratio"
