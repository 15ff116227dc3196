"""Regression objectives (skill against a baseline), stream tasks (consecutive chunks) and declined runs."""

import numpy as np
import pytest
import torch

from harness.architectures import MLP
from harness.contract import Algorithm, Budget, Plausibility, Splits, Task
from harness.errors import HarnessError, RunFailed
from harness.execution.suites import plan
from harness.learners import GradientLearner, task_loss
from harness.registry import Registry
from harness.training.loop import train
from harness.training.spec import RunSpec

PROFILE = Plausibility(weight_transport=True, backward_phase=True, local_updates=False)
BUDGET = Budget(presentations=4_000)


def _linear_data() -> Splits:
    rng = np.random.RandomState(0)
    weights = rng.normal(size=(6, 1))

    def sample(n):
        x = rng.normal(size=(n, 6)).astype(np.float32)
        return x, (x @ weights + 0.1 * rng.normal(size=(n, 1))).astype(np.float32)

    return Splits(*sample(256), *sample(128), *sample(128))


REGRESSION = Task(
    name="linear-regression",
    kind="regression",
    description="y = w·x + noise",
    load=_linear_data,
    architecture=MLP((6, 1)),
    n_classes=0,
    budget=BUDGET,
    quick_budget=BUDGET,
    targets=(0.5, 0.9),
    objective="regression",
)


def _sgd(task, config, seed):
    model = task.architecture.build(seed)
    return GradientLearner(model, torch.optim.SGD(model.parameters(), lr=0.05), loss=task_loss(task))


def _registry(task, *algorithms):
    return Registry(algorithms={a.name: a for a in algorithms}, tasks={task.name: task})


def test_regression_is_scored_by_skill_against_the_mean_baseline():
    sgd = Algorithm(
        name="sgd", family="test", citation="-", build=_sgd, plausibility=PROFILE, task_kinds=("regression",)
    )
    run = train(RunSpec(REGRESSION.name, "sgd", seed=0, budget=BUDGET), _registry(REGRESSION, sgd))
    first, last = run.curve[0], run.curve[-1]
    assert "test_accuracy" not in last
    assert first["test_score"] < 0.5 < 0.95 < last["test_score"] <= 1.0  # noise keeps the fit short of perfect
    data = _linear_data()
    mean_guess = ((data.y_train.mean(0) - data.y_test) ** 2).mean()
    assert last["test_score"] == pytest.approx(1 - last["test_loss"] / mean_guess, rel=1e-4)


def test_a_task_baseline_replaces_the_mean_and_an_exact_baseline_is_an_error():
    sgd = Algorithm(
        name="sgd", family="test", citation="-", build=_sgd, plausibility=PROFILE, task_kinds=("regression",)
    )
    zero = Task(**{**vars(REGRESSION), "name": "zero-baseline", "baseline": lambda x: torch.zeros(len(x), 1)})
    run = train(RunSpec(zero.name, "sgd", seed=0, budget=Budget(100)), _registry(zero, sgd))
    data = _linear_data()
    assert run.curve[-1]["test_score"] == pytest.approx(
        1 - run.curve[-1]["test_loss"] / (data.y_test**2).mean(), rel=1e-4
    )
    exact = Task(**{**vars(REGRESSION), "name": "exact", "baseline": lambda x: torch.as_tensor(_linear_data().y_val)})
    with pytest.raises(RunFailed, match="baseline is exact"):
        train(RunSpec(exact.name, "sgd", seed=0, budget=Budget(100)), _registry(exact, sgd))


def _stream_data() -> Splits:
    steps = np.arange(50, dtype=np.float32)[:, None]  # the input is the time step itself
    held_out = np.zeros((4, 5, 1), dtype=np.float32)
    return Splits(steps, steps.copy(), held_out, held_out.copy(), held_out, held_out.copy())


STREAM = Task(
    name="counter-stream",
    kind="stream",
    description="x_t = t",
    load=_stream_data,
    architecture=None,
    n_classes=0,
    budget=Budget(120),
    quick_budget=Budget(120),
    targets=(),
    objective="regression",
    baseline=lambda x: torch.ones(x.shape),
)


class Recorder:
    """Remembers what it was shown; predicts zeros."""

    def __init__(self):
        self.seen = []

    def train_step(self, x, y):
        self.seen.append(x[:, 0].tolist())

    def predict(self, x):
        return torch.zeros(x.shape)

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def test_a_stream_is_handed_over_in_order_in_chunks_and_wraps_around():
    recorders = []

    def build(task, config, seed):
        recorders.append(Recorder())
        return recorders[-1]

    rule = Algorithm(
        name="recorder",
        family="test",
        citation="-",
        build=build,
        plausibility=PROFILE,
        task_kinds=("stream",),
        defaults={"batch_size": 7},
    )
    run = train(RunSpec(STREAM.name, "recorder", seed=3, budget=STREAM.budget), _registry(STREAM, rule))
    shown = [t for chunk in recorders[0].seen for t in chunk]  # instrumented steps are real steps too
    assert run.presentations == 120 and shown == [float(t % 50) for t in range(120)]
    assert all(len(chunk) == 7 for chunk in recorders[0].seen[:-1])
    assert run.curve[-1]["test_score"] == 1.0  # zeros on the zero targets of the held-out sequences: perfect
    assert "gradient_cosine" not in run.curve[-1]


def test_a_declined_pair_is_not_planned_and_asking_for_it_alone_is_an_error():
    small_only = Algorithm(
        name="small-only",
        family="test",
        citation="-",
        build=_sgd,
        plausibility=PROFILE,
        task_kinds=("regression",),
        declines=lambda task, config: "too large" if task.architecture.sizes[0] > 4 else None,
    )
    registry = _registry(REGRESSION, small_only)
    assert plan(registry) == []
    with pytest.raises(HarnessError, match="nothing to run: too large"):
        plan(registry, tasks=["linear-regression"], algorithms=["small-only"])
    with pytest.raises(RunFailed, match="too large"):
        train(RunSpec(REGRESSION.name, "small-only", seed=0, budget=BUDGET), registry)
