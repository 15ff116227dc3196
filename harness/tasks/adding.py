"""The adding problem (Hochreiter & Schmidhuber 1997, experiment 4), one task per sequence length.

Each time step carries two numbers: a value drawn uniformly from [0, 1] and a marker.  Exactly two
steps are marked (marker 1, every other 0), one in each half of the sequence; the target, read after
the last step, is the sum of the two marked values.  This is the fixed-length form used by Le, Jaitly &
Hinton (2015) and Arjovsky, Shah & Bengio (2016); Hochreiter & Schmidhuber drew values from [-1, 1],
marked one of the first ten steps and one of the first half, let lengths vary by 10 % and scaled the
target to 0.5 + (X1 + X2) / 4.  Predicting the mean target scores a squared error of 1/6 (the variance
of a sum of two uniforms), the baseline that the skill ``1 - MSE / MSE(mean)`` is measured against.

The sequence length T is the task's parameter: ``adding_task(T)`` makes the task ``adding-T``, and
``adding-10``, ``adding-100`` and ``adding-1000`` are registered, so that the leaderboard shows what
each rule's time and memory per step become as T grows.  Only adding-10 is learnt within its quick budget;
the longer rungs are ``ladder_only`` (the ladder suite, not the quick suite, runs them at quick budgets).
"""

from __future__ import annotations

import functools

from harness.architectures import RNN
from harness.contract import Budget, Splits, Task
from harness.tasks.splits import generated_splits

LENGTHS = (10, 100, 1000)
SIZES = {"train": 4_000, "val": 500, "test": 500}
SEED = 0
# An LSTM (Hochreiter & Schmidhuber's own answer to the problem): its state is bounded, so no length makes it
# diverge; an IRNN of 32 units (Le et al.'s) trained by Adam at 0.003 blew up within 4 updates at length 1,000.
# 16 units keep RTRL within its compute limit at length 10.
HIDDEN = 16
# Sequences per run; standard budgets are what the leaderboard publishes.  Quick budgets measure cost more than
# learning at the longer lengths: 256 sequences of 1,000 steps are 8 updates, the fewest that leave room for the
# training loop's three instrumented steps after its first evaluation (at 100 presentations).
QUICK_PRESENTATIONS = {10: 20_000, 100: 2_000, 1000: 256}
LEARNT_IN_QUICK_BUDGET = (10,)  # the other lengths' quick runs exist for the ladder (measured skills -3.2 to 0.01)
STANDARD_PRESENTATIONS = {10: 200_000, 100: 100_000, 1000: 20_000}


def generate(n: int, length: int, rng) -> tuple:
    """``n`` sequences ``(n, length, 2)`` of (value, marker) pairs and their targets ``(n, 1)``."""
    import numpy as np

    values = rng.random((n, length))
    half = length // 2
    marked = np.stack([rng.integers(0, half, size=n), rng.integers(half, length, size=n)], axis=1)
    markers = np.zeros((n, length))
    np.put_along_axis(markers, marked, 1.0, axis=1)
    targets = np.take_along_axis(values, marked, axis=1).sum(axis=1, keepdims=True)
    return np.stack([values, markers], axis=2).astype(np.float32), targets.astype(np.float32)


@functools.cache
def load(length: int) -> Splits:
    """4,000 / 500 / 500 sequences, drawn in that order from one generator seeded with ``(SEED, length)``."""
    return generated_splits(f"adding-{length}", [SEED, length], SIZES, lambda n, rng, _: generate(n, length, rng))


def adding_task(length: int) -> Task:
    if length < 2:
        raise ValueError(f"the adding problem needs sequences of at least 2 steps, not {length}")
    return Task(
        name=f"adding-{length}",
        kind="sequence",
        description=f"adding problem (Hochreiter & Schmidhuber 1997): sum the two marked values of {length} steps",
        load=functools.partial(load, length),
        architecture=RNN(2, HIDDEN, 1, cell="lstm", readout="last"),
        n_classes=0,
        objective="regression",
        budget=Budget(presentations=STANDARD_PRESENTATIONS.get(length, 20_000)),
        quick_budget=Budget(presentations=QUICK_PRESENTATIONS.get(length, 256)),
        targets=(0.5, 0.9, 0.99),
        dataset=f"adding-{length}",
        ladder=("adding", "sequence length", length),
        ladder_only=length not in LEARNT_IN_QUICK_BUDGET,
    )


ADDING_TASKS = tuple(adding_task(length) for length in LENGTHS)
