"""Dataset cards: provenance, licence and the checksum of the arrays a task loads.

The cards live in the repository's ``datasets/`` folder, which is installed as
the resource package ``harness.tasks.card_files`` (never as a top-level
``datasets`` package, which would shadow Hugging Face's).  A task checks the
arrays it built against its card, so a change in an upstream generator or
package cannot silently change the benchmark.
"""

from __future__ import annotations

import contextlib
import hashlib
import tomllib
import warnings
from collections.abc import Iterator
from importlib.resources import files

from harness.errors import DatasetDriftWarning

CARDS_PACKAGE = "harness.tasks.card_files"
_substitutes: dict[str, dict] = {}


def card(name: str) -> dict:
    if name in _substitutes:
        return _substitutes[name]
    text = files(CARDS_PACKAGE).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@contextlib.contextmanager
def substituted(name: str, **fields) -> Iterator[dict]:
    """Within the block, in this process, the card ``name`` with ``fields`` replaced: a test hook, e.g. for the
    checksums of generated files in a dataset's format."""
    _substitutes[name] = {**card(name), **fields}
    try:
        yield _substitutes[name]
    finally:
        del _substitutes[name]


def checksum(splits) -> str:
    """SHA-256 over the six split arrays, in a fixed order, as little-endian bytes."""
    digest = hashlib.sha256()
    for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        array = getattr(splits, name)
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def verify(name: str, splits) -> str:
    """Compare the arrays with the card's checksum; warn on drift; return the checksum."""
    actual = checksum(splits)
    expected = card(name).get("sha256")
    if actual != expected:
        warnings.warn(
            f"dataset {name!r} differs from its card (sha256 {actual[:12]}…, card says {str(expected)[:12]}…); "
            "results may not be comparable with published ones",
            DatasetDriftWarning,
            stacklevel=2,
        )
    return actual
