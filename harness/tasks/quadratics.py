"""Random quadratics f(θ) = ||Wθ − y||², the training distribution of a learned optimiser.

Andrychowicz et al. (2016), "Learning to learn by gradient descent by gradient
descent", section 3.1: W is 10×10 and y has 10 entries, all i.i.d. N(0, 1).
``sample_quadratics(n, seed)`` draws such problems; it is what a learned
optimiser meta-trains on and what its paper claim is measured on.

**Seeds.** Draws with different seeds are independent streams, and the seeds
are split by purpose so that no two purposes ever share a draw:

* meta-training uses seeds ``0 <= seed < META_TRAINING_SEEDS`` (a learned
  optimiser meta-trains on the quadratics of its run seed);
* ``HELD_OUT_SEED`` and ``VALIDATION_SEED`` are the held-out test quadratics of
  the claim and the validation quadratics (for picking among trials);
* ``TASK_SEED`` is the one quadratic of the registered task.

**How a quadratic fits the harness.** One quadratic is a 10-example
linear-regression problem: the rows of W are the inputs, the entries of y the
targets, and the task's reference architecture is the linear model
``MLP((10, 1))`` (no hidden layer), so every algorithm that declares the
``regression`` kind runs on it through the normal runner.  Two differences
from the paper's form, both forced by the harness's regression contract: the
model has a bias, and the loss is the mean squared error, f/10.  The task is
an *optimisation* problem, not a generalisation one: y is independent of W,
so the validation and test splits are the same ten rows, and the task's
score, the skill ``1 − MSE / MSE(predicting mean(y))``, says how far the
learner has minimised this quadratic (1 at its minimum).  The paper's claim
itself is checked on the exact form, f(θ) without bias, by the learned
optimiser's plugin.
"""

from __future__ import annotations

import functools

from harness.architectures import MLP
from harness.contract import Budget, Splits, Task
from harness.tasks.budgets import QUICK_WALL_SECONDS, STANDARD_WALL_SECONDS
from harness.tasks.splits import checked

DIMENSION = 10
META_TRAINING_SEEDS = 2**31
HELD_OUT_SEED = 2**31
VALIDATION_SEED = 2**31 + 1
TASK_SEED = 2**31 + 2


def sample_quadratics(n: int, seed: int):
    """``n`` problems ``(W, y)``: float32 arrays ``(n, 10, 10)`` and ``(n, 10)``, entries N(0, 1).

    Each problem is drawn whole before the next, so the first m of ``n`` draws
    are the m draws of ``sample_quadratics(m, seed)``.
    """
    import numpy as np

    if n < 0 or seed < 0:
        raise ValueError(f"need n >= 0 and seed >= 0, got n={n}, seed={seed}")
    draws = np.random.default_rng(seed).standard_normal((n, DIMENSION * DIMENSION + DIMENSION))
    w = draws[:, : DIMENSION * DIMENSION].reshape(n, DIMENSION, DIMENSION).astype(np.float32)
    y = draws[:, DIMENSION * DIMENSION :].astype(np.float32)
    return w, y


def quadratic_loss(w, y, theta):
    """f(θ) = ||Wθ − y||² for batches of problems (torch): ``(B, 10, 10)``, ``(B, 10)``, ``(B, 10)`` → ``(B,)``."""
    return (residual(w, y, theta) ** 2).sum(-1)


def quadratic_gradient(w, y, theta):
    """∇f(θ) = 2Wᵀ(Wθ − y), batched like ``quadratic_loss``."""
    return 2 * (w.transpose(-1, -2) @ residual(w, y, theta).unsqueeze(-1)).squeeze(-1)


def residual(w, y, theta):
    return (w @ theta.unsqueeze(-1)).squeeze(-1) - y


@functools.cache
def load_quadratics() -> Splits:
    """The quadratic of ``TASK_SEED`` as regression data; every split is its ten rows (see the module docstring)."""
    w, y = sample_quadratics(1, TASK_SEED)
    x, targets = w[0], y[0][:, None]
    return checked("quadratics", Splits(x, targets, x.copy(), targets.copy(), x.copy(), targets.copy()))


# A step on the whole quadratic presents its 10 examples: the paper's 100 steps are 1,000 presentations.
QUADRATICS = Task(
    name="quadratics",
    kind="regression",
    objective="regression",
    description="one random quadratic ||Wθ − y||², W 10×10 and y N(0, 1), as 10-example linear regression "
    "(Andrychowicz et al. 2016); val and test are the same rows: an optimisation task",
    load=load_quadratics,
    architecture=MLP((DIMENSION, 1)),
    n_classes=0,
    budget=Budget(presentations=10_000, wall_seconds=STANDARD_WALL_SECONDS),
    quick_budget=Budget(presentations=1_000, wall_seconds=QUICK_WALL_SECONDS),
    targets=(0.9, 0.99, 0.999),
    dataset="quadratics",
)
