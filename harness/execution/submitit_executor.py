"""The submitit executor: runs as submitit jobs, on SLURM when it is there (see ``harness.execution.executors``)."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable

from harness.errors import HarnessError
from harness.execution.local_executor import run_isolated
from harness.execution.protocol import DEFAULT_MEMORY_LIMIT, engine_failure
from harness.training.spec import RunSpec

DEFAULT_SUBMITIT_FOLDER = "creditbench-submitit"
SUBMITIT_POLL_SECONDS = 0.5


class SubmititExecutor:
    """Runs specs as submitit jobs: on SLURM when it is there (or ``cluster="slurm"``), else locally.

    A job runs up to ``runs_per_job`` runs one after another, each isolated as
    everywhere else: a job starts a Python interpreter that imports torch
    (seconds), which tiny runs should share.  At most ``jobs`` jobs are queued
    or running at once; the coordinator polls them and submits the next as one
    ends.  ``folder`` holds submitit's job files and logs, and must be on a file
    system the nodes share.  A job's time limit (``timeout_min``) is the sum of
    its runs' time limits plus a margin; each run is killed at its own
    limit first.
    """

    def __init__(
        self,
        folder: str = DEFAULT_SUBMITIT_FOLDER,
        cluster: str | None = None,
        partition: str | None = None,
        runs_per_job: int = 1,
        jobs: int = 1,
        threads: int = 1,
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    ):
        self.folder = folder
        self.cluster = cluster
        self.partition = partition
        self.runs_per_job = max(1, runs_per_job)
        self.jobs = max(1, jobs)
        self.threads = threads
        self.memory_limit = memory_limit

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
        seconds = sum(spec.time_limit for spec in specs)
        executor.update_parameters(timeout_min=math.ceil(seconds / 60) + 5)
        try:
            return executor.submit(run_isolated, specs, self.threads, self.memory_limit)
        except Exception as error:  # e.g. sbatch refused the job
            raise HarnessError(f"submitit could not submit {specs[0].label()}: {error}") from None

    def run(self, specs: Iterable[RunSpec], on_result: Callable[[RunSpec, dict], None]) -> None:
        executor = None  # made with the first job: no job files for no runs
        pending = iter(specs)
        running: list[tuple[object, list[RunSpec], float]] = []
        try:
            while True:
                while len(running) < self.jobs and (chunk := list(itertools.islice(pending, self.runs_per_job))):
                    executor = executor or self._executor()
                    running.append((self._submit(executor, chunk), chunk, time.monotonic()))
                if not running:
                    return
                done = [entry for entry in running if entry[0].done()]
                if not done:
                    time.sleep(SUBMITIT_POLL_SECONDS)
                for entry in done:
                    running.remove(entry)
                    job, chunk, started = entry
                    try:
                        results = job.result()
                    except Exception as error:  # the job died outside the isolated runs (node failure, preemption)
                        results = [engine_failure("submitit", error, started)] * len(chunk)
                    for spec, result in zip(chunk, results):
                        on_result(spec, result)
        finally:
            for job, _, _ in running:
                job.cancel(check=False)
