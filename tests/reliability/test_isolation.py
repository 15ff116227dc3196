"""The fault-injection suite: every way a plugin can fail costs only its own run, under every executor.

A suite mixing good algorithms with deliberately broken ones (tests/fixtures/faulty.py) runs through
``creditbench run`` under each executor.  Every good run completes with the numbers it has when run alone,
every bad run is recorded as failed with a reason that names its fault, nothing is lost, and the command
ends with a summary.
"""

import subprocess
import sys

import pytest

from harness.contract import Budget
from harness.registry import registry
from harness.results.store import Store
from harness.training.spec import RunSpec
from tests.reliability.helpers import REPORT, stored_rows, without_timings

CLI = [sys.executable, "-c", "from harness.cli import main; main()"]
GOOD = ("good", "floods-output")  # floods-output is good apart from its printing, which goes to the run's log
FAULTS = {
    "raises": "plugin raised ValueError: deliberate failure in train_step",
    "nan": "non-finite predictions at 0 presentations",
    "diverges": "non-finite predictions at 128 presentations (diverged)",
    "hangs": "timed out",
    "exhausts-memory": "memory limit exceeded",
    "aborts": "worker died (signal SIGABRT)",
    "mutates-batch": "train_step modified its input batch (x)",
}


def _alone(algorithm: str) -> dict:
    """The good run's result computed in this process, on one thread like a worker."""
    import torch

    from harness.execution.worker import run_spec

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return run_spec(RunSpec("conformance", algorithm, seed=0, budget=Budget(160), suite="quick"), registry())
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize("executor", ["local", "dask", "submitit"])
def test_faults_are_contained_named_and_nothing_is_lost(faulty_plugins, tmp_path, monkeypatch, executor):
    monkeypatch.setenv("CREDITBENCH_PLUGINS", "faulty")  # workers start faster with only the fixture plugin to load
    db = tmp_path / "faults.sqlite"
    names = [*GOOD, *FAULTS]
    # submitit's local backend, two jobs that each run several runs in turn (a job's start-up costs seconds)
    options = ["--submitit-folder", str(tmp_path / "submitit"), "--cluster", "local", "--runs-per-job", "5"]
    options = options if executor == "submitit" else []
    args = [
        "run",
        "--task",
        "conformance",
        *(f"--algorithm={name}" for name in names),
        "--seeds",
        "1",
        "--jobs",
        "2",
        "--time-limit",
        "8",
        "--memory-limit",
        "2",
        "--executor",
        executor,
        *options,
        "--db",
        str(db),
        "--no-report",
    ]
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)

    assert result.returncode == 1, result.stderr  # every run saved; some failed
    assert f"{len(names)} runs planned, 0 already in {db}, {len(GOOD)} finished, {len(FAULTS)} failed" in result.stderr
    assert "noise" not in result.stdout + result.stderr  # a plugin's output goes to its log, not the terminal
    rows = {row["algorithm"]: row for row in stored_rows(db).values()}
    assert set(rows) == set(names)
    reference = without_timings(_alone("good")["metrics"])
    assert reference["presentations"] == 160 and reference["test_accuracy"] > 0.5
    for name in GOOD:
        assert rows[name]["status"] == "finished", (name, rows[name]["reason"])
        assert without_timings(rows[name]["metrics"]) == reference, name
    for name, reason in FAULTS.items():
        assert rows[name]["status"] == "failed" and reason in rows[name]["reason"], (name, rows[name]["reason"])
        key = rows[name]["run_key"]
        assert f"failed conformance::{name}::seed0 (creditbench show {key[:12]}): {reason}" in result.stderr
    with Store(db, read_only=True) as store:  # what `creditbench show` prints, under every executor
        assert (
            "ValueError: deliberate failure in train_step" in store.failure_log(rows["raises"]["run_key"])["traceback"]
        )
    REPORT.append(
        f"fault suite under {executor}: {len(FAULTS)} faults injected, {len(GOOD)} good runs completed "
        f"with their numbers, {len(FAULTS)} failed runs recorded with the fault named, "
        f"runs lost = {len(names) - len(rows)}"
    )
