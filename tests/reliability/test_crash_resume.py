"""Crash and resume: SIGKILL the coordinator at random moments, resume, and compare with an uninterrupted run.

Two chains of trials run side by side, each on its own store (the machine has two cores and a trial is
mostly the coordinator's start-up).  A trial starts ``creditbench run``, picks a random moment (seeded):
during start-up, or once the store has gained k more runs plus a random delay, so that kills land around
commits; then it SIGKILLs the coordinator, and the rest of its process group (the fork server and workers)
with it.  After every kill: the store passes ``PRAGMA integrity_check``, every row is complete and valid,
and every run stored before is still there, byte for byte (neither lost nor recomputed).  At the end a
last run resumes each chain, computes only what is missing, and leaves a store equal, timings aside, to
an uninterrupted run's.
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.results.exchange import row_problem
from tests.reliability.helpers import REPORT, comparable, stored_rows

CLI = [sys.executable, "-c", "from creditbench_entry import main; main()"]
RUNS = 80
CHAINS = 2
KILLS_PER_CHAIN = 10
TRIAL_TIMEOUT = 60


def _args(db, algorithm: str = "plain") -> list[str]:
    return [
        "run",
        "--task",
        "conformance",
        "--algorithm",
        algorithm,
        "--seeds",
        str(RUNS),
        "--jobs",
        "2",
        "--db",
        str(db),
        "--no-report",
    ]


def _count(db) -> int:
    try:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return connection.execute("SELECT count(*) FROM runs").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:  # not created yet, or its schema not committed yet
        return 0


def _kill_at_a_random_moment(db, rng: random.Random) -> str:
    """Start a run, SIGKILL it at a random moment; 'start-up', 'mid-suite' or 'finished first'."""
    process = subprocess.Popen(
        [*CLI, *_args(db)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + TRIAL_TIMEOUT
    wanted = rng.randint(0, 3)
    if wanted == 0:
        time.sleep(rng.uniform(0, 3))
    else:
        target = _count(db) + wanted
        while _count(db) < target and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.2))
    moment = "finished first" if process.poll() is not None else "start-up" if wanted == 0 else "mid-suite"
    try:
        os.kill(process.pid, signal.SIGKILL)
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    return moment


def _chain(db, seed: int) -> dict:
    rng = random.Random(seed)
    kept: dict = {}
    moments: list[str] = []
    while len(moments) - moments.count("finished first") < KILLS_PER_CHAIN and len(moments) < 2 * KILLS_PER_CHAIN:
        moments.append(_kill_at_a_random_moment(db, rng))
        rows = stored_rows(db) if db.exists() else {}
        problems = [row_problem(row) for row in rows.values()]
        assert problems == [None] * len(rows), problems
        assert {key: rows.get(key) for key in kept} == kept, "a stored run was lost or recomputed"
        kept = rows
    final = subprocess.run([*CLI, *_args(db)], capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert f"{RUNS} runs planned, {len(kept)} already in {db}, {RUNS - len(kept)} finished, 0 failed" in final.stderr
    rows = stored_rows(db)
    assert {key: rows[key] for key in kept} == kept
    return {"rows": rows, "moments": moments, "before_resume": len(kept)}


def test_sigkill_at_random_moments_loses_and_recomputes_nothing(faulty_plugins, tmp_path, monkeypatch):
    monkeypatch.setenv("CREDITBENCH_PLUGINS", "faulty")
    reference_db = tmp_path / "uninterrupted.sqlite"
    with ThreadPoolExecutor(CHAINS + 1) as pool:
        reference = pool.submit(
            subprocess.run, [*CLI, *_args(reference_db)], capture_output=True, text=True, timeout=300
        )
        chains = [pool.submit(_chain, tmp_path / f"chain{i}.sqlite", seed) for i, seed in enumerate(range(CHAINS))]
        assert reference.result().returncode == 0, reference.result().stderr
        results = [chain.result() for chain in chains]

    expected = comparable(stored_rows(reference_db))
    assert len(expected) == RUNS
    for result in results:
        assert comparable(result["rows"]) == expected
    moments = [moment for result in results for moment in result["moments"]]
    kills = len(moments) - moments.count("finished first")
    assert kills >= 20, moments
    REPORT.append(
        f"crash-resume: {kills} SIGKILLs of the coordinator ({moments.count('start-up')} during start-up, "
        f"{moments.count('mid-suite')} mid-suite) over {CHAINS} stores of {RUNS} runs; "
        f"{sum(r['before_resume'] for r in results)} runs completed before the final resume, "
        f"runs lost = 0, runs recomputed = 0, integrity_check ok after every kill"
    )


def _as_a_terminal_job() -> None:
    """SIGINT as a terminal's foreground job has it, whatever this test process inherited: a job started in the
    background by a non-interactive shell (as CI may start the tests) ignores SIGINT, and so would its children."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@pytest.mark.parametrize("after_runs", [0, 2])
def test_ctrl_c_ends_the_suite_at_once_in_one_line_and_saves_only_finished_runs(
    faulty_plugins, tmp_path, monkeypatch, after_runs
):
    """SIGINT to the whole process group, as a terminal's Ctrl-C sends it: during start-up or mid-suite."""
    monkeypatch.setenv("CREDITBENCH_PLUGINS", "faulty")
    # set in this process once a test has imported torch's flop counter; inherited, it makes the suite ignore
    # the signal: a defect not yet understood, recorded in the issue tracker; this test covers the usual environment
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)
    db = tmp_path / "interrupted.sqlite"
    # a fresh session, so that the signal reaches the coordinator and its workers but not pytest
    # "good" runs take a second or so each (every metric applies), so the suite is still running when the signal
    # comes; "plain" runs share their data through the suite's folder and 80 of them can end within the wait
    process = subprocess.Popen(
        [*CLI, *_args(db, "good")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_as_a_terminal_job,
    )
    deadline = time.monotonic() + TRIAL_TIMEOUT
    while _count(db) < after_runs and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)  # past the interpreter's own start-up (site), outside the harness's reach
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "creditbench: interrupted; completed runs are saved", stderr
    assert "Traceback" not in stderr, stderr
    rows = stored_rows(db) if db.exists() else {}
    assert len(rows) < RUNS and all(row["status"] == "finished" for row in rows.values()), rows


def test_sigterm_stops_the_workers_too_and_saves_only_finished_runs(faulty_plugins, tmp_path, monkeypatch):
    """SIGTERM to the coordinator alone, as ``kill`` or a scheduler's time limit sends it: the suite ends in one
    line with exit code 143, and no worker or fork server of it outlives it (by default the signal would end the
    coordinator alone and leave its running workers behind)."""
    monkeypatch.setenv("CREDITBENCH_PLUGINS", "faulty")
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)  # as in the Ctrl-C test above
    db = tmp_path / "terminated.sqlite"
    process = subprocess.Popen(
        [*CLI, *_args(db, "good")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        deadline = time.monotonic() + TRIAL_TIMEOUT
        while _count(db) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:  # a suite that ignored the signal must not outlive the test
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 143, stderr
    assert stderr.strip().splitlines()[-1] == "creditbench: terminated; completed runs are saved", stderr
    rows = stored_rows(db)
    assert 2 <= len(rows) < RUNS and all(row["status"] == "finished" for row in rows.values()), rows
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)  # is any process of the suite's session left?
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail("a worker or the fork server outlived the terminated suite")
