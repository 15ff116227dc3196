"""Choosing an executor: worker processes here, a Dask distributed cluster, or submitit jobs (SLURM).

Every executor follows ``harness.execution.protocol``.  On Dask and submitit, a remote task runs its
spec through the same isolation as a local run (``run_isolated``: a one-run
``LocalExecutor`` inside the remote worker, so the kill at the run's time limit, the memory
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

from harness.errors import HarnessError, unknown_name
from harness.execution.dask_executor import DaskExecutor
from harness.execution.local_executor import LocalExecutor
from harness.execution.protocol import DEFAULT_MEMORY_LIMIT, Executor
from harness.execution.submitit_executor import DEFAULT_SUBMITIT_FOLDER, SubmititExecutor

EXECUTORS = ("local", "dask", "submitit")


def make_executor(
    name: str,
    jobs: int = 1,
    threads: int = 1,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    scheduler: str | None = None,
    folder: str = DEFAULT_SUBMITIT_FOLDER,
    cluster: str | None = None,
    partition: str | None = None,
    runs_per_job: int = 1,
) -> Executor:
    """The executor called ``name`` (one of EXECUTORS); options of other executors are refused."""
    limits = {"jobs": jobs, "threads": threads, "memory_limit": memory_limit}
    if scheduler and name != "dask":
        raise HarnessError("--scheduler applies only to --executor dask")
    if (cluster or partition or folder != DEFAULT_SUBMITIT_FOLDER or runs_per_job != 1) and name != "submitit":
        raise HarnessError(
            "--submitit-folder, --cluster, --partition and --runs-per-job apply only to --executor submitit"
        )
    if name == "local":
        return LocalExecutor(**limits)
    if name == "dask":
        return DaskExecutor(scheduler=scheduler, **limits)
    if name == "submitit":
        return SubmititExecutor(
            folder=folder, cluster=cluster, partition=partition, runs_per_job=runs_per_job, **limits
        )
    raise HarnessError(unknown_name("executor", name, EXECUTORS))
