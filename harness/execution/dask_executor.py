"""The Dask executor: runs on a Dask distributed cluster (see ``harness.execution.executors``)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

from harness.errors import HarnessError
from harness.execution.local_executor import run_isolated
from harness.execution.protocol import DEFAULT_MEMORY_LIMIT, engine_failure
from harness.training.spec import RunSpec

DASK_CONNECT_TIMEOUT = "10s"


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

    def __init__(
        self,
        scheduler: str | None = None,
        jobs: int = 1,
        threads: int = 1,
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    ):
        self.scheduler = scheduler
        self.jobs = max(1, jobs)
        self.threads = threads
        self.memory_limit = memory_limit

    def run(self, specs: Iterable[RunSpec], on_result: Callable[[RunSpec, dict], None]) -> None:
        if isinstance(specs, list) and not specs:
            return
        from distributed import as_completed

        client, cluster = self._connect()
        try:
            self._check_workers(client)  # before any run is taken: a lazy caller (tune's trials) loses none to it
            started = time.monotonic()
            pending = iter(specs)
            futures: dict[object, RunSpec] = {}
            completed = as_completed()

            def top_up() -> None:
                # a list is the scheduler's to queue whole; a lazy iterable is taken as the cluster's threads free up
                # (counted again each time: a cluster's workers may join late, or scale)
                room = math.inf if isinstance(specs, list) else max(1, sum(client.nthreads().values()))
                while len(futures) < room and (spec := next(pending, None)) is not None:
                    future = client.submit(run_isolated, [spec], self.threads, self.memory_limit, pure=False)
                    futures[future] = spec
                    completed.add(future)

            try:
                top_up()
                for future in completed:
                    try:
                        [result] = future.result()
                    except Exception as error:  # the engine lost the task; the run is recorded as failed
                        result = engine_failure("dask", error, started)
                    on_result(futures.pop(future), result)
                    top_up()
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
            cluster = LocalCluster(
                n_workers=self.jobs,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                memory_limit=0,
                silence_logs=logging.ERROR,
            )
        return Client(cluster), cluster

    def _check_workers(self, client) -> None:
        def daemonic() -> bool:
            import multiprocessing

            return multiprocessing.current_process().daemon

        if any(client.run(daemonic).values()):
            raise HarnessError(
                "the Dask workers are daemonic and cannot start isolated runs; "
                "start them with DASK_DISTRIBUTED__WORKER__DAEMON=False"
            )
