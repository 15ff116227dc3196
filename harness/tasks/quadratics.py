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
* ``TASK_SEED`` and ``TASK_VALIDATION_SEED`` are the test and the validation
  quadratic of the registered task.

**How quadratics fit the harness.** One quadratic is a 10-example
linear-regression problem: the rows of W are the inputs, the entries of y the
targets.  The task is an *optimisation* problem, not a generalisation one (y
is independent of W), so its score can only say how far the learner has
minimised the quadratics it trains on; and to choose a rule's settings on
other problems than the ones reported, the registered task has two: a
validation quadratic and a test quadratic, optimised side by side.  Its
training split is their 20 rows, block-diagonally: the validation problem's
rows ``[W_val, 0]`` and the test problem's ``[0, W_test]``, so that the
reference architecture, the linear model ``MLP((20, 1))`` (no hidden layer),
holds one θ per problem in its two halves.  The validation split is the
validation problem's 10 rows and the test split the test problem's, so the
validation score (the skill ``1 − MSE / MSE(predicting mean(y))``, 1 at the
minimum) is how far the validation quadratic was minimised, and the test
score the test one's.  The two halves interact only through the model's one
bias (which both problems' rows read) and through how the data order mixes
their rows into batches.  Differences from the paper's form, all forced by
the harness's regression contract: the model has a bias, and the loss is the
mean squared error over both problems' rows.  The rows and targets are
scaled by √2 (``SCALE``), which leaves each problem's minimiser and skill
as they are and makes that loss (f_val + f_test)/10: for each problem's half
of θ, the landscape of a task of that problem alone (f/10).  The
paper's claim itself is checked on the exact form, f(θ) without bias, by the
learned optimiser's plugin.
"""

from __future__ import annotations

import functools

from harness.architectures import MLP
from harness.contract import Budget, Splits, Task
from harness.tasks.splits import checked

DIMENSION = 10
META_TRAINING_SEEDS = 2**31
HELD_OUT_SEED = 2**31
VALIDATION_SEED = 2**31 + 1
TASK_SEED = 2**31 + 2
TASK_VALIDATION_SEED = 2**31 + 3
# Rows and targets are scaled by √2, so that each problem's share of the mean squared error over both problems' 20
# rows is f/10, as in a task of that problem alone: the same landscape (minimum, curvature, gradient) per problem.
SCALE = 2**0.5


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
    """The validation quadratic (``TASK_VALIDATION_SEED``) and the test quadratic (``TASK_SEED``) as regression
    data: training on both side by side, validation and test on each one's rows (see the module docstring)."""
    import numpy as np

    (w_val, y_val), (w_test, y_test) = (sample_quadratics(1, seed) for seed in (TASK_VALIDATION_SEED, TASK_SEED))
    zeros = np.zeros((DIMENSION, DIMENSION), dtype=np.float32)
    x_val, x_test = (np.float32(SCALE) * np.hstack(blocks) for blocks in ((w_val[0], zeros), (zeros, w_test[0])))
    y_val, y_test = np.float32(SCALE) * y_val[0][:, None], np.float32(SCALE) * y_test[0][:, None]
    x_train, y_train = np.concatenate([x_val, x_test]), np.concatenate([y_val, y_test])
    return checked("quadratics", Splits(x_train, y_train, x_val, y_val, x_test, y_test))


# A step on both quadratics presents their 20 examples: the paper's 100 steps are 2,000 presentations.
QUADRATICS = Task(
    name="quadratics",
    kind="regression",
    objective="regression",
    description="two random quadratics ||Wθ − y||², W 10×10 and y N(0, 1), each as 10-example linear regression "
    "(Andrychowicz et al. 2016), optimised side by side: an optimisation task, scored on the validation "
    "quadratic's rows and on the test quadratic's",
    load=load_quadratics,
    architecture=MLP((2 * DIMENSION, 1)),
    n_classes=0,
    budget=Budget(presentations=20_000),
    quick_budget=Budget(presentations=2_000),
    targets=(0.9, 0.99, 0.999),
    dataset="quadratics",
)
