"""Score floors chosen on the selection suite: the rule, and that only finished selection runs count."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from choose_floors import chosen_floor, leave_one_out_alarms  # noqa: E402


def test_the_floor_is_the_least_score_less_three_standard_deviations_or_three_points_rounded_down():
    assert chosen_floor([0.95, 0.96, 0.97]) == 0.92  # 0.95 − 0.03 (3 sd is 0.03 too), not 0.91 from 91.999…
    assert chosen_floor([0.90, 0.94, 0.98]) == 0.78  # 0.90 − 3 × 0.04
    assert chosen_floor([0.5]) == 0.47
    assert chosen_floor([0.40, 0.60]) == pytest.approx(-0.03)


def test_leaving_each_seed_out_counts_the_seeds_below_the_floor_of_the_others():
    steady = [0.950, 0.951, 0.952, 0.953, 0.954]
    assert leave_one_out_alarms({("t", "steady"): steady}) == (0, 5)
    assert leave_one_out_alarms({("t", "steady"): steady, ("t", "outlier"): [*steady[:4], 0.80]}) == (1, 10)
    assert leave_one_out_alarms({("t", "two seeds"): [0.9, 0.5]}) == (0, 0)


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
    assert line.split(" | ")[2:6] == ["2", "0.950", "0.014", "0.90"]  # the quick run's 0.10 is not among them
    failed = _table(tmp_path, [_row(3, "selection", 1002, None, status="failed")])
    assert not [line for line in failed.stdout.splitlines() if line.startswith("| digits")]
