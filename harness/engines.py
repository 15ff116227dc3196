"""Executors on existing distributed engines: Dask distributed, and submitit for SLURM clusters.

Every executor has the interface of ``harness.executor.LocalExecutor``:
``run(specs, on_result)`` calls ``on_result(spec, result)`` in the
coordinating process as each run ends, so the coordinator alone writes the
store (no concurrent writers on a shared file system).  A remote task runs its
spec through the same isolation as a local run (``run_isolated``: a one-run
``LocalExecutor`` inside the remote worker, so the wall-clock kill, the memory
limit, the log redirection and the failure reasons are the same everywhere)
and returns the result dict.  Anything that goes wrong on the engine's side (a
task that cannot be sent, a node that dies) is recorded as a failed run whose
reason names the engine.

Results travel through each engine's own transport (Dask's serialisation,
submitit's pickle files in its folder): that channel is between the
coordinator and jobs it submitted itself.  The store, exports and imports never
hold a pickle.

Ray is not offered: for independent, coarse runs it adds nothing Dask does not
(connect to a running cluster or start a local one, futures as they complete,
per-worker resources), at the price of a much heavier dependency.
"""

from __future__ import annotations

import math
import time
from typing import Callable

from harness.errors import HarnessError
from harness.executor import DEFAULT_MEMORY_LIMIT, LocalExecutor
from harness.runner import RunSpec

EXECUTORS = ("local", "dask", "submitit")
DEFAULT_SUBMITIT_FOLDER = "creditbench-submitit"
SUBMITIT_POLL_SECONDS = 0.5
DASK_CONNECT_TIMEOUT = "10s"


def run_isolated(specs: list[RunSpec], threads: int, memory_limit: int | None, time_limit: float | None) -> list[dict]:
    """Run specs one after another, each in an isolated worker process on this machine; their result dicts."""
    results = {}
    LocalExecutor(jobs=1, threads=threads, memory_limit=memory_limit, time_limit=time_limit).run(
        specs, lambda spec, result: results.__setitem__(id(spec), result))
    return [results[id(spec)] for spec in specs]


def _engine_failure(engine: str, error: BaseException, started: float) -> dict:
    text = f"{type(error).__name__}: {error}".strip().splitlines()[0][:300]
    return {"status": "failed", "reason": f"{engine} task failed ({text})", "wall_seconds": time.monotonic() - started}


class DaskExecutor:
    """Runs on a Dask distributed cluster: the one at ``scheduler`` or, without one, a local cluster.

    The local cluster has ``jobs`` single-threaded worker processes, everything
    bound to 127.0.0.1 (the scheduler's HTTP endpoints on a free port).  Dask worker processes are daemonic by
    default and a daemonic process cannot start the isolated run's process, so
    workers of an existing cluster must be started non-daemonic (e.g.
    ``DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker ADDRESS``); the
    executor checks this before submitting anything.  Each worker thread runs
    one run at a time, so an existing cluster's parallelism is its thread count.
    """

    def __init__(self, scheduler: str | None = None, jobs: int = 1, threads: int = 1,
                 memory_limit: int | None = DEFAULT_MEMORY_LIMIT, time_limit: float | None = None):
        self.scheduler = scheduler
        self.jobs = max(1, jobs)
        self.threads = threads
        self.memory_limit = memory_limit
        self.time_limit = time_limit

    def run(self, specs: list[RunSpec], on_result: Callable[[RunSpec, dict], None]) -> None:
        if not specs:
            return
        from distributed import as_completed

        client, cluster = self._connect()
        try:
            self._check_workers(client)
            started = time.monotonic()
            futures = {
                client.submit(run_isolated, [spec], self.threads, self.memory_limit, self.time_limit, pure=False): spec
                for spec in specs
            }
            try:
                for future in as_completed(futures):
                    try:
                        [result] = future.result()
                    except Exception as error:  # the engine lost the task; the run is recorded as failed
                        result = _engine_failure("dask", error, started)
                    on_result(futures[future], result)
            finally:
                client.cancel(list(futures))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def _connect(self):
        import logging

        import dask
        from distributed import Client, LocalCluster

        if self.scheduler:
            try:
                return Client(self.scheduler, timeout=DASK_CONNECT_TIMEOUT), None
            except (OSError, TimeoutError, ValueError) as error:
                raise HarnessError(f"cannot connect to the Dask scheduler at {self.scheduler}: {error}") from None
        with dask.config.set({"distributed.worker.daemon": False}):
            cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address="127.0.0.1:0", memory_limit=0, silence_logs=logging.ERROR)
        return Client(cluster), cluster

    def _check_workers(self, client) -> None:
        def daemonic() -> bool:
            import multiprocessing

            return multiprocessing.current_process().daemon

        if any(client.run(daemonic).values()):
            raise HarnessError("the Dask workers are daemonic and cannot start isolated runs; "
                               "start them with DASK_DISTRIBUTED__WORKER__DAEMON=False")


class SubmititExecutor:
    """Runs specs as submitit jobs: on SLURM when it is there (or ``cluster="slurm"``), else locally.

    A job runs up to ``runs_per_job`` runs one after another, each isolated as
    everywhere else: a job starts a Python interpreter that imports torch
    (seconds), which tiny runs should share.  At most ``jobs`` jobs are queued
    or running at once; the coordinator polls them and submits the next as one
    ends.  ``folder`` holds submitit's job files and logs, and must be on a file
    system the nodes share.  A job's time limit (``timeout_min``) is the sum of
    its runs' wall-clock limits plus a margin; each run is killed at its own
    limit first.
    """

    def __init__(self, folder: str = DEFAULT_SUBMITIT_FOLDER, cluster: str | None = None, partition: str | None = None,
                 runs_per_job: int = 1, jobs: int = 1, threads: int = 1,
                 memory_limit: int | None = DEFAULT_MEMORY_LIMIT, time_limit: float | None = None):
        self.folder = folder
        self.cluster = cluster
        self.partition = partition
        self.runs_per_job = max(1, runs_per_job)
        self.jobs = max(1, jobs)
        self.threads = threads
        self.memory_limit = memory_limit
        self.time_limit = time_limit

    def _executor(self):
        import submitit

        executor = submitit.AutoExecutor(folder=self.folder, cluster=self.cluster)
        parameters = {"cpus_per_task": self.threads, "name": "creditbench"}
        if self.memory_limit:
            parameters["mem_gb"] = math.ceil(self.memory_limit / (1 << 30)) + 1
        if self.partition:
            parameters["slurm_partition"] = self.partition
        executor.update_parameters(**parameters)
        return executor

    def _submit(self, executor, specs: list[RunSpec]):
        from harness.executor import default_time_limit

        seconds = sum(self.time_limit or default_time_limit(spec) for spec in specs)
        executor.update_parameters(timeout_min=math.ceil(seconds / 60) + 5)
        try:
            return executor.submit(run_isolated, specs, self.threads, self.memory_limit, self.time_limit)
        except Exception as error:  # e.g. sbatch refused the job
            raise HarnessError(f"submitit could not submit {specs[0].label()}: {error}") from None

    def run(self, specs: list[RunSpec], on_result: Callable[[RunSpec, dict], None]) -> None:
        if not specs:
            return
        executor = self._executor()
        pending = [specs[i : i + self.runs_per_job] for i in range(0, len(specs), self.runs_per_job)][::-1]
        running: list[tuple[object, list[RunSpec], float]] = []
        try:
            while pending or running:
                while pending and len(running) < self.jobs:
                    chunk = pending.pop()
                    running.append((self._submit(executor, chunk), chunk, time.monotonic()))
                done = [entry for entry in running if entry[0].done()]
                if not done:
                    time.sleep(SUBMITIT_POLL_SECONDS)
                for entry in done:
                    running.remove(entry)
                    job, chunk, started = entry
                    try:
                        results = job.result()
                    except Exception as error:  # the job died outside the isolated runs (node failure, preemption)
                        results = [_engine_failure("submitit", error, started)] * len(chunk)
                    for spec, result in zip(chunk, results):
                        on_result(spec, result)
        finally:
            for job, _, _ in running:
                job.cancel(check=False)


def make_executor(name: str, jobs: int = 1, threads: int = 1, memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
                  time_limit: float | None = None, scheduler: str | None = None,
                  folder: str = DEFAULT_SUBMITIT_FOLDER, cluster: str | None = None, partition: str | None = None,
                  runs_per_job: int = 1):
    """The executor called ``name`` (one of EXECUTORS); options of other executors are refused."""
    limits = {"jobs": jobs, "threads": threads, "memory_limit": memory_limit, "time_limit": time_limit}
    if scheduler and name != "dask":
        raise HarnessError("--scheduler applies only to --executor dask")
    if (cluster or partition or folder != DEFAULT_SUBMITIT_FOLDER or runs_per_job != 1) and name != "submitit":
        raise HarnessError("--submitit-folder, --cluster, --partition and --runs-per-job apply only to --executor submitit")
    if name == "local":
        return LocalExecutor(**limits)
    if name == "dask":
        return DaskExecutor(scheduler=scheduler, **limits)
    if name == "submitit":
        return SubmititExecutor(folder=folder, cluster=cluster, partition=partition, runs_per_job=runs_per_job, **limits)
    raise HarnessError(f"unknown executor {name!r} (known: {', '.join(EXECUTORS)})")
