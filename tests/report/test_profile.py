import json
import math

from harness.report.profile import profile, render
from harness.testing import CONFORMANCE_TASK
from tests.test_cli import creditbench

WORKER_PHASES = {"registry", "data_load", "build", "train", "evaluation", "metric:score"}


def _row(key, task, algorithm, wall, **phases):
    return {
        "run_key": key,
        "task": task,
        "algorithm": algorithm,
        "status": "finished",
        "wall_seconds": wall,
        "metrics": {"phase_seconds": phases},
    }


def test_phases_are_summed_the_rest_is_other_and_ratios_put_worker_time_over_training():
    rows = [
        _row("k1", "a", "x", 10.0, train=4.0, evaluation=3.0, worker_start=1.0),
        _row("k2", "a", "x", 10.0, train=4.0, evaluation=5.0, worker_start=1.0),
        _row("k3", "b", "y", 6.0, train=2.0, registry=0.5, **{"metric:robustness": 2.0}),
        {**_row("k4", "b", "y", 99.0, train=1.0), "status": "failed"},
        {**_row("k5", "b", "z", 5.0), "metrics": {}},  # stored before phases were recorded
    ]
    result = profile(rows, store_write={"k1": 0.5})
    assert result["runs"] == 3
    assert result["phases"] == {
        "train": 10.0,
        "evaluation": 8.0,
        "other": 6.0,  # 10 - 7 and 10 - 9 for x, 6 - 4 for y (loading plugins precedes the stored wall time)
        "worker_start": 2.0,
        "metric:robustness": 2.0,
        "store_write": 0.5,
        "registry": 0.5,
    }
    assert math.isclose(result["worker_seconds"], 29.0)
    assert math.isclose(result["ratios"]["worker_over_train"], 2.9)
    assert math.isclose(result["ratios"]["worker_over_train_and_robustness"], 29.0 / 12)
    assert [(g["task"], g["algorithm"], g["runs"]) for g in result["per_run"]] == [("a", "x", 2), ("b", "y", 1)]
    assert json.loads(render(result, "json")) == json.loads(json.dumps(result))
    markdown = render(result, "md")
    assert "| evaluation | 8.0 | 27.6% |" in markdown and "| a | x | 2 | 22.5 | 8.0 | 2.81 |" in markdown


def test_a_run_records_every_phase_and_the_profile_commands_print_them(faulty_plugins, tmp_path):
    db = str(tmp_path / "p.sqlite")
    ran = creditbench(
        "run",
        "--task",
        CONFORMANCE_TASK.name,
        "--algorithm",
        "good",
        "--seeds",
        "1",
        "--db",
        db,
        "--no-report",
        "--profile",
    )
    assert "1 runs: " in ran.stdout and "| store_write |" in ran.stdout and "| train |" in ran.stdout
    stored = json.loads(creditbench("profile", "--db", db, "--format", "json").stdout)
    phases = stored["phases"]
    assert WORKER_PHASES | {"worker_start", "return", "other"} <= set(phases) and "store_write" not in phases
    assert all(seconds >= 0 for seconds in phases.values())
    assert stored["per_run"][0]["algorithm"] == "good" and stored["train_seconds"] > 0
    assert creditbench("profile", "--db", db, "--algorithm", "nothing", "--format", "json").stdout.startswith("{")
