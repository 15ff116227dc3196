"""The associative retrieval task of Ba, Hinton, Mnih, Leibo & Ionescu (2016), section 4.1.

Each example is a string such as ``c9k8j3f1??c``: ``PAIRS`` key–value pairs (distinct letters as keys,
digits as values), the separator ``??`` and one of the keys as the query; the target is the query's value
(10 classes).  Characters arrive one per time step as one-hot vectors over 26 letters, 10 digits and ``?``,
so ``x`` has shape ``(n, 2 * PAIRS + 3, 37)``.

The paper's printed examples have four pairs, as here; it used 100,000 / 10,000 / 20,000 training /
validation / test strings.  We keep its 10 : 1 : 2 proportions at a fifth of the size (20,000 / 2,000 /
4,000): with 26·25·24·23·10⁴ possible strings, a network of 20 hidden units cannot memorise either set.
"""

from __future__ import annotations

import functools

from harness.architectures import RNN
from harness.contract import Budget, Splits, Task
from harness.tasks.splits import generated_splits

LETTERS = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
SEPARATOR = "?"
ALPHABET = LETTERS + DIGITS + SEPARATOR
PAIRS = 4
SIZES = {"train": 20_000, "val": 2_000, "test": 4_000}
SEED = 0


def generate(n: int, pairs: int, rng) -> tuple:
    """``n`` strings as character codes ``(n, 2 * pairs + 3)`` (indices into ``ALPHABET``) and their targets."""
    import numpy as np

    keys = rng.random((n, len(LETTERS))).argsort(axis=1)[:, :pairs]  # distinct letters per string
    values = rng.integers(0, len(DIGITS), size=(n, pairs))
    query = rng.integers(0, pairs, size=n)
    codes = np.empty((n, 2 * pairs + 3), dtype=np.int64)
    codes[:, 0 : 2 * pairs : 2] = keys
    codes[:, 1 : 2 * pairs : 2] = len(LETTERS) + values
    codes[:, 2 * pairs : 2 * pairs + 2] = ALPHABET.index(SEPARATOR)
    codes[:, -1] = keys[np.arange(n), query]
    return codes, values[np.arange(n), query]


def text(codes) -> str:
    """A string of character codes as the paper prints it, e.g. ``c9k8j3f1??c``."""
    return "".join(ALPHABET[code] for code in codes)


def one_hot(codes):
    import numpy as np

    return np.eye(len(ALPHABET), dtype=np.float32)[codes]


@functools.cache
def load() -> Splits:
    """20,000 / 2,000 / 4,000 strings of four pairs, drawn in that order from one generator seeded with ``SEED``."""
    import numpy as np

    def draw(n, rng, _):
        codes, targets = generate(n, PAIRS, rng)
        return [one_hot(codes), targets.astype(np.int64)]

    return generated_splits("assoc-retrieval", SEED, SIZES, draw)


ASSOC_RETRIEVAL = Task(
    name="assoc-retrieval",
    kind="sequence",
    description="associative retrieval (Ba et al. 2016): four letter–digit pairs, '??', a key; predict its digit",
    load=load,
    # Table 1's smallest recurrent layer; a ReLU RNN with identity-initialised recurrence, like the paper's IRNN
    architecture=RNN(len(ALPHABET), 20, len(DIGITS), cell="irnn", readout="last"),
    n_classes=len(DIGITS),
    # The paper trains to convergence on 100,000 strings; here 15 (standard) and 5 (quick) epochs of ours.
    budget=Budget(presentations=300_000),
    quick_budget=Budget(presentations=100_000),
    targets=(0.3, 0.5, 0.8, 0.95),
    dataset="assoc-retrieval",
)
