"""Choosing a task's robustness radii (``Task.robustness_radii``) on its validation split.

The metric reports robust accuracy at one radius per norm.  The rule for that radius: half the median, over
validation points, of the attack upper bound (the metric's white-box and transfer attacks) of ``bp-sgd``
models trained on the task's quick budget with the selection seeds, rounded to one significant figure.  Half
the median, so that at the radius a typical backprop model keeps about half its points and the reported
accuracies separate the rules.  The models train on a view of the task whose test split is its validation
split, so nothing here reads the test split: the radii are chosen without the data they are reported on.
``scripts/choose_robustness_radii.py`` runs it.
"""

from __future__ import annotations

import dataclasses
import statistics

from harness.contract import Splits, Task
from harness.execution.suites import SELECTION_SEEDS
from harness.metrics.robustness import keys
from harness.metrics.robustness.metric import bracket
from harness.metrics.robustness.reference import backprop_model

# The first two selection seeds (1000, 1001); never reported: reported seeds are 0 … n−1.
RADII_SEEDS = tuple(range(SELECTION_SEEDS, SELECTION_SEEDS + 2))
POINTS = 64
POINTS_SEED = 30_000  # the validation points are the same for every model


def validation_view(task: Task) -> Task:
    """``task`` with its test split replaced by its validation split (the test split is never read)."""

    def load() -> Splits:
        splits = task.load()
        return Splits(splits.x_train, splits.y_train, splits.x_val, splits.y_val, splits.x_val, splits.y_val)

    return dataclasses.replace(task, load=load)


def validation_points(task: Task, count: int = POINTS):
    """A fixed, seeded subset of the validation split's inputs (a tensor)."""
    import torch

    x_val = task.load().x_val
    order = torch.randperm(len(x_val), generator=torch.Generator(device="cpu").manual_seed(POINTS_SEED))[:count]
    return torch.as_tensor(x_val)[order]


def attack_bounds(task: Task, registry, algorithm: str = "bp-sgd", seeds=RADII_SEEDS, count: int = POINTS):
    """Per norm, the attack upper bounds at the validation points of every seed's model (a list of floats)."""
    import torch

    from harness.training.loop import train
    from harness.training.spec import RunSpec

    view = validation_view(task)
    viewing = dataclasses.replace(registry, tasks={**registry.tasks, task.name: view})
    x = validation_points(view, count)
    reference = backprop_model(view, torch.device("cpu"))
    bounds: dict[str, list[float]] = {name: [] for name in keys.NORMS}
    for seed in seeds:
        learner = train(RunSpec(task.name, algorithm, seed, task.quick_budget), viewing).learner
        for name, p in keys.NORMS.items():
            upper = bracket(learner.surrogate(), learner.predict, x, p, reference)["upper"]
            bounds[name] += upper.double().tolist()
    return bounds


def radius(bounds) -> float:
    """Half the median of ``bounds``, to one significant figure."""
    return float(f"{statistics.median(bounds) / 2:.1g}")


def choose_radii(task: Task, registry, **options) -> dict[str, float]:
    """Per norm, the radius of the validation attack bounds (see the module docstring)."""
    return {name: radius(values) for name, values in attack_bounds(task, registry, **options).items()}
