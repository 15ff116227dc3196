"""Each rule's training step over its *algorithmic floor*: the work its algorithm cannot do without.

A learner declares its floor by implementing ``Learner.floor_step`` (its docstring says what the floor is).
``measure`` builds the rule twice from the same seed, for the task's reference architecture, and times
``train_step`` on one twin and ``floor_step`` on the other, alternating on the same batches in the harness's
data order (seed 0), after a few untimed warm-up steps; the ratio is of the medians, so a burst of load on the
machine moves both sides or neither; on one CPU thread the clock is the thread's CPU time, which that load
does not inflate.  ``compare`` times two rules' ``train_step`` against each other the same
way (UORO against BPTT, say).  ``scripts/algorithmic_floors.py`` prints the table; the asv benchmark
``benchmarks/floors.py`` tracks the ratios across commits.  Timings use the process's thread settings (the
script and the benchmark run one thread, as the suite's workers do).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from harness.contract import Learner
from harness.learners import GradientLearner
from harness.training.loop import synchronize
from harness.training.order import DEFAULT_BATCH_SIZE, ExampleStream, StreamCursor

STEPS = 20  # timed steps per side
WARMUP = 3  # untimed steps per side first: lazily built state, first-call dispatch


@dataclass(frozen=True)
class StepRatio:
    """Median seconds per step of ``numerator`` and of ``denominator`` on ``task``, and their ratio."""

    task: str
    numerator: str
    denominator: str
    numerator_seconds: float
    denominator_seconds: float
    floor: str = ""  # the floor in words, when the denominator is one

    @property
    def ratio(self) -> float:
        return self.numerator_seconds / self.denominator_seconds


def declared_floor(learner):
    """What does the learner's floor and says in its docstring what it is, or None when it declares none.

    The learner's own ``floor_step``; for a ``GradientLearner`` that keeps the inherited one, whose floor is
    its rule's, the direction's ``floor`` method.
    """
    step = type(learner).floor_step
    if step is GradientLearner.floor_step:
        return getattr(type(learner.direction), "floor", None)
    return None if step is Learner.floor_step else step


def has_floor(learner) -> bool:
    return declared_floor(learner) is not None


def floor_description(learner) -> str:
    """The floor in words: the first paragraph of the docstring of what does the floor."""
    doc = declared_floor(learner).__doc__ or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def measure(registry, algorithm: str, task: str, steps: int = STEPS, device: str = "cpu") -> StepRatio | None:
    """``algorithm``'s train_step over its floor_step on ``task``; None when it declares no floor."""
    rule = _built(registry, algorithm, task, device)
    if not has_floor(rule):
        return None
    twin = _built(registry, algorithm, task, device)
    batch_size = _batch_size(registry, algorithm, task)
    seconds = _alternate(registry, task, [rule.train_step, twin.floor_step], batch_size, steps, device)
    return StepRatio(task, algorithm, f"{algorithm} floor", *seconds, floor=floor_description(twin))


def compare(registry, algorithm: str, reference: str, task: str, steps: int = STEPS, device: str = "cpu") -> StepRatio:
    """``algorithm``'s train_step over ``reference``'s on ``task`` (each at its own batch size, per step)."""
    batch_sizes = {_batch_size(registry, name, task) for name in (algorithm, reference)}
    if len(batch_sizes) != 1:
        raise ValueError(f"{algorithm} and {reference} use different batch sizes on {task}: {sorted(batch_sizes)}")
    steppers = [_built(registry, name, task, device).train_step for name in (algorithm, reference)]
    return StepRatio(
        task, algorithm, reference, *_alternate(registry, task, steppers, batch_sizes.pop(), steps, device)
    )


def _batch_size(registry, algorithm: str, task: str) -> int:
    return int(registry.algorithm(algorithm).config_for(task).get("batch_size", DEFAULT_BATCH_SIZE))


def _built(registry, algorithm_name: str, task_name: str, device: str):
    import torch

    algorithm, task = registry.algorithm(algorithm_name), registry.task(task_name)
    config = algorithm.config_for(task_name)
    declined = algorithm.declined(task, config)
    if declined:
        raise ValueError(declined)
    torch.manual_seed(0)
    with torch.device(device):
        return algorithm.build(task, config, 0)


def _alternate(registry, task_name: str, steppers, batch_size: int, steps: int, device: str) -> list[float]:
    """Median seconds per call of each stepper, called in turn on each of the first batches of seed 0's order."""
    import torch

    from harness import shared_cache

    task = registry.task(task_name)
    splits = shared_cache.splits(task)
    x_train, y_train = (torch.as_tensor(a).to(device) for a in (splits.x_train, splits.y_train))
    order = StreamCursor(len(y_train)) if task.kind == "stream" else ExampleStream(len(y_train), 0)
    # On one CPU thread all of a step's work runs on this thread, whose CPU time other processes' load does not
    # inflate (wall-clock medians of small steps on a loaded machine read up to 10x high); otherwise wall time.
    clock = time.thread_time if device == "cpu" and torch.get_num_threads() == 1 else time.perf_counter
    times: list[list[float]] = [[] for _ in steppers]
    for index in range(WARMUP + steps):
        indices = order.take(batch_size).to(device)
        x, y = x_train[indices], y_train[indices]
        for stepper, record in zip(steppers, times):
            started = clock()
            stepper(x, y)
            synchronize(torch.device(device))
            if index >= WARMUP:
                record.append(clock() - started)
    return [statistics.median(record) for record in times]
