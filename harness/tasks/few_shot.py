"""A few-shot task from held-out classes: 5-way, 5-shot digits (the setting of MAML and ANIL, Finn et al. 2017 and
Raghu et al. 2019, on Omniglot and miniImageNet; here on scikit-learn's digits, which ship with creditbench).

The classes are split once: digits 0-4 are the *base* classes, on which a meta-learner may pre-train in ``build``
(``base_classes()``: the digits task's training images of those classes, within the rule's declared
``pretraining_presentations``), and 5-9 the *novel* ones, which the task is about.  Its training split is the support
set, the first ``SHOTS`` training images of each novel class; its validation and test splits are the digits task's
validation and test images of the novel classes.  Labels are the novel class's rank, 0-4, so the contract carries
the task unchanged: a 5-class classification task with 25 training examples.  It lives in the toys suite
(``Task.suite``): it is there for the meta-learners' claim, not to rank every rule.
"""

from __future__ import annotations

import functools

from harness.architectures import MLP
from harness.contract import Budget, Splits, Task
from harness.tasks.digits import load_digits
from harness.tasks.splits import as_arrays, checked

WAYS = 5
SHOTS = 5
BASE = tuple(range(WAYS))  # digits 0-4
NOVEL = tuple(range(WAYS, 2 * WAYS))  # digits 5-9


def _of_classes(x, y, classes):
    import numpy as np

    keep = np.isin(y, classes)
    return x[keep], y[keep] - min(classes)


@functools.cache
def base_classes() -> tuple:
    """``(x, y)``: the digits task's training images of the base classes 0-4, labelled 0-4, for meta-training."""
    digits = load_digits()
    return _of_classes(digits.x_train, digits.y_train, BASE)


@functools.cache
def load() -> Splits:
    """Support: the first ``SHOTS`` training images of each novel class; validation and test: the digits task's."""
    import numpy as np

    digits = load_digits()
    x, y = _of_classes(digits.x_train, digits.y_train, NOVEL)
    support = np.concatenate([np.flatnonzero(y == label)[:SHOTS] for label in range(WAYS)])
    return checked(
        "digits-few-shot",
        as_arrays(
            x[support],
            y[support],
            *_of_classes(digits.x_val, digits.y_val, NOVEL),
            *_of_classes(digits.x_test, digits.y_test, NOVEL),
        ),
    )


DIGITS_FEW_SHOT = Task(
    name="digits-few-shot",
    kind="classification",
    description=f"{WAYS}-way {SHOTS}-shot digits: classes 5-9 held out from the base classes 0-4 (meta-training)",
    load=load,
    architecture=MLP((64, 64, 64, WAYS)),
    n_classes=WAYS,
    # ten passes over the 25-image support set: fine-tuning, not training from scratch
    budget=Budget(presentations=250),
    quick_budget=Budget(presentations=250),
    targets=(0.5, 0.8, 0.9),
    dataset="digits-few-shot",
    suite="toys",
)
