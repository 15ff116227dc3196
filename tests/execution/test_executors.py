"""Executors on distributed engines, and determinism: the same seed gives the same numbers on CPU,
across repeated runs and across executors."""

import logging

import pytest

from harness.contract import Budget
from harness.errors import HarnessError
from harness.execution import matrix
from harness.execution.dask_executor import DaskExecutor
from harness.execution.executors import make_executor
from harness.execution.local_executor import LocalExecutor
from harness.execution.submitit_executor import SubmititExecutor
from harness.registry import registry
from harness.results.store import Store
from harness.training.spec import RunSpec
from tests.reliability.helpers import comparable, stored_rows

# Real rules, one of them (es) drawing its own noise, on the tiny conformance task.
MATRIX = [("bp-sgd", 0), ("bp-sgd", 1), ("fa", 0), ("es", 0)]


def _run(executor, path, lazy=False) -> dict:
    specs = [RunSpec("conformance", algorithm, seed, Budget(320), suite="quick") for algorithm, seed in MATRIX]
    with Store(path) as store:
        summary = matrix.run_matrix(iter(specs) if lazy else specs, store, executor, registry())
    assert summary.finished == len(specs), summary.failed
    return comparable(stored_rows(path))


def test_same_seed_same_numbers_across_repeats_and_executors(faulty_plugins, tmp_path):
    import dask
    from distributed import LocalCluster

    first = _run(LocalExecutor(jobs=2), tmp_path / "local1.sqlite")
    assert first == _run(LocalExecutor(jobs=2), tmp_path / "local2.sqlite")
    # An existing cluster, reached by its address as a remote one would be.
    with (
        dask.config.set({"distributed.worker.daemon": False}),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            memory_limit=0,
            silence_logs=logging.ERROR,
        ) as cluster,
    ):
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        assert first == _run(DaskExecutor(scheduler=cluster.scheduler_address), tmp_path / "dask.sqlite")
        # a lazy stream is taken as the cluster's threads free up (creditbench tune's trials)
        assert first == _run(DaskExecutor(scheduler=cluster.scheduler_address), tmp_path / "lazy.sqlite", lazy=True)
    assert all(row["metrics"]["presentations"] == 320 for row in first.values())
    assert len({row["metrics"]["test_loss"] for row in first.values()}) == len(
        MATRIX
    )  # the runs differ from each other


class _Client:
    def __init__(self, daemonic):
        self.daemonic = daemonic

    def run(self, function):
        return {"tcp://127.0.0.1:1": self.daemonic}


def test_daemonic_dask_workers_are_refused_with_the_fix():
    with pytest.raises(HarnessError, match="DASK_DISTRIBUTED__WORKER__DAEMON=False"):
        DaskExecutor()._check_workers(_Client(daemonic=True))
    DaskExecutor()._check_workers(_Client(daemonic=False))


def test_an_unreachable_scheduler_is_one_error(monkeypatch):
    monkeypatch.setattr("harness.execution.dask_executor.DASK_CONNECT_TIMEOUT", "1s")
    with pytest.raises(HarnessError, match=r"cannot connect to the Dask scheduler at tcp://127\.0\.0\.1:9"):
        DaskExecutor(scheduler="tcp://127.0.0.1:9").run([RunSpec("digits", "bp-sgd", 0, Budget(10))], print)


@pytest.mark.parametrize(
    "name, options, message",
    [
        ("local", {"scheduler": "tcp://h:8786"}, "--scheduler applies only to --executor dask"),
        ("dask", {"partition": "gpu"}, "apply only to --executor submitit"),
        ("local", {"runs_per_job": 4}, "apply only to --executor submitit"),
        ("ray", {}, "unknown executor 'ray'"),
    ],
)
def test_options_of_another_executor_are_refused(name, options, message):
    with pytest.raises(HarnessError, match=message):
        make_executor(name, **options)


def test_each_name_gives_its_executor(tmp_path):
    assert isinstance(make_executor("local", jobs=3), LocalExecutor)
    assert isinstance(make_executor("dask", scheduler="tcp://h:8786"), DaskExecutor)
    submitit = make_executor("submitit", folder=str(tmp_path), cluster="local", runs_per_job=4, jobs=2)
    assert isinstance(submitit, SubmititExecutor) and (submitit.runs_per_job, submitit.jobs) == (4, 2)


def _lose_the_task(specs, *limits):
    raise OSError("node went away")


def test_a_task_the_dask_engine_loses_is_a_failed_run_that_names_it(monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setattr("harness.execution.dask_executor.run_isolated", _lose_the_task)
    results = []
    spec = RunSpec("digits", "bp-sgd", 0, Budget(10))
    with LocalCluster(
        processes=False, n_workers=1, dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR
    ) as cluster:
        DaskExecutor(scheduler=cluster.scheduler_address).run([spec], lambda *args: results.append(args))
    assert results == [
        (
            spec,
            {
                "status": "failed",
                "reason": "dask task failed (OSError: node went away)",
                "wall_seconds": results[0][1]["wall_seconds"],
            },
        )
    ]


class _DeadJob:
    def done(self):
        return True

    def result(self):
        raise RuntimeError(
            "Job 42 (task: 0) with path /shared/42_0_result.pkl has not produced any output (state: NODE_FAIL)"
        )


def test_a_submitit_job_that_dies_fails_each_of_its_runs_with_the_reason(monkeypatch, tmp_path):
    specs = [RunSpec("digits", "bp-sgd", seed, Budget(10)) for seed in range(3)]
    executor = SubmititExecutor(folder=str(tmp_path), cluster="local", runs_per_job=2, jobs=1)
    submitted = []
    monkeypatch.setattr(executor, "_submit", lambda _, chunk: submitted.append(chunk) or _DeadJob())
    results = []
    executor.run(specs, lambda spec, result: results.append((spec.seed, result["reason"])))
    assert submitted == [specs[:2], specs[2:]]
    assert [seed for seed, _ in results] == [0, 1, 2]
    assert all(
        reason.startswith("submitit task failed (RuntimeError: Job 42") and "NODE_FAIL" in reason
        for _, reason in results
    )


def test_workers_see_the_environment_of_their_batch_not_the_one_the_fork_server_first_started_in(
    faulty_plugins, tmp_path, monkeypatch
):
    """Workers fork from the fork server: after the caller's environment changes (here an allow-list of plugins
    that leaves bp-sgd out, then lifted), the next batch must not inherit the old one."""
    spec, plugins = RunSpec("conformance", "bp-sgd", 0, Budget(160), suite="quick"), registry()
    with Store(tmp_path / "s.sqlite") as store:
        monkeypatch.setenv("CREDITBENCH_PLUGINS", "faulty")  # in the coordinator's registry, bp-sgd stays known
        summary = matrix.run_matrix([spec], store, LocalExecutor(jobs=1), plugins)
        assert summary.finished == 0 and "unknown algorithm 'bp-sgd'" in summary.failed[0][1]
        monkeypatch.delenv("CREDITBENCH_PLUGINS")
        assert matrix.run_matrix([spec], store, LocalExecutor(jobs=1), plugins, retry_failed=True).finished == 1


def test_the_local_executors_runs_share_one_folder_across_calls_and_it_goes_with_the_executor(faulty_plugins, tmp_path):
    """``creditbench tune`` hands the executor one study's runs at a time: the task's splits computed for the
    first study are read by the next, not computed again; the folder is removed with the executor."""
    import gc
    import os

    from harness.execution.numerics import PINNED

    executor = LocalExecutor(jobs=1)
    with Store(tmp_path / "store.sqlite") as store:
        for seed in (0, 1):
            spec = RunSpec("conformance", "bp-sgd", seed, Budget(64), suite="quick")
            assert matrix.run_matrix([spec], store, executor, registry()).finished == 1
            folder = executor.shared_folder(PINNED)
            saved = {entry.name: entry.stat().st_mtime_ns for entry in os.scandir(folder) if "." not in entry.name}
            if seed == 0:
                first = saved
    assert len(first) >= 1 and saved == first  # nothing computed again, nothing rewritten
    root = os.path.dirname(folder)
    del executor
    gc.collect()
    assert not os.path.exists(root)


def test_a_lazy_stream_of_runs_is_taken_as_slots_free_with_the_same_numbers(faulty_plugins, tmp_path):
    """``creditbench tune`` hands executors a generator and picks each next trial from what has ended."""
    events = []

    def stream():
        for algorithm, seed in MATRIX:
            events.append(("taken", algorithm, seed))
            yield RunSpec("conformance", algorithm, seed, Budget(320), suite="quick")

    def noted(spec, result):
        events.append(("ended", spec.algorithm, spec.seed))

    with Store(tmp_path / "lazy.sqlite") as store:
        summary = matrix.run_matrix(stream(), store, LocalExecutor(jobs=1), registry(), on_result=noted)
    assert summary.planned == summary.finished == len(MATRIX)
    assert events == [(kind, *run) for run in MATRIX for kind in ("taken", "ended")]
    assert comparable(stored_rows(tmp_path / "lazy.sqlite")) == _run(LocalExecutor(jobs=2), tmp_path / "list.sqlite")
