"""What every run of a suite computes alike, computed once: a task's splits, the robustness metric's
reference model.

Each run is a fresh worker process, so without this each one would generate its task's data (MNIST-1D is
generated, scikit-learn's digits are split) and train the reference model again.  The local executor gives
its workers one folder; the first worker that needs a value computes it and saves it there (written to a
temporary file, then renamed, so a reader never sees half a file), the others wait for it and read it.  The values are
bit-identical either way: arrays and tensors are saved exactly.  Without a folder (in-process use, other
executors) values are computed and kept for the process only.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

_folder: Path | None = None
_memory: dict[str, Any] = {}


def use_folder(path: str | os.PathLike | None) -> None:
    """Share values through ``path`` from now on (None: keep them in this process only)."""
    global _folder
    _folder = Path(path) if path else None
    _memory.clear()


def shared(
    key: str,
    compute: Callable[[], Any],
    write: Callable[[Any, str], bool],
    read: Callable[[str], Any],
    owner: Any = None,
):
    """The value for ``key``: from this process, else from the folder, else ``compute()`` (then saved).

    ``owner`` (a task's loader) is part of the key in this process: a task rebuilt under the same name with
    another loader, e.g. a view of its validation split, is another value.  Across processes the key must
    say it, as the keys below do with the task's name and its loader's qualified name.  ``write(value,
    path)`` saves the value and returns False when it cannot be saved exactly (the value is then used but
    not shared); ``read(path)`` loads it.
    """
    found = _memory.get(key)
    if found is not None and found[0] == owner:  # == : a bound method is a new object at each access
        return found[1]
    path = _folder / hashlib.sha256(key.encode()).hexdigest() if _folder else None
    if path is None:
        value = compute()
    else:
        with _lock(path):  # a worker that needs the value while another computes it waits, then reads it
            if path.exists():
                value = read(str(path))
            else:
                value = compute()
                _save(value, path, write)
    _memory[key] = (owner, value)
    return value


@contextlib.contextmanager
def _lock(path: Path):
    """An exclusive lock on ``path``'s value among processes; the system releases it if its holder dies."""
    with open(path.with_name(path.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def loader_name(task) -> str:
    """The task's name and its loader's qualified name: what identifies its splits across processes."""
    load = task.load
    return f"{task.name}:{getattr(load, '__module__', '')}.{getattr(load, '__qualname__', type(load).__name__)}"


def _save(value, path: Path, write) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    os.close(handle)
    try:
        if write(value, temporary):
            os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def splits(task):
    """``task.load()``, once per suite."""
    from harness.contract import Splits

    def write(value, path: str) -> bool:
        import numpy as np

        arrays = vars(value)
        if not all(isinstance(a, np.ndarray) and a.dtype != object for a in arrays.values()):
            return False  # lists or tensors: saving would convert them
        with open(path, "wb") as handle:
            np.savez(handle, **arrays)
        return True

    def read(path: str):
        import numpy as np

        with np.load(path, allow_pickle=False) as saved:
            return Splits(**{name: saved[name] for name in saved.files})

    return shared(f"splits:{loader_name(task)}", task.load, write, read, owner=task.load)
