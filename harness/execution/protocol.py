"""The executor protocol: how many runs are executed, wherever they execute, and the limits every run gets.

An executor's ``run(specs, on_result)`` calls ``on_result(spec, result)`` in the coordinating process as
each run ends, so the coordinator alone writes the store (no concurrent writers on a shared file system).
``result`` is the worker's dict (``harness.execution.worker``): ``status`` ``"finished"`` or ``"failed"``,
``reason``, ``metrics``, ``curve``, ``environment``, ``wall_seconds``.  Whatever happens to a run (an
exception, a hang, a crash, an out-of-memory kill, a lost remote task), the executor reports one failed
run with the reason and goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from harness.errors import first_line
from harness.training.spec import RunSpec

DEFAULT_MEMORY_LIMIT = 6 << 30


class Executor(Protocol):
    def run(self, specs: list[RunSpec], on_result: Callable[[RunSpec, dict], None]) -> None: ...


def default_time_limit(spec: RunSpec) -> float:
    """Training time is capped by the budget; allow for loading, evaluation and probes on top."""
    return 3 * spec.budget.wall_seconds + 60


def failed_result(reason: str, started: float) -> dict:
    """The result of a run that failed outside the plugin's control (``started``: ``time.monotonic()``)."""
    return {"status": "failed", "reason": reason, "wall_seconds": time.monotonic() - started}


def engine_failure(engine: str, error: BaseException, started: float) -> dict:
    return failed_result(f"{engine} task failed ({first_line(error)})", started)
