"""CIFAR-10's and CIFAR-100's python batches, read by an unpickler that admits only what they contain.

A batch (Krizhevsky 2009; the ``cifar-10-batches-py`` and ``cifar-100-python`` folders of the official
archives, which torchvision also leaves) is a dict pickled by Python 2: ``data``, a uint8 array ``(n, 3072)``
of 32×32 colour images (the red, green and blue planes one after the other, each row-major), the labels as a
list of ints (``labels`` in CIFAR-10, ``fine_labels`` and ``coarse_labels`` in CIFAR-100), and strings.
Dicts, lists, strings and numbers are pickle opcodes; the only callables a batch names are numpy's array
reconstruction: ``numpy.core.multiarray._reconstruct`` (``numpy._core`` from numpy 2 on), ``numpy.ndarray``
and ``numpy.dtype``.  A plain ``pickle.load`` calls whatever a file names, so a tampered batch could run any
code; this unpickler resolves those names and refuses every other before anything is called.
"""

from __future__ import annotations

import pickle

from harness.errors import MalformedFile

PIXELS = 3 * 32 * 32
_ARRAY_NAMES = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


class _BatchUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        import numpy as np

        if (module, name) not in _ARRAY_NAMES:
            raise MalformedFile(
                f"refused: it names {module}.{name}, which no CIFAR batch does (a batch holds only numpy arrays, "
                "lists, strings and numbers)"
            )
        if name == "_reconstruct":
            return np.ndarray.__reduce__(np.empty(0))[0]  # numpy's own, whatever its module is called
        return getattr(np, name)


def read(raw: bytes, labels_key: str):
    """``(images, labels)`` of a batch whose bytes are ``raw``: uint8 ``(n, 3072)`` and int64 ``(n,)``."""
    import io

    import numpy as np

    try:
        # latin1: Python 2's byte strings become str, which numpy reads back as the array's bytes
        batch = _BatchUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except MalformedFile:
        raise
    except (EOFError, pickle.UnpicklingError) as error:
        if isinstance(error, EOFError) or "truncated" in str(error):
            raise MalformedFile("truncated (its pickle ends early)") from None
        raise MalformedFile(f"not a pickled CIFAR batch ({error})") from None
    except Exception as error:  # whatever the admitted constructors reject
        raise MalformedFile(f"not a pickled CIFAR batch ({type(error).__name__}: {error})") from None
    images = batch.get("data") if isinstance(batch, dict) else None
    if not (isinstance(images, np.ndarray) and images.dtype == np.uint8 and images.shape[1:] == (PIXELS,)):
        raise MalformedFile(f"not a CIFAR batch (no uint8 'data' array of {PIXELS} pixels per image)")
    labels = batch.get(labels_key)
    if not (isinstance(labels, list) and len(labels) == len(images) and all(type(v) is int for v in labels)):
        raise MalformedFile(f"not a CIFAR batch (no list of {len(images)} integer {labels_key!r})")
    return images, np.asarray(labels, dtype=np.int64)
