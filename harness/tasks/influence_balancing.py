"""Influence balancing (Tallec & Ollivier 2017, "Unbiased Online Recurrent Optimization", experiments).

A stream on which truncated BPTT's bias makes it fail.  The model is a linear dynamical system
with one scalar parameter θ:

    s(t+1) = A s(t) + θ (1, …, 1, -1, …, -1)ᵀ,      prediction s₁(t),      loss (s₁(t) - 1)²,

with ``units`` = 23 state units of which the first ``positive`` = 10 receive +θ and the other 13 −θ
(the sizes of the reproduction by Vicol, Metz & Sohl-Dickstein 2021), and A = (I + U) / 2, U the shift
that feeds unit k+1 into unit k, so unit k's input reaches the read-out unit 1 only after about 2k
steps.  θ's short-term influence on the prediction is positive and its long-term influence negative:
in the steady state s₁ = 2θ (10 − 13) = −6θ, so the optimum is θ* = −1/6.  A gradient truncated to
fewer steps than the negative units need to be heard has the wrong sign and drives θ away from θ*; an
unbiased estimate (RTRL, UORO) drives it to θ*.

As a creditbench task: the training split is one stream of constant input 1 (θ's multiplier) and
constant target 1; the validation and test splits are one held-out sequence each, of ``HELD_OUT`` steps
from the zero state.  The baseline is the untrained system θ = 0, whose prediction stays 0 (squared error
1), so the skill is 1 − MSE; at θ* the start-up transient keeps it below 1 (``best_skill``).
"""

from __future__ import annotations

import functools

from harness.architectures import LinearDynamics
from harness.contract import Budget, Splits, Task
from harness.tasks.splits import checked

STREAM = 10_000
HELD_OUT = 2_000
MODEL = LinearDynamics()


@functools.cache
def load() -> Splits:
    """A stream of ``STREAM`` steps (it wraps around), and one held-out sequence of ``HELD_OUT`` steps per split."""
    import numpy as np

    stream = np.ones((STREAM, 1), dtype=np.float32)
    held_out = np.ones((1, HELD_OUT, 1), dtype=np.float32)
    return checked(
        "influence-balancing",
        Splits(stream, stream.copy(), held_out, held_out.copy(), held_out.copy(), held_out.copy()),
    )


def untrained_prediction(x):
    """The baseline: the system with θ = 0 stays at its zero initial state, so it predicts 0."""
    import torch

    return torch.zeros_like(torch.as_tensor(x))


def best_skill(model: LinearDynamics = MODEL, steps: int = HELD_OUT) -> float:
    """The skill at θ* on a held-out sequence: below 1 only because the state starts at zero."""
    import numpy as np

    transition, drive = model.transition(), model.signs() * model.optimum()
    state, squared_errors = np.zeros(model.units), []
    for _ in range(steps):
        state = transition @ state + drive
        squared_errors.append((state[0] - 1.0) ** 2)
    return 1.0 - float(np.mean(squared_errors))


INFLUENCE_BALANCING = Task(
    name="influence-balancing",
    kind="stream",
    description="influence balancing (Tallec & Ollivier 2017): θ helps in the short term and hurts in the long term",
    load=load,
    architecture=MODEL,
    n_classes=0,
    objective="regression",
    baseline=untrained_prediction,
    budget=Budget(presentations=20_000),
    quick_budget=Budget(presentations=2_000),
    targets=(0.5, 0.8),
    dataset="influence-balancing",
)
