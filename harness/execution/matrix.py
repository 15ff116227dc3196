"""Running a matrix of runs into a store: skip what is done, execute the rest, save each as it ends.

Done is a finished run, or a failed one unless ``retry_failed``; a run that failed by exceeding its time limit
is not done when it is now given a larger limit (the limit is not part of its key), so that rerunning with a
larger ``--time-limit`` runs exactly the runs that timed out under a smaller one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from harness.execution.protocol import EXCEEDED_TIME_LIMIT, Executor
from harness.training.spec import RunSpec, code_version, run_key


@dataclass
class Summary:
    planned: int = 0
    skipped: int = 0
    finished: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (label, reason, run key)
    store_seconds: dict[str, float] = field(default_factory=dict)  # run key -> seconds its row took to save


def store_row(registry, spec: RunSpec, result: dict) -> dict:
    """The store's row for a run, from the worker's result (which may be a bare failure); ``metrics["lean"]`` is
    True for a lean run, ``metrics["tuned"]`` a tuned run's provenance (``RunSpec.tuning``)."""
    from harness.results import environment

    algorithm = registry.algorithm(spec.algorithm)
    plugin_version = registry.versions.get(spec.algorithm, "?")
    return {
        "run_key": run_key(registry, spec),
        "suite": spec.suite,
        "task": spec.task,
        "algorithm": spec.algorithm,
        "seed": spec.seed,
        "overrides": spec.config,
        "config": result.get("config") or algorithm.config_for(spec.task, spec.config),
        "budget": asdict(spec.budget),
        "code_version": code_version(registry, spec),
        "status": result["status"],
        "reason": result.get("reason"),
        # failed or not, a lean run is marked as one, so that reports leave it out
        "metrics": {
            **result.get("metrics", {}),
            **({"lean": True} if spec.lean else {}),
            **({"tuned": spec.tuning} if spec.tuning is not None else {}),
        },
        "curve": result.get("curve", []),
        "environment": result.get("environment") or environment.describe(spec.device, plugin_version),
        "wall_seconds": result.get("wall_seconds", 0.0),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def is_done(store, registry, retry_failed: bool = False) -> Callable[[RunSpec], bool]:
    """Whether a run is done in ``store`` as it is now (the module's docstring says what done is)."""
    done = store.keys(("finished",) if retry_failed else ("finished", "failed"))
    exceeded = {key: m[EXCEEDED_TIME_LIMIT] for key, m in store.failed_metrics().items() if EXCEEDED_TIME_LIMIT in m}

    def done_in_store(spec: RunSpec) -> bool:
        key = run_key(registry, spec)
        return key in done and exceeded.get(key, math.inf) >= spec.time_limit

    return done_in_store


def run_matrix(
    specs: Iterable[RunSpec],
    store,
    executor: Executor,
    registry,
    retry_failed: bool = False,
    on_start: Callable[[list[RunSpec]], None] | None = None,
    on_result: Callable[[RunSpec, dict], None] | None = None,
) -> Summary:
    """Execute the runs not already in ``store``; each result is committed as soon as it arrives.

    ``specs`` is a list, or a lazy iterable taken as the executor has room (``harness.execution.protocol``):
    then ``on_start`` is not called, and the summary counts the runs it was given by the end.
    """
    done = is_done(store, registry, retry_failed)
    summary = Summary()

    def todo(specs):
        for spec in specs:
            summary.planned += 1
            if done(spec):
                summary.skipped += 1
            else:
                yield spec

    if isinstance(specs, list):
        specs = list(todo(specs))
        if on_start:
            on_start(specs)
    else:
        specs = todo(specs)

    def save(spec: RunSpec, result: dict) -> None:
        row = store_row(registry, spec, result)
        started = time.perf_counter()
        store.save(row, result.get("traceback"), result.get("output"))
        summary.store_seconds[row["run_key"]] = time.perf_counter() - started
        if result["status"] == "finished":
            summary.finished += 1
        else:
            summary.failed.append((spec.label(), result.get("reason") or "unknown", row["run_key"]))
        if on_result:
            on_result(spec, result)

    executor.run(specs, save)
    return summary
