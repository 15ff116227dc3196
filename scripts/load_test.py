"""Load test: thousands of tiny runs through the default executor and the store; no row may be lost.

    python scripts/load_test.py [--runs 2000] [--jobs 2] [--db PATH]

The runs are the test fixture plugin's ``plain`` learner on the conformance task (160 presentations, a few
milliseconds of training), so what is measured is the harness: a worker process per run, the result sent back,
one transaction per run.  Prints runs per second, the store's size, the time a resume over the full store
takes, and where a run's time goes (inside the worker's training and metrics, or around it).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _install_fixture_plugin(site: Path) -> None:
    sys.path.insert(0, str(REPO))
    from tests.conftest import FIXTURES, install_plugin

    install_plugin(site, "faulty", "fake_faulty", (FIXTURES / "faulty.py").read_text())
    sys.path.insert(0, str(site))
    os.environ["PYTHONPATH"] = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--db", help="store to write (default: a temporary file)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="creditbench-load-") as scratch:
        _install_fixture_plugin(Path(scratch))
        from harness.contract import Budget
        from harness.execution import matrix
        from harness.execution.local_executor import LocalExecutor
        from harness.registry import registry
        from harness.results.store import Store
        from harness.training.spec import RunSpec

        db = Path(options.db or Path(scratch) / "load.sqlite")
        specs = [RunSpec("conformance", "plain", seed, Budget(160), suite="load") for seed in range(options.runs)]
        with Store(db) as store:
            started = time.perf_counter()
            summary = matrix.run_matrix(specs, store, LocalExecutor(jobs=options.jobs), registry())
            elapsed = time.perf_counter() - started
            resume_started = time.perf_counter()
            resumed = matrix.run_matrix(specs, store, LocalExecutor(jobs=options.jobs), registry())
            resume_seconds = time.perf_counter() - resume_started
            inside = sum(run["wall_seconds"] for run in store.runs("load"))
        size = sum(os.path.getsize(path) for path in (db, Path(f"{db}-wal")) if os.path.exists(path))
        connection = sqlite3.connect(db)
        rows = connection.execute("SELECT count(*) FROM runs WHERE suite = 'load'").fetchone()[0]
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        connection.close()

    lost = options.runs - rows
    print(
        f"{options.runs} runs, {options.jobs} jobs: {summary.finished} finished, {len(summary.failed)} failed, "
        f"in {elapsed:.1f} s = {options.runs / elapsed:.1f} runs/s"
    )
    print(
        f"store: {size / 1e6:.2f} MB ({size / max(rows, 1) / 1e3:.1f} kB per run), {rows} rows, "
        f"integrity_check {integrity}, runs lost = {lost}"
    )
    print(
        f"resume over the full store: {resumed.skipped} skipped, {resumed.finished} recomputed, "
        f"in {resume_seconds:.2f} s"
    )
    print(
        f"per run: {1e3 * inside / options.runs:.0f} ms training and measuring inside the worker, "
        f"{1e3 * elapsed * options.jobs / options.runs:.0f} ms of a worker slot in all "
        f"(the rest: process start, plugin discovery, sending the result, the commit)"
    )
    if lost or integrity != "ok" or summary.failed or resumed.finished:
        sys.exit(1)


if __name__ == "__main__":
    main()
