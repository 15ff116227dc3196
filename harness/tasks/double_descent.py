"""The double-descent ladder (Belkin, Hsu, Ma & Mandal 2019, "Reconciling modern machine-learning practice and the
classical bias–variance trade-off", PNAS 116(32)): one small training set with noisy labels, read out from hidden
layers of growing width.

The training split is ``N_TRAIN`` of digits' training images, a fraction ``LABEL_NOISE`` of whose labels are
replaced by uniformly drawn ones (fixed by ``SPLIT_SEED``); validation and test are digits' own, clean.  Each rung
is an MLP 64-W-10 (``double-descent-W``).  A model that interpolates its training set (the ``random-features-min-norm``
control: random ReLU features read out by the minimum-norm least-squares fit) has a test error that first falls
with W, peaks where it can just interpolate the noisy labels (W near ``N_TRAIN``, the interpolation threshold),
and falls again beyond it.  The budget is one pass over the training set: an interpolating readout needs each
example once.  The rungs are ``ladder_only`` and only the ``double-descent`` suite runs them.
"""

from __future__ import annotations

import dataclasses
import functools

from harness.architectures import MLP
from harness.contract import Budget, Splits, Task
from harness.tasks.digits import DIGITS, load_digits
from harness.tasks.splits import SPLIT_SEED, as_arrays

LADDER = "double descent"
N_TRAIN = 100
LABEL_NOISE = 0.2
WIDTHS = (10, 25, 50, 75, 100, 125, 150, 200, 400, 1000)


@functools.cache
def load_noisy_subset() -> Splits:
    """``N_TRAIN`` of digits' training images with a fraction ``LABEL_NOISE`` of the labels redrawn; digits' own
    validation and test splits."""
    import numpy as np

    digits = load_digits()
    generator = np.random.default_rng(SPLIT_SEED)
    chosen = generator.choice(len(digits.y_train), N_TRAIN, replace=False)
    labels = digits.y_train[chosen].copy()
    noisy = generator.random(N_TRAIN) < LABEL_NOISE
    labels[noisy] = generator.integers(0, DIGITS.n_classes, int(noisy.sum()))
    return as_arrays(digits.x_train[chosen], labels, digits.x_val, digits.y_val, digits.x_test, digits.y_test)


def double_descent_task(width: int) -> Task:
    return dataclasses.replace(
        DIGITS,
        name=f"double-descent-{width}",
        description=f"{N_TRAIN} digits, {LABEL_NOISE:.0%} of their labels redrawn, an MLP 64-{width}-10 (the "
        "double-descent ladder)",
        load=load_noisy_subset,
        architecture=MLP((64, width, 10)),
        budget=Budget(presentations=N_TRAIN),
        quick_budget=Budget(presentations=N_TRAIN),
        ladder=(LADDER, "hidden width", width),
        ladder_only=True,
        robustness_radii={},
    )


DOUBLE_DESCENT_TASKS = tuple(double_descent_task(width) for width in WIDTHS)


def on_the_ladder(task) -> bool:
    return task.ladder is not None and task.ladder[0] == LADDER
