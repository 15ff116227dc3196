"""Pinned numerics: the same seed gives bit-identical scores on every x86-64 CPU with AVX2.

Which code path a library runs for a kernel depends on the CPU it finds: ATen picks its vectorised kernels
(``exp``, ``tanh``, softmax, reductions, the normal fill behind ``randn``) for AVX512, AVX2 or neither; MKL
picks its GEMM kernels per instruction set and vendor; oneDNN (convolutions) JIT-compiles for the largest ISA it
finds; OpenBLAS (numpy, scipy, scikit-learn's probes) picks a kernel per core type.  Different paths round
differently, and training amplifies the last bit into a different score.  So by default every run is pinned to
one baseline that every supported machine has, AVX2 (x86-64-v3: Intel since Haswell, AMD since Zen), by setting
these variables in the environment of the worker processes before they start:

* ``ATEN_CPU_CAPABILITY=avx2``: ATen's CPU kernels (torch reads it at the first kernel it runs);
* ``MKL_CBWR=AVX2,STRICT``: MKL's conditional numerical reproducibility, on its AVX2 branch, STRICT so that GEMM
  results depend neither on memory alignment nor on the thread count;
* ``MKL_ENABLE_INSTRUCTIONS=AVX2``: MKL's dispatch for functions outside CNR;
* ``ONEDNN_MAX_CPU_ISA=AVX2``: oneDNN's JIT kernels (convolutions);
* ``OPENBLAS_CORETYPE=Haswell``: OpenBLAS's kernels in numpy and scipy (read when they load).

Measured on an AMD EPYC with AVX512 (torch 2.13.0+cpu, MKL 2024.2, oneDNN 3.12): ``ATEN_CPU_CAPABILITY`` is
honoured and changes results (``avx2`` against ``avx512``, and ``default`` changes even ``randn``); an
upper-case value is ignored with a warning, hence the exact spelling.  MKL on a non-Intel CPU refuses the AVX2
branch and runs its CNR ``AUTO`` mode (recorded as ``mkl_cbwr: AUTO,STRICT``), which is deterministic but not
guaranteed equal to an Intel machine's AVX2 branch (turning CNR on changes GEMM results even there); only
``MKL_CBWR=COMPATIBLE`` is, at 2.4 times the time of a 64 x 784 x 256 product here (0.72 ms against 0.30 ms), so it
is not the default.  ``MKL_ENABLE_INSTRUCTIONS`` does not change results
there; on Intel CPUs with AVX512 MKL's branches do differ, which the CNR setting covers.  OpenBLAS reports its
Haswell kernels here even unpinned; on an Intel AVX512 machine it would pick SkylakeX.  A run computed in a process
that had loaded numpy before the variables were set keeps that process's OpenBLAS kernels (``describe`` records
them); workers always start with the variables set.

Precedence: a variable the user already set to the pinned value is fine; any other value is an error (one
line), since the run would silently not be pinned.  With ``native`` numerics (``creditbench run
--native-numerics``) nothing is set and the environment is used as it is, which is also how to restrict a
machine further by hand.  The setting is part of each run's identity (``RunSpec.numerics``), and each run's
environment records the variables and the kernels actually in use (``describe``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Iterator, Mapping

from harness.errors import HarnessError

PINNED = "avx2"
NATIVE = "native"
NUMERICS = (PINNED, NATIVE)

PINNED_ENVIRONMENT = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "MKL_CBWR": "AVX2,STRICT",
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "OPENBLAS_CORETYPE": "Haswell",
}
PINNED_ATEN_CAPABILITY = "AVX2"  # what torch.backends.cpu.get_cpu_capability() reports when the pinning holds

# mkl_cbwr_get's codes (mkl_service.h)
_MKL_CBWR_ALL = -1
_MKL_CBWR_STRICT = 0x10000
_MKL_CBWR_BRANCHES = {
    0: "OFF",
    1: "OFF",
    2: "AUTO",
    3: "COMPATIBLE",
    4: "SSE2",
    6: "SSSE3",
    7: "SSE4_1",
    8: "SSE4_2",
    9: "AVX",
    10: "AVX2",
    11: "AVX512_MIC",
    12: "AVX512",
    13: "AVX512_MIC_E1",
    14: "AVX512_E1",
    16: "AVX512_FP16",
}


def environment(numerics: str) -> dict[str, str]:
    """The variables a numerics setting sets (none for native)."""
    if numerics not in NUMERICS:
        raise HarnessError(f"unknown numerics {numerics!r} (known: {', '.join(NUMERICS)})")
    return dict(PINNED_ENVIRONMENT) if numerics == PINNED else {}


def check_environment(numerics: str, environ: Mapping[str, str] = os.environ) -> None:
    """Raise (one line) if ``environ`` already sets one of the pinned variables to another value."""
    for name, value in environment(numerics).items():
        if environ.get(name, value) != value:
            raise HarnessError(
                f"{name}={environ[name]} in the environment conflicts with the pinned numerics, which set "
                f"{name}={value}; unset it, or pass --native-numerics to run with the environment as it is"
            )


@contextlib.contextmanager
def applied(numerics: str) -> Iterator[None]:
    """This process's environment with the setting's variables while the block runs (to start workers in)."""
    check_environment(numerics)
    saved = {name: os.environ.get(name) for name in PINNED_ENVIRONMENT}
    os.environ.update(environment(numerics))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def pin(numerics: str) -> None:
    """Pin this process (a worker, or a test running a run in-process) and check the pinning holds.

    The variables stay set: the libraries read them lazily, at their first kernel.  A process whose torch has
    already chosen other kernels cannot be pinned any more, and says so.
    """
    check_environment(numerics)
    os.environ.update(environment(numerics))
    if numerics == PINNED and aten_capability() != PINNED_ATEN_CAPABILITY:
        raise HarnessError(
            f"numerics could not be pinned: torch already runs {aten_capability()} kernels in this process "
            f"(set ATEN_CPU_CAPABILITY={PINNED_ENVIRONMENT['ATEN_CPU_CAPABILITY']} before torch runs anything)"
        )


def aten_capability() -> str:
    import torch

    return torch.backends.cpu.get_cpu_capability()


def mkl_cbwr() -> str | None:
    """MKL's reproducibility mode in effect (``AVX2,STRICT``, ``AUTO,STRICT``, ``OFF``…), or None without MKL."""
    import torch

    try:
        library = ctypes.CDLL(os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cpu.so"))
        mode = library.mkl_serv_cbwr_get(ctypes.c_int(_MKL_CBWR_ALL))
    except (OSError, AttributeError):  # another build of torch: no MKL, or MKL not linked into libtorch_cpu
        return None
    branch = _MKL_CBWR_BRANCHES.get(mode & ~_MKL_CBWR_STRICT, str(mode & ~_MKL_CBWR_STRICT))
    return branch + (",STRICT" if mode & _MKL_CBWR_STRICT else "")


def describe(numerics: str) -> dict:
    """What a run's numbers were computed with: the setting, the variables, the kernels actually in use."""
    from threadpoolctl import threadpool_info

    return {
        "setting": numerics,
        "variables": {name: os.environ.get(name) for name in PINNED_ENVIRONMENT},
        "aten_cpu_capability": aten_capability(),
        "mkl_cbwr": mkl_cbwr(),
        "blas": sorted(
            {
                f"{info['internal_api']} {info.get('architecture', '?')}"
                for info in threadpool_info()
                if info["user_api"] == "blas"
            }
        ),
    }
