"""Building a task's splits: stratified splits of a packaged dataset, or splits drawn from a generator.

Every split is fixed independently of the run's seed, so all runs of all algorithms see the same train,
validation and test examples; the run's seed decides only the initialisation and the order of presentation.
Both helpers check the arrays against the task's dataset card.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from harness.contract import Splits
from harness.tasks.cards import verify

SPLIT_SEED = 0
SPLIT_NAMES = ("train", "val", "test")


def as_arrays(x_train, y_train, x_val, y_val, x_test, y_test) -> Splits:
    """Contiguous float32 inputs and int64 labels."""
    import numpy as np

    def inputs(a):
        return np.ascontiguousarray(a, dtype=np.float32)

    def labels(a):
        return np.ascontiguousarray(a, dtype=np.int64)

    return Splits(inputs(x_train), labels(y_train), inputs(x_val), labels(y_val), inputs(x_test), labels(y_test))


def stratified_splits(card: str, x, y, n_val: int, n_test: int) -> Splits:
    """Test, then validation, split off ``(x, y)`` by scikit-learn's stratified shuffle-split with ``SPLIT_SEED``."""
    from sklearn.model_selection import train_test_split

    x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=n_test, stratify=y, random_state=SPLIT_SEED)
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=n_val, stratify=y_rest, random_state=SPLIT_SEED
    )
    return checked(card, as_arrays(x_train, y_train, x_val, y_val, x_test, y_test))


def carved(x, y, n_val: int) -> tuple:
    """``(x_train, x_val, y_train, y_val)``: ``n_val`` examples of a training set ``(x, y)`` held out for
    validation, stratified, by scikit-learn's shuffle-split with ``SPLIT_SEED``."""
    from sklearn.model_selection import train_test_split

    return tuple(train_test_split(x, y, test_size=n_val, stratify=y, random_state=SPLIT_SEED))


def generated_splits(card: str, seed, sizes: Mapping[str, int], draw: Callable[[int, object, int], Sequence]) -> Splits:
    """Train, validation and test drawn in that order from one numpy generator seeded with ``seed``.

    ``draw(n, rng, drawn)`` returns the split's ``[inputs, targets]`` for ``n`` examples; ``drawn`` is how
    many examples the earlier splits took (for generators that give every example features of its own).
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    arrays, drawn = [], 0
    for split in SPLIT_NAMES:
        arrays += draw(sizes[split], rng, drawn)
        drawn += sizes[split]
    return checked(card, Splits(*arrays))


def checked(card: str, splits: Splits) -> Splits:
    """``splits``, after comparing them with their dataset card (a drift is a warning)."""
    verify(card, splits)
    return splits
