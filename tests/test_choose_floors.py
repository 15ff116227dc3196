"""Score floors chosen on the selection suite: the rule, and that only finished selection runs count."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from choose_floors import chosen_floor  # noqa: E402


def test_the_floor_is_the_least_score_less_two_standard_deviations_rounded_down():
    assert chosen_floor([0.95, 0.96, 0.97]) == 0.93  # 0.95 − 2 × 0.01, not 0.92 from 92.999… hundredths
    assert chosen_floor([0.5]) == 0.5
    assert chosen_floor([0.40, 0.60]) == pytest.approx(0.11)


def _row(number, suite, seed, score, status="finished"):
    return {
        "run_key": f"run-{number}",
        "suite": suite,
        "task": "digits",
        "algorithm": "bp-sgd",
        "seed": seed,
        "overrides": {},
        "config": {},
        "budget": {"presentations": 1000},
        "code_version": "test",
        "status": status,
        "reason": None if status == "finished" else "boom",
        "metrics": {"test_score": score} if status == "finished" else {},
        "curve": [],
        "environment": {},
        "wall_seconds": 1.0,
        "finished_at": "2026-01-01T00:00:00",
    }


def _table(tmp_path, rows):
    from harness.results.store import Store

    with Store(tmp_path / "s.sqlite") as store:
        for row in rows:
            store.save(row)
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "choose_floors.py"), str(tmp_path / "s.sqlite")],
        capture_output=True,
        text=True,
    )


def test_reported_seeds_never_choose_a_floor_and_a_failed_selection_run_leaves_its_pair_out(tmp_path):
    done = _table(
        tmp_path, [_row(0, "quick", 0, 0.10), _row(1, "selection", 1000, 0.95), _row(2, "selection", 1001, 0.97)]
    )
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("| digits")]
    assert line.split(" | ")[2:6] == ["2", "0.950", "0.014", "0.92"]  # the quick run's 0.10 is not among them
    failed = _table(tmp_path, [_row(3, "selection", 1002, None, status="failed")])
    assert not [line for line in failed.stdout.splitlines() if line.startswith("| digits")]
