"""The IDX format of the MNIST family's files (LeCun et al. 1998), gzipped or not.

An IDX file is a magic number (two zero bytes, a type code, the number of dimensions), each dimension as a
big-endian 32-bit integer, then the values in row-major order.  MNIST and Fashion-MNIST use one type, unsigned
bytes (0x08): images ``(n, 28, 28)`` and labels ``(n,)``.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib

from harness.errors import MalformedFile

UNSIGNED_BYTE = 0x08


def read(name: str, raw: bytes):
    """The array held by the file called ``name`` (gzipped when it ends in ``.gz``) whose bytes are ``raw``."""
    return parse(decompress(raw) if name.endswith(".gz") else raw)


def decompress(raw: bytes) -> bytes:
    try:
        return gzip.decompress(raw)
    except EOFError:
        raise MalformedFile("truncated (its gzip stream ends early)") from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise MalformedFile(f"not a gzip file ({error})") from None


def parse(data: bytes):
    """The uint8 array of an uncompressed IDX file of unsigned bytes (a read-only view of ``data``)."""
    import numpy as np

    if len(data) < 4 or data[:2] != b"\0\0":
        raise MalformedFile("not an IDX file (it does not start with an IDX magic number)")
    kind, dimensions = data[2], data[3]
    if kind != UNSIGNED_BYTE:
        raise MalformedFile(f"an IDX file of type 0x{kind:02x}, not of unsigned bytes (0x08)")
    header = 4 + 4 * dimensions
    if len(data) < header:
        raise MalformedFile(f"truncated (it ends within its {header}-byte header)")
    shape = struct.unpack(f">{dimensions}I", data[4:header])
    expected = header + math.prod(shape)
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "longer than its header says"
        raise MalformedFile(f"{problem} (its header promises {expected:,} bytes, it holds {len(data):,})")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)
