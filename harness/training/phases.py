"""Where a run's wall time goes: seconds per phase, accumulated as the run proceeds.

The phases a run records (``metrics["phase_seconds"]``; ``creditbench profile`` sums them):
``worker_start`` (the coordinator starting the process until the worker runs), ``registry`` (loading the
plugins), ``data_load``, ``build``, ``train`` (timed steps only), ``evaluation``, ``fidelity_probe``, one
``cost_probe:<instrument>`` per instrument, one ``metric:<name>`` per metric, ``trial`` (a tuning run opening
its trial and reporting each evaluation to it), ``return`` (sending the result back); ``other`` is the rest of the worker's time.  The local executor measures ``worker_start`` and
``return``; others leave them out.
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager


class Phases:
    """Seconds per named phase; ``with phases("evaluation"): ...`` adds the block's wall time."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] += seconds

    def as_dict(self) -> dict[str, float]:
        return dict(self.seconds)
