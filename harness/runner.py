"""The harness-owned training loop for one run: data order, budget, clock, evaluations.

For a seed, the stream of training examples is the same for every algorithm:
one permutation of the training set per epoch, drawn from a generator seeded
with the run's seed, cut into batches of the algorithm's ``batch_size``
(batches may straddle epochs).  A stream task's training split is one stream,
handed over in order, ``batch_size`` time steps at a time (it wraps around at
its end).  Evaluations happen at log-spaced numbers of
presentations that depend only on the budget, at the first step boundary at or
past each point, and at the end.  Time spent evaluating or probing is excluded
from training time, and the wall-clock cap applies to training time.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.contract import Budget

DEFAULT_BATCH_SIZE = 32
FIRST_EVALUATION = 100
EVALUATIONS = 16
COST_PROBES_AFTER = (1, 5, 10)  # evaluation indices after which a step is instrumented
EVAL_CHUNK = 1024


class RunFailed(Exception):
    """The learner broke the run (non-finite output, divergence); the reason names it."""


@dataclass(frozen=True)
class RunSpec:
    """One (task, algorithm, config, seed) under a budget: what a worker needs to run it."""

    task: str
    algorithm: str
    seed: int
    budget: Budget
    config: dict = field(default_factory=dict)  # the user's overrides of the algorithm's defaults
    suite: str = "custom"
    device: str = "cpu"

    def key(self, code_version: str, resolved_config: dict) -> str:
        """Identity for resuming: same task, algorithm, overrides, resolved config, seed, budget and code version."""
        identity = {
            "task": self.task,
            "algorithm": self.algorithm,
            "seed": self.seed,
            "budget": asdict(self.budget),
            "config": self.config,
            "resolved_config": resolved_config,
            "code": code_version,
        }
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()

    def label(self) -> str:
        return f"{self.task}::{self.algorithm}::seed{self.seed}"


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
    stopped_by: str
    cost_counters: dict = field(default_factory=dict)


def evaluation_points(presentations: int) -> list[int]:
    """0, then log-spaced points from FIRST_EVALUATION up to the budget (which is included)."""
    if presentations <= FIRST_EVALUATION:
        return [0, presentations]
    ratio = (presentations / FIRST_EVALUATION) ** (1 / (EVALUATIONS - 1))
    points = {round(FIRST_EVALUATION * ratio**k) for k in range(EVALUATIONS)}
    return sorted({0, *points, presentations})


class ExampleStream:
    """Batches of training indices in the per-seed order shared by all algorithms."""

    def __init__(self, n_examples: int, seed: int):
        import torch

        self.n = n_examples
        self.generator = torch.Generator().manual_seed(seed)
        self.order = torch.randperm(self.n, generator=self.generator)
        self.position = 0

    def take(self, count: int):
        import torch

        parts = []
        while count > 0:
            if self.position == self.n:
                self.order = torch.randperm(self.n, generator=self.generator)
                self.position = 0
            chunk = self.order[self.position : self.position + count]
            self.position += len(chunk)
            count -= len(chunk)
            parts.append(chunk)
        return torch.cat(parts)


class StreamCursor:
    """Consecutive chunks of one training stream, in time order, wrapping around at its end."""

    def __init__(self, length: int):
        self.length = length
        self.position = 0

    def take(self, count: int):
        import torch

        indices = torch.arange(self.position, self.position + count) % self.length
        self.position = (self.position + count) % self.length
        return indices


def probe_indices(n_examples: int, seed: int, count: int):
    """A fixed batch of training examples for gradient-fidelity probes, the same for every algorithm."""
    import torch

    generator = torch.Generator().manual_seed(10_000 + seed)
    return torch.randperm(n_examples, generator=generator)[:count]


class Evaluator:
    """Score and loss of a learner on the validation and test splits.

    The score is accuracy for classification tasks and, for regression, the
    skill ``1 - MSE / MSE(baseline)`` (see ``harness.contract.Task``).
    Unsupervised learners are read out by a logistic-regression probe on their
    features, fitted on the training split once per evaluation and warm-started
    from the previous evaluation's fit (the features change gradually).
    """

    def __init__(self, task, algorithm, data: dict, loss):
        self.task = task
        self.algorithm = algorithm
        self.data = data
        self.loss = loss
        self.probe = None
        self.baseline_loss: dict = {}

    def predictions(self, learner) -> dict:
        """Class scores or regression predictions, per split."""
        import torch

        splits = {split: self.data[f"x_{split}"] for split in ("val", "test")}
        if not self.algorithm.supervised:
            return self._probe_scores(learner, splits)
        with torch.no_grad():
            return {
                split: torch.cat([learner.predict(x[i : i + EVAL_CHUNK]) for i in range(0, len(x), EVAL_CHUNK)])
                for split, x in splits.items()
            }

    def _probe_scores(self, learner, splits: dict) -> dict:
        import torch
        from sklearn.linear_model import LogisticRegression

        if self.probe is None:
            self.probe = LogisticRegression(max_iter=500, warm_start=True)
        with torch.no_grad():
            train_features = learner.features(self.data["x_train"]).cpu().numpy()
            self.probe.fit(train_features, self.data["y_train"].cpu().numpy())
            # log-probabilities, not decision_function, which gives one column for two classes; same cross-entropy
            return {
                split: torch.as_tensor(self.probe.predict_log_proba(learner.features(x).cpu().numpy()), dtype=torch.float32)
                for split, x in splits.items()
            }

    def _baseline_loss(self, split: str) -> float:
        """The regression baseline's squared error on a split (computed once)."""
        import torch

        if split not in self.baseline_loss:
            targets = self.data[f"y_{split}"]
            with torch.no_grad():
                if self.task.baseline is not None:
                    guess = torch.as_tensor(self.task.baseline(self.data[f"x_{split}"])).to(targets)
                else:
                    guess = self.data["y_train"].mean(0).expand_as(targets)
                self.baseline_loss[split] = float(self.loss(guess, targets))
            if self.baseline_loss[split] == 0:
                raise RunFailed(f"task {self.task.name}'s baseline is exact on the {split} split, so skill is undefined")
        return self.baseline_loss[split]

    def __call__(self, learner, presentations: int) -> dict:
        import torch

        point = {"presentations": presentations}
        classification = self.task.objective == "classification"
        for split, predictions in self.predictions(learner).items():
            targets = self.data[f"y_{split}"].to(predictions.device)
            expected = (len(targets), self.task.n_classes) if classification else tuple(targets.shape)
            if tuple(predictions.shape) != expected:
                raise RunFailed(f"predict returned shape {tuple(predictions.shape)}, expected {expected}")
            if not torch.isfinite(predictions).all():
                raise RunFailed(f"non-finite predictions at {presentations} presentations (diverged)")
            loss = float(self.loss(predictions, targets))
            if classification:
                point[f"{split}_accuracy"] = point[f"{split}_score"] = float((predictions.argmax(1) == targets).float().mean())
            else:
                point[f"{split}_score"] = 1.0 - loss / self._baseline_loss(split)
            point[f"{split}_loss"] = loss
        return point


def _to_tensors(splits, device) -> dict:
    import torch

    return {name: torch.as_tensor(value).to(device) for name, value in vars(splits).items()}


def synchronize(device) -> None:
    """Wait for queued device work (CUDA is asynchronous), so that a timer measures it."""
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _check_batch_unchanged(originals: tuple, batch: tuple, presentations: int) -> None:
    """A learner that writes into its batch breaks the data every algorithm must see alike."""
    import torch

    for name, original, given in zip(("x", "y"), originals, batch):
        if not torch.equal(original, given):
            raise RunFailed(f"train_step modified its input batch ({name}) at {presentations} presentations")


def train(spec: RunSpec, registry) -> FinishedRun:
    """Run one (task, algorithm, config, seed) to its budget and return the trajectory."""
    import torch

    from harness import probes
    from harness.learners import task_loss

    task = registry.task(spec.task)
    algorithm = registry.algorithm(spec.algorithm)
    config = algorithm.config_for(task.name, spec.config)
    declined = algorithm.declined(task, config)
    if declined:
        raise RunFailed(declined)
    batch_size = int(config.get("batch_size", DEFAULT_BATCH_SIZE))
    device = torch.device(spec.device)
    data = _to_tensors(task.load(), device)
    loss = task_loss(task)
    evaluate = Evaluator(task, algorithm, data, loss)

    torch.manual_seed(spec.seed)
    setup_started = time.perf_counter()
    with device:
        learner = algorithm.build(task, config, spec.seed)
    setup_seconds = time.perf_counter() - setup_started

    on_stream = task.kind == "stream"
    stream = StreamCursor(len(data["y_train"])) if on_stream else ExampleStream(len(data["y_train"]), spec.seed)
    # A stream learner's update depends on the state it carries, so a probe batch out of context means nothing.
    probe_batch = None if on_stream else probe_indices(len(data["y_train"]), spec.seed, batch_size).to(device)
    points = evaluation_points(spec.budget.presentations)
    curve: list[dict] = []
    cost_samples: list[dict] = []
    presentations = steps = timed_steps = 0
    train_seconds = 0.0
    stopped_by = "presentations"
    # Cost probes run on real training steps (one instrument per step) that are left out of the clock.
    measure = {
        "flops": probes.count_flops,
        "activation_bytes": probes.activation_bytes,
        "peak_bytes": lambda learner, x, y: probes.peak_bytes(learner, x, y, device),
    }
    instruments: list[str] = []
    sample: dict = {}

    def record_evaluation():
        point = evaluate(learner, presentations)
        point["train_seconds"] = train_seconds
        cosines = None if probe_batch is None else probes.gradient_cosine(
            learner, data["x_train"][probe_batch], data["y_train"][probe_batch], loss)
        if cosines is not None:
            point["gradient_cosine"] = cosines
        curve.append(point)

    record_evaluation()
    next_point = 1
    check_batch = True  # on the first timed step after each evaluation: cheap, and catches a learner that always mutates
    while presentations < spec.budget.presentations:
        indices = stream.take(min(batch_size, spec.budget.presentations - presentations)).to(device)
        x, y = data["x_train"][indices], data["y_train"][indices]
        if instruments:
            instrument = instruments.pop(0)
            sample[instrument] = measure[instrument](learner, x, y)
            if not instruments:
                sample["state_bytes"] = probes.state_bytes(learner)
                cost_samples.append(sample)
        else:
            originals = (x.clone(), y.clone()) if check_batch else None
            started = time.perf_counter()
            learner.train_step(x, y)
            synchronize(device)
            train_seconds += time.perf_counter() - started
            timed_steps += 1
            if originals is not None:
                _check_batch_unchanged(originals, (x, y), presentations)
                check_batch = False
        presentations += len(indices)
        steps += 1
        if train_seconds > spec.budget.wall_seconds:
            stopped_by = "wall_clock"
            break
        if next_point < len(points) and presentations >= points[next_point]:
            while next_point < len(points) and presentations >= points[next_point]:
                next_point += 1
            record_evaluation()
            check_batch = True
            if len(curve) - 1 in COST_PROBES_AFTER:
                instruments = list(measure)
                sample = {"presentations": presentations}
    if curve[-1]["presentations"] != presentations:
        record_evaluation()
    return FinishedRun(
        spec=spec,
        task=task,
        algorithm=algorithm,
        config=config,
        learner=learner,
        curve=curve,
        cost_samples=cost_samples,
        presentations=presentations,
        steps=steps,
        timed_steps=timed_steps,
        train_seconds=train_seconds,
        setup_seconds=setup_seconds,
        stopped_by=stopped_by,
        cost_counters=dict(learner.cost_counters()) if hasattr(learner, "cost_counters") else {},
    )
