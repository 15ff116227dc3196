"""The linearly separable trap of Wilson, Roelofs, Stern, Srebro & Recht (2017), section 3.3.

A binary problem with more features than examples.  Labels are +1 with probability ``P_POSITIVE``,
else −1.  Every example has feature 0 equal to its label, features 1 and 2 always 1, and a block of
five features of its own, of which it switches on one if it is positive and all five if it is
negative; no other example, in any split, uses that block.  So feature 0 alone separates the classes,
and every training example can also be fitted by its private features, which a new example does not
share.

The paper analyses least squares from a zero start.  Gradient descent stays in the span of the
training inputs and reaches the minimum-norm solution, whose weight on feature 0 dominates: every new
point is classified correctly.  Adaptive methods (AdaGrad, RMSProp, Adam) reach the solution
proportional to ``sign(Xᵀy)``, which weighs the always-on features 1 and 2 as much as feature 0, so
``w·x = τ(y + 2) > 0`` for every new point: all are called positive and the test error is the
negative rate, ``1 − P_POSITIVE``, although the training set is fitted.

Here the task is classification like the others: two classes (class 1 = positive), cross-entropy,
PyTorch's default initialisation.  The reference architecture is an MLP with two tanh hidden layers
of 64 units, the depth of the other tasks' MLPs, so that the rules that train hidden layers run on it
too.  The trap survives both changes (measured with 10,000 presentations, 5 seeds): SGD and
momentum reach test accuracy 1.00, Adam 0.65–0.70, the test split's positive rate being 0.65; so it
does with the paper's linear model (the backprop plugin's test of this task).  With ReLU
hidden units Adam escapes it (one layer of 64: 1.00 on 2 seeds), which is why the units are tanh.
"""

from __future__ import annotations

import functools

from harness.architectures import MLP
from harness.contract import Budget, Splits, Task
from harness.tasks.splits import generated_splits

P_POSITIVE = 0.7
BLOCK = 5  # private features per example
SHARED = 3  # the label feature and the two always-on features
SIZES = {"train": 100, "val": 100, "test": 200}
FEATURES = SHARED + BLOCK * sum(SIZES.values())
SEED = 0


def generate(n: int, first_block: int, features: int, rng, p_positive: float = P_POSITIVE):
    """``n`` examples ``(n, features)`` with private blocks ``first_block, first_block + 1, …``, and labels 0/1."""
    import numpy as np

    sign = np.where(rng.random(n) < p_positive, 1, -1)
    x = np.zeros((n, features), dtype=np.float32)
    x[:, 0] = sign
    x[:, 1:SHARED] = 1
    for i, label in enumerate(sign):
        start = SHARED + BLOCK * (first_block + i)
        x[i, start : start + (1 if label > 0 else BLOCK)] = 1
    return x, (sign > 0).astype(np.int64)


@functools.cache
def load() -> Splits:
    """100 / 100 / 200 examples, drawn in that order from one generator seeded with ``SEED``."""
    return generated_splits("adaptive-trap", SEED, SIZES, lambda n, rng, drawn: generate(n, drawn, FEATURES, rng))


ADAPTIVE_TRAP = Task(
    name="adaptive-trap",
    kind="classification",
    description="Wilson et al. 2017's separable construction on which adaptive methods generalise worse than SGD",
    load=load,
    architecture=MLP((FEATURES, 64, 64, 2), activation="tanh"),
    n_classes=2,
    budget=Budget(presentations=10_000),
    quick_budget=Budget(presentations=3_000),
    targets=(0.8, 0.9, 0.99),
    dataset="adaptive-trap",
)
