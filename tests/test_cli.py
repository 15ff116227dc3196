import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import install_plugin

CLI = [sys.executable, "-c", "from creditbench_entry import main; main()"]  # what the console script runs
STYLED = """
from harness import Algorithm, Plausibility, hookimpl
CREDITBENCH_CONTRACT = 1
@hookimpl
def register_algorithms(register):
    register(Algorithm(name="styled-rule", family="test", citation="Someone (2026)", build=print,
                       description="[red]styled[/red]", plausibility=Plausibility(False, False, True)))
"""


def creditbench(*args, cwd=None, check=True):
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_list_names_the_first_algorithms_and_tasks():
    algorithms = {a["name"] for a in json.loads(creditbench("list", "algorithms", "--json").stdout)}
    assert {"bp-sgd", "bp-momentum", "bp-adam", "fa", "dfa", "es", "linear", "random-features"} <= algorithms
    tasks = {t["name"] for t in json.loads(creditbench("list", "tasks", "--json").stdout)}
    assert {"digits", "mnist5k", "mnist1d"} <= tasks
    fa = next(a for a in json.loads(creditbench("list", "--json").stdout) if a["name"] == "fa")
    assert fa["plausibility"] == {"weight_transport": False, "backward_phase": True, "local_updates": False}


def test_list_does_not_import_torch():
    code = "import sys; from creditbench_entry import main; sys.argv=['creditbench','list']\ntry: main()\nexcept SystemExit: pass\nassert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_the_console_script_prints_the_command_lines_interruption_line():
    import creditbench_entry
    from harness import cli

    assert creditbench_entry.INTERRUPTED == cli.INTERRUPTED


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "--task", "cifar"], "unknown task 'cifar'"),
        (["run", "--algorithm", "nope"], "unknown algorithm 'nope'"),
        (["run", "--suite", "huge"], "unknown suite 'huge'"),
        (["run", "--set", "lr"], "--set takes KEY=VALUE"),
        (["run", "--algorithm", "fa", "--set", "momentun=0.9"], "'momentun' is not a setting of fa"),
        (["run", "--jobs", "0"], "--jobs"),
        (["run", "--seeds", "0"], "--seeds must be at least 1"),
        (["run", "--first-seed", "999"], "seeds 999-1001 reach the selection seeds"),
        (["run", "--suite", "selection", "--first-seed", "0"], "seed 0 is a reported seed"),
        (["run", "--memory-limit", "nan"], "'nan' is not a finite number"),
        (["run", "--time-limit", "inf"], "'inf' is not a finite number"),
        (["run", "--task", "mnist5"], "did you mean 'mnist5k' or 'mnist' or 'mnist1d'?"),
        (["run", "--algorithm", "bp-sgd", "--set", "lr=abc"], 'lr="abc": expected a number (the default is'),
        (["run", "--algorithm", "bp-sgd", "--set", 'lr="0.1"'], 'lr="0.1": expected a number'),
        (["run", "--algorithm", "bp-sgd", "--set", "batch_size=0"], "batch_size must be a positive integer"),
        (["run", "--algorithm", "bp-sgd", "--set", "batch_size=2.5"], "expected an integer (the default is"),
        (["run", "--algorithm", "bp-sgd", "--set", "lr=-1"], "lr=-1: expected a number at or above 0"),
        (["report", "--columns", "sedes"], "unknown column 'sedes'; did you mean 'seeds'?"),
        (["run", "--device", "tpu"], "unknown device 'tpu'"),
        (["report", "--format", "xml"], "'xml' is not one of"),
        (["report"], "no store at"),
        (["check-plugin", "nope"], "unknown algorithm 'nope'"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_input_is_one_line_on_stderr_exit_2_and_nothing_written(tmp_path, args, message):
    result = creditbench(*args, cwd=tmp_path, check=False)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has CUDA")
def test_cuda_on_a_machine_without_it_is_one_line_and_creates_no_store(tmp_path):
    result = creditbench("run", "--device", "cuda", "--db", str(tmp_path / "x.sqlite"), check=False)
    assert result.returncode == 2 and "CUDA is not available here" in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_plugin_strings_are_printed_as_text_not_rich_markup(site):
    install_plugin(site, "styled", "fake_styled", STYLED)
    listed = creditbench("list", "algorithms").stdout
    assert "[red]styled[/red]" in listed  # rich markup would have eaten the tags


def test_a_file_that_is_not_a_store_is_refused_untouched(tmp_path):
    path = tmp_path / "results.sqlite"
    path.write_bytes(os.urandom(4096))
    before = path.read_bytes()
    for args in (["report", "--db", str(path)], ["run", "--task", "digits", "--db", str(path)]):
        result = creditbench(*args, check=False)
        assert result.returncode == 2 and "not a creditbench store" in result.stderr
    assert path.read_bytes() == before


def test_run_stores_reports_and_resumes_without_recomputing(tmp_path):
    db = str(tmp_path / "r.sqlite")
    first = creditbench(
        "run", "--task", "digits", "--algorithm", "bp-sgd", "--algorithm", "linear", "--seeds", "1", "--db", db
    )
    assert "| bp-sgd |" in first.stdout and "2 finished, 0 failed" in first.stderr
    report = json.loads(creditbench("report", "--db", db, "--format", "json").stdout)
    required = {
        "task",
        "algorithm",
        "n_seeds",
        "failed_runs",
        "test_accuracy_mean",
        "test_accuracy_std",
        "aulc_mean",
        "presentations_to_target",
        "step_seconds",
        "flops_per_step",
        "activation_bytes",
        "peak_bytes",
        "gradient_cosine",
        "gradient_cosine_applied",
    }
    assert all(required <= set(entry) for entry in report) and len(report) == 2
    bp = next(e for e in report if e["algorithm"] == "bp-sgd")
    assert bp["test_accuracy_mean"] > 0.9 and bp["flops_per_step"] > 0 and bp["gradient_cosine"] > 0.99
    linear = next(e for e in report if e["algorithm"] == "linear")
    assert linear["gradient_cosine"] is None and linear["gradient_cosine_applied"] > 0.99  # no hidden layer
    second = creditbench(
        "run",
        "--task",
        "digits",
        "--algorithm",
        "bp-sgd",
        "--algorithm",
        "linear",
        "--seeds",
        "1",
        "--db",
        db,
        "--no-report",
    )
    assert "2 runs planned, 2 already in" in second.stderr and "0 finished" in second.stderr
    csv = creditbench("report", "--db", db, "--format", "csv", "--out", str(tmp_path / "board.csv"))
    assert csv.stdout == "" and (tmp_path / "board.csv").read_text().startswith("suite,task,algorithm")


def _rows(db):
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {
            key: (finished_at, metrics)
            for key, finished_at, metrics in connection.execute(
                "SELECT run_key, finished_at, metrics FROM runs WHERE status = 'finished'"
            )
        }
    finally:
        connection.close()


def _finished_so_far(db) -> int:
    """Finished runs in the store a running suite writes: 0 until the file and its schema exist."""
    try:
        return len(_rows(db)) if os.path.exists(db) else 0
    except sqlite3.OperationalError:  # the file is there, its tables not yet
        return 0


def test_kill_9_mid_suite_loses_nothing_and_the_rerun_recomputes_nothing(faulty_plugins, tmp_path):
    db = str(tmp_path / "k.sqlite")
    args = [
        "run",
        "--task",
        "conformance",
        "--algorithm",
        "good",
        "--seeds",
        "12",
        "--jobs",
        "1",
        "--db",
        db,
        "--no-report",
    ]
    kept = {}
    for wanted in (2, 6):
        process = subprocess.Popen([*CLI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _finished_so_far(db) < wanted:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        rows = _rows(db)
        assert len(rows) >= wanted and all(rows[key] == value for key, value in kept.items())
        kept = rows
    final = creditbench(*args)
    assert f"12 runs planned, {len(kept)} already in" in final.stderr
    rows = _rows(db)
    assert len(rows) == 12 and all(rows[key] == value for key, value in kept.items())
