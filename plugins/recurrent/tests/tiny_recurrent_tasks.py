"""Tiny sequence and stream tasks, for contract checks and gradient comparisons that take milliseconds."""

from __future__ import annotations

import numpy as np

from harness.architectures import RNN, LinearDynamics
from harness.contract import Budget, Splits, Task
from harness.tasks.adding import generate
from harness.tasks.influence_balancing import untrained_prediction

BUDGET = Budget(presentations=160)


def _adding() -> Splits:
    rng = np.random.default_rng(0)
    return Splits(*generate(96, 6, rng), *generate(32, 6, rng), *generate(32, 6, rng))


def _echo() -> Splits:
    """A stream of Gaussian inputs whose target is the input of two steps before."""
    rng = np.random.default_rng(0)
    stream = rng.normal(size=(402, 1)).astype(np.float32)
    held_out = rng.normal(size=(4, 22, 1)).astype(np.float32)
    return Splits(stream[2:], stream[:-2], held_out[:, 2:], held_out[:, :-2], held_out[:, 2:], held_out[:, :-2])


def _constant_stream() -> Splits:
    stream, held_out = np.ones((200, 1), dtype=np.float32), np.ones((1, 40, 1), dtype=np.float32)
    return Splits(stream, stream, held_out, held_out, held_out, held_out)


def _task(name: str, kind: str, load, architecture, **extra) -> Task:
    return Task(
        name=name,
        kind=kind,
        description=name,
        load=load,
        architecture=architecture,
        n_classes=0,
        objective="regression",
        budget=BUDGET,
        quick_budget=BUDGET,
        targets=(0.5,),
        **extra,
    )


ADDING = _task("tiny-adding", "sequence", _adding, RNN(2, 5, 1, cell="tanh"))
ECHO = _task("tiny-echo", "stream", _echo, RNN(1, 4, 1, cell="lstm", readout="every"))
INFLUENCE = _task(
    "tiny-influence", "stream", _constant_stream, LinearDynamics(units=6, positive=2), baseline=untrained_prediction
)
