"""The executor protocol: how many runs are executed, wherever they execute, and the limits every run gets.

An executor's ``run(specs, on_result)`` calls ``on_result(spec, result)`` in the coordinating process as
each run ends, so the coordinator alone writes the store (no concurrent writers on a shared file system).
``result`` is the worker's dict (``harness.execution.worker``): ``status`` ``"finished"`` or ``"failed"``,
``reason``, ``metrics``, ``curve``, ``environment``, ``wall_seconds``.  Whatever happens to a run (an
exception, a hang, a crash, an out-of-memory kill, a lost remote task), the executor reports one failed
run with the reason and goes on.

``specs`` may be a lazy iterable: an executor takes the next spec only when it has a slot free for it (a list
may be handed to a cluster whole, for its scheduler to queue), so that a caller can choose its later runs from
its earlier results by passing a generator (``creditbench tune`` asks its next trial as each one ends).

Every run gets a memory limit and its spec's time limit (``RunSpec.time_limit``, a safety limit: see
``harness.execution.suites``), counted from the worker's start to its result.  A run that passes it is
killed and reported by ``timed_out``: failed, with the limit in its reason and in its metrics
(``EXCEEDED_TIME_LIMIT``), so that a rerun under a larger limit runs it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Protocol

from harness.errors import first_line
from harness.training.spec import RunSpec

DEFAULT_MEMORY_LIMIT = 6 << 30
EXCEEDED_TIME_LIMIT = "exceeded_time_limit"  # a timed-out run's metric: the limit, in seconds, it ran past


class Executor(Protocol):
    def run(self, specs: Iterable[RunSpec], on_result: Callable[[RunSpec, dict], None]) -> None: ...


def timed_out(limit: float, started: float) -> dict:
    """The result of a run killed at its time limit (``started``: ``time.monotonic()``): failed, never scored."""
    result = failed_result(f"timed out: exceeded the safety time limit of {limit:g} s", started)
    result["metrics"] = {EXCEEDED_TIME_LIMIT: limit}
    return result


def failed_result(reason: str, started: float) -> dict:
    """The result of a run that failed outside the plugin's control (``started``: ``time.monotonic()``)."""
    return {"status": "failed", "reason": reason, "wall_seconds": time.monotonic() - started}


def engine_failure(engine: str, error: BaseException, started: float) -> dict:
    return failed_result(f"{engine} task failed ({first_line(error)})", started)
