"""One run in one worker process, with a memory limit, and everything it needs to report back.

The worker redirects its stdout and stderr to a log file (a plugin that prints
wildly cannot flood the terminal), caps its address space with
``RLIMIT_AS`` (a plugin that exhausts memory gets an allocation error, not the
machine), checks that the run's numerics are pinned
(``harness.execution.numerics``), seeds every RNG, trains, computes every registered metric and sends
back a JSON-ready dict.  The coordinating process enforces the run's time
limit and records deaths by signal.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import time
import traceback

from harness.errors import HarnessError, RunFailed, first_line
from harness.execution import numerics
from harness.training.phases import Phases
from harness.training.spec import LEAN_METRICS, RunSpec

EXIT_NO_LOG = 3
MEMORY_ERROR_MARKERS = ("can't allocate", "out of memory", "std::bad_alloc", "cannot allocate memory")


def _redirect_output(log_path: str) -> None:
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)


def _limit_memory(limit_bytes: int | None) -> None:
    if limit_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def failure_reason(error: BaseException) -> str:
    text = first_line(error)
    if isinstance(error, MemoryError) or any(marker in str(error).lower() for marker in MEMORY_ERROR_MARKERS):
        return f"memory limit exceeded ({text})"
    if isinstance(error, (RunFailed, HarnessError)):
        return str(error)
    return f"plugin raised {text}"


def run_spec(spec: RunSpec, registry, phases: Phases | None = None) -> dict:
    """Train and measure one run in this process, its numerics pinned; the result row minus bookkeeping."""
    import torch

    from harness.results import environment
    from harness.training.loop import train

    numerics.pin(spec.numerics)
    started = time.perf_counter()
    phases = Phases() if phases is None else phases
    plugin_version = registry.versions.get(spec.algorithm, "unknown")
    on_evaluation = None
    if spec.trial is not None:
        from harness.tuning.pruning import reporter

        with phases("trial"):
            on_evaluation = reporter(spec.trial)
    run = train(spec, registry, phases, on_evaluation)
    metrics: dict = {
        "presentations": run.presentations,
        "steps": run.steps,
        "train_seconds": run.train_seconds,
    }
    if run.stopped_at is not None:
        metrics["pruned_at"] = run.stopped_at
    for metric in registry.metrics.values():
        if spec.lean and metric.name not in LEAN_METRICS:
            continue
        with phases(f"metric:{metric.name}"):
            metrics.update(metric.compute(run))
    metrics["phase_seconds"] = phases.as_dict()
    return {
        "status": "finished",
        "reason": None,
        "config": run.config,
        "metrics": metrics,
        "curve": run.curve,
        "environment": environment.describe(spec.device, plugin_version, torch.get_num_threads(), spec.numerics),
        "wall_seconds": time.perf_counter() - started,
    }


def main(
    spec_fields: dict,
    connection,
    log_path: str,
    shared_folder: str,
    memory_limit: int | None,
    threads: int,
    sys_path: list,
) -> None:
    """Entry point of the worker process; ``shared_folder`` holds what the suite's runs share."""
    # Ctrl-C reaches the whole process group; the coordinator handles it and stops its workers, so that an
    # interrupted run is not recorded as a plugin's failure.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    entered = time.monotonic()
    sys.path[:] = sys_path
    try:
        _redirect_output(log_path)
    except OSError:  # the coordinator is gone and took the log folder with it: nobody is waiting for this run
        os._exit(EXIT_NO_LOG)
    started = time.perf_counter()
    try:
        import random

        import numpy
        import torch
        from threadpoolctl import threadpool_limits

        from harness import shared_cache
        from harness.registry import registry

        shared_cache.use_folder(shared_folder)
        torch.set_num_threads(threads)
        threadpool_limits(threads)  # numpy's and scikit-learn's BLAS too (the unsupervised probe)
        spec = RunSpec.from_fields(spec_fields)
        random.seed(spec.seed)
        numpy.random.seed(spec.seed)
        _limit_memory(memory_limit)
        phases = Phases()
        with phases("registry"):
            plugins = registry()
        result = run_spec(spec, plugins, phases)
    except BaseException as error:  # everything a plugin can throw costs only this run
        traceback.print_exc()
        result = {"status": "failed", "reason": failure_reason(error), "wall_seconds": time.perf_counter() - started}
    result["clock"] = {"entered": entered, "sending": time.monotonic()}  # for the executor's worker_start, return
    try:
        connection.send(result)
    except Exception as error:  # e.g. a metric returned something that cannot be sent
        connection.send(
            {
                "status": "failed",
                "reason": f"result could not be returned: {error}",
                "wall_seconds": time.perf_counter() - started,
            }
        )
    connection.close()
