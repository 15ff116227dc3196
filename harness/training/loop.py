"""The harness-owned training loop for one run: data order, budget, clock, evaluations and probes.

Every run trains to its full presentation budget; the clock measures, it never stops a run (the executor's
time limit, a safety limit against hangs, fails a run instead).  Time spent evaluating or probing is
excluded from training time.  Cost probes (FLOPs, activation and peak memory) each instrument one real training step,
on the steps after the evaluations in ``COST_PROBES_AFTER``; those steps are left out of the clock.  A lean
run (``RunSpec.lean``) loads no test split, evaluates on the validation split only and runs no probes:
its steps are all timed, and the same steps as a full run's.  A run given ``on_evaluation`` (tuning's pruning)
stops at the first evaluation it returns True for: ``FinishedRun.stopped_at`` holds the presentations then.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness import shared_cache
from harness.errors import RunFailed
from harness.learners import task_loss
from harness.metrics import fidelity, instruments
from harness.training.evaluation import Evaluator, evaluation_points
from harness.training.order import DEFAULT_BATCH_SIZE, ExampleStream, StreamCursor, probe_indices
from harness.training.phases import Phases
from harness.training.spec import RunSpec

COST_PROBES_AFTER = (1, 5, 10)  # evaluation indices after which a step is instrumented


@dataclass
class FinishedRun:
    """What metrics are computed from: the trajectory and the final learner."""

    spec: RunSpec
    task: Any
    algorithm: Any
    config: dict
    learner: Any
    curve: list[dict]
    cost_samples: list[dict]
    presentations: int
    steps: int
    timed_steps: int
    train_seconds: float
    setup_seconds: float
    cost_counters: dict = field(default_factory=dict)
    phases: Phases = field(default_factory=Phases)
    stopped_at: int | None = None  # presentations, if on_evaluation stopped the run before its budget


def synchronize(device) -> None:
    """Wait for queued device work (CUDA is asynchronous), so that a timer measures it."""
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train(
    spec: RunSpec,
    registry,
    phases: Phases | None = None,
    on_evaluation: Callable[[int, dict], bool] | None = None,
) -> FinishedRun:
    """Run one (task, algorithm, config, seed) to its budget and return the trajectory.

    ``on_evaluation(index, point)`` is called with each evaluation's curve point; True stops the run there.
    """
    import torch

    phases = Phases() if phases is None else phases
    task = registry.task(spec.task)
    algorithm = registry.algorithm(spec.algorithm)
    config = algorithm.config_for(task.name, spec.config)
    declined = algorithm.declined(task, config)
    if declined:
        raise RunFailed(declined)
    batch_size = int(config.get("batch_size", DEFAULT_BATCH_SIZE))
    device = torch.device(spec.device)
    with phases("data_load"):
        data = {
            name: torch.as_tensor(value).to(device)
            for name, value in vars(shared_cache.splits(task)).items()
            if name.split("_")[1] in spec.splits()
        }
    torch.manual_seed(spec.seed)
    setup_started = time.perf_counter()
    with device, phases("build"):
        learner = algorithm.build(task, config, spec.seed)
    setup_seconds = time.perf_counter() - setup_started
    loop = _Loop(spec, task, algorithm, batch_size, data, task_loss(task), learner, device, phases, on_evaluation)
    loop.run()
    phases.add("train", loop.train_seconds)
    return FinishedRun(
        spec=spec,
        task=task,
        algorithm=algorithm,
        config=config,
        learner=learner,
        curve=loop.curve,
        cost_samples=loop.cost_samples,
        presentations=loop.presentations,
        steps=loop.steps,
        timed_steps=loop.timed_steps,
        train_seconds=loop.train_seconds,
        setup_seconds=setup_seconds,
        cost_counters=dict(learner.cost_counters()) if hasattr(learner, "cost_counters") else {},
        phases=phases,
        stopped_at=loop.stopped_at,
    )


class _Loop:
    """One run as it trains: presentations so far, the clock, the curve, the probes that are due."""

    def __init__(
        self, spec: RunSpec, task, algorithm, batch_size: int, data: dict, loss, learner, device, phases, on_evaluation
    ):
        self.spec, self.data, self.loss, self.learner, self.device = spec, data, loss, learner, device
        self.phases, self.on_evaluation = phases, on_evaluation
        self.stopped_at: int | None = None
        self.batch_size = batch_size
        self.evaluate = Evaluator(task, algorithm, data, loss, [split for split in spec.splits() if split != "train"])
        n_train = len(data["y_train"])
        on_stream = task.kind == "stream"
        self.order = StreamCursor(n_train) if on_stream else ExampleStream(n_train, spec.seed)
        # A stream learner's update depends on the state it carries, so a probe batch out of context means nothing.
        probed = not (on_stream or spec.lean)
        self.probe_batch = probe_indices(n_train, spec.seed, self.batch_size).to(device) if probed else None
        self.points = evaluation_points(spec.budget.presentations)
        self.curve: list[dict] = []
        self.cost_samples: list[dict] = []
        self.presentations = self.steps = self.timed_steps = 0
        self.train_seconds = 0.0
        self.measure = {
            "flops": instruments.count_flops,
            "activation_bytes": instruments.activation_bytes,
            "peak_bytes": lambda learner, x, y: instruments.peak_bytes(learner, x, y, device),
        }
        self.instruments_due: list[str] = []
        self.sample: dict = {}

    def run(self) -> None:
        budget = self.spec.budget
        self.record_evaluation()
        next_point = 1
        check_batch = (
            True  # on the first timed step after each evaluation: cheap, and catches a learner that always mutates
        )
        while self.presentations < budget.presentations and self.stopped_at is None:
            indices = self.order.take(min(self.batch_size, budget.presentations - self.presentations)).to(self.device)
            x, y = self.data["x_train"][indices], self.data["y_train"][indices]
            if self.instruments_due:
                self.instrumented_step(x, y)
            else:
                self.timed_step(x, y, check_batch)
                check_batch = False
            self.presentations += len(indices)
            self.steps += 1
            if next_point < len(self.points) and self.presentations >= self.points[next_point]:
                while next_point < len(self.points) and self.presentations >= self.points[next_point]:
                    next_point += 1
                self.record_evaluation()
                check_batch = True
                if len(self.curve) - 1 in COST_PROBES_AFTER and not self.spec.lean:
                    self.instruments_due = list(self.measure)
                    self.sample = {"presentations": self.presentations}

    def timed_step(self, x, y, check_batch: bool) -> None:
        originals = (x.clone(), y.clone()) if check_batch else None
        started = time.perf_counter()
        self.learner.train_step(x, y)
        synchronize(self.device)
        self.train_seconds += time.perf_counter() - started
        self.timed_steps += 1
        if originals is not None:
            _check_batch_unchanged(originals, (x, y), self.presentations)

    def instrumented_step(self, x, y) -> None:
        instrument = self.instruments_due.pop(0)
        with self.phases(f"cost_probe:{instrument}"):
            self.sample[instrument] = self.measure[instrument](self.learner, x, y)
        if not self.instruments_due:
            self.sample["state_bytes"] = instruments.state_bytes(self.learner)
            self.cost_samples.append(self.sample)

    def record_evaluation(self) -> None:
        with self.phases("evaluation"):
            point = self.evaluate(self.learner, self.presentations)
        point["train_seconds"] = self.train_seconds
        if self.probe_batch is not None:
            x, y = self.data["x_train"][self.probe_batch], self.data["y_train"][self.probe_batch]
            with self.phases("fidelity_probe"):
                measured = fidelity.probe(self.learner, x, y, self.loss)
            if measured is not None:
                point["gradient_cosine"] = measured
        self.curve.append(point)
        if self.on_evaluation is not None:
            with self.phases("trial"):
                stop = self.on_evaluation(len(self.curve) - 1, point)
            if stop:
                self.stopped_at = self.presentations


def _check_batch_unchanged(originals: tuple, batch: tuple, presentations: int) -> None:
    """A learner that writes into its batch breaks the data every algorithm must see alike."""
    import torch

    for name, original, given in zip(("x", "y"), originals, batch):
        if not torch.equal(original, given):
            raise RunFailed(f"train_step modified its input batch ({name}) at {presentations} presentations")
