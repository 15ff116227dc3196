"""SIGKILL during tuning: no finished trial or run is lost, none is run again, and the study ends with its N trials."""

import os
import random
import signal
import sqlite3
import subprocess
import time

from optuna.trial import TrialState

from tests.reliability.helpers import stored_rows
from tests.test_cli import CLI
from tests.tuning.test_tune import ARGS, _trials

TRIALS = 8
KILLS = 3


def _finished(trials: dict) -> dict:
    return {
        name: [t for t in ts if t[1] in (TrialState.COMPLETE.name, TrialState.PRUNED.name)]
        for name, ts in trials.items()
    }


def _stored(db) -> int:
    """Runs in the store so far (0 while the process is still creating it)."""
    try:
        return len(stored_rows(db)) if db.exists() else 0
    except sqlite3.OperationalError:  # the file exists, its tables not yet
        return 0


def test_sigkill_loses_no_trial_and_repeats_none(tunable_plugin, tmp_path):
    db = tmp_path / "tune.sqlite"
    args = [*CLI, "tune", *ARGS, "--jobs", "1", "--algorithm", "tunable", "--trials", str(TRIALS), "--db", str(db)]
    rng = random.Random(0)
    kept_rows, kept_trials, kills = {}, {}, 0
    for _ in range(3 * KILLS):
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        target = len(kept_rows) + rng.randint(1, 2)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if _stored(db) >= target:
                break
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 0.3))  # land around the moment a run is saved and its trial told
        if process.poll() is None:
            kills += 1
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        rows, trials = stored_rows(db), _finished(_trials(db))
        assert {key: rows.get(key) for key in kept_rows} == kept_rows, "a stored run was lost or run again"
        assert all(trials[name][: len(ts)] == ts for name, ts in kept_trials.items()), "a finished trial was lost"
        kept_rows, kept_trials = rows, trials
        if kills == KILLS:
            break
    assert kills == KILLS
    final = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    rows, (trials,) = stored_rows(db), _trials(db).values()
    counted = [t for t in trials if t[1] in (TrialState.COMPLETE.name, TrialState.PRUNED.name)]
    assert len(counted) == TRIALS and {key: rows[key] for key in kept_rows} == kept_rows
    # one run per counted trial, and nothing else: an interrupted trial's run was reused, not run again
    assert len(rows) == TRIALS and len({tuple(sorted(t[2].items())) for t in counted}) == TRIALS
