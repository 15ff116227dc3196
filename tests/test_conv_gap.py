"""scripts/conv_gap.py: each feedback rule's paired gap to bp-sgd on mnist1d's MLP and CNN, from a store."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from conv_gap import table  # noqa: E402


def _run(task, algorithm, seed, score, status="finished", suite="standard", overrides=None):
    return {
        "suite": suite,
        "task": task,
        "algorithm": algorithm,
        "seed": seed,
        "overrides": overrides or {},
        "status": status,
        "metrics": {"test_score": score} if status == "finished" else {},
    }


def test_the_gap_is_the_mean_per_seed_difference_to_bp_sgd_on_the_seeds_both_finished():
    runs = [
        _run("mnist1d-cnn", "bp-sgd", 0, 0.90),
        _run("mnist1d-cnn", "bp-sgd", 1, 0.92),
        _run("mnist1d-cnn", "fa", 0, 0.60),
        _run("mnist1d-cnn", "fa", 1, 0.70),
        _run("mnist1d-cnn", "fa", 2, 0.10),  # no bp-sgd seed 2: counted in fa's mean, not in its gap
        _run("mnist1d", "bp-sgd", 0, 0.60),
        _run("mnist1d", "dfa", 0, 0.0, status="failed"),
        _run("mnist1d-cnn", "dfa", 0, 0.99, overrides={"lr": 1.0}),  # another setting: left out
        _run("mnist1d-cnn", "dfa", 1, 0.99, suite="quick"),  # another suite: left out
    ]
    lines = {line.split(" | ")[0].lstrip("| "): line for line in table(runs).splitlines()}
    assert "0.467" in lines["fa"] and "n=3" in lines["fa"] and "gap -0.260 [-0.300, -0.220]" in lines["fa"]
    assert "0.600 [n/a] n=1" in lines["bp-sgd"] and "gap" not in lines["bp-sgd"]
    assert lines["dfa"].count("no runs") == 2
    assert "1 failed runs left out" in table(runs)


def test_a_missing_store_is_one_line_and_exit_code_2(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "conv_gap.py"), str(tmp_path / "none.sqlite")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0 and "no store" in result.stderr
