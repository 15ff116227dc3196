"""creditbench tune: the same trials for every rule, on validation scores of selection seeds, never the test split."""

import ast
import json
import sqlite3
import subprocess
import sys

import optuna
import pytest

from harness.tuning import study
from tests.conftest import REPO
from tests.reliability.helpers import stored_rows
from tests.test_cli import creditbench

ARGS = ("--task", "conformance-sealed", "--jobs", "2", "--memory-limit", "2")


def _trials(db) -> dict[str, list]:
    """Per study, its trials as (number, state, params, value), read from the studies' file."""
    storage = f"sqlite:///{study.storage_path(db)}"
    return {
        summary.study_name: [
            (t.number, t.state.name, t.params, t.value)
            for t in optuna.load_study(study_name=summary.study_name, storage=storage).trials
        ]
        for summary in optuna.get_all_study_summaries(storage)
    }


def test_every_rule_gets_the_same_trials_on_selection_seeds_and_no_test_split(tunable_plugin, tmp_path):
    db = tmp_path / "tune.sqlite"
    result = creditbench(
        "tune", *ARGS, "--algorithm", "tunable", "--algorithm", "tunable-twin", "--trials", "4", "--seeds", "2",
        "--db", str(db),
    )  # fmt: skip
    trials = _trials(db)
    assert set(trials) == {"conformance-sealed::tunable::quick", "conformance-sealed::tunable-twin::quick"}
    # the sealed test split raises on any use: a trial that read it would have failed
    assert all(len(ts) == 4 and all(state == "COMPLETE" for _, state, _, _ in ts) for ts in trials.values()), trials
    rows = stored_rows(db).values()
    assert len(rows) == 2 * 4 * 2 and all(row["status"] == "finished" for row in rows)
    assert {row["seed"] for row in rows} == {1000, 1001}
    assert all(row["suite"] == "tune" and row["metrics"]["lean"] for row in rows)
    assert not any(key.startswith("test_") for row in rows for key in row["metrics"])
    best = {line.split("|")[2].strip(): line for line in result.stdout.splitlines() if "conformance-sealed" in line}
    assert set(best) == {"tunable", "tunable-twin"} and all("4 (4 / 0 / 0)" in line for line in best.values())
    for name, ts in trials.items():
        score = max(value for *_, value in ts)
        config = json.loads(best[name.split("::")[1]].split("`")[1])
        assert f"{score:.4f}" in best[name.split("::")[1]] and config == next(p for *_, p, v in ts if v == score)
    # nothing is reported from tuning runs
    assert creditbench("report", "--db", str(db), "--format", "json").stdout.strip() == "[]"


def test_the_sealed_test_split_fails_a_full_run(tunable_plugin, tmp_path):
    """The negative control: the task's test split does raise when a run reads it."""
    db = tmp_path / "full.sqlite"
    result = creditbench(
        "run", "--task", "conformance-sealed", "--algorithm", "tunable", "--seeds", "1", "--db", str(db), check=False
    )
    assert result.returncode == 1 and "the test split was read" in result.stderr


def test_rerunning_adds_only_the_missing_trials_and_reruns_no_run(tunable_plugin, tmp_path):
    db = tmp_path / "tune.sqlite"
    creditbench("tune", *ARGS, "--algorithm", "tunable", "--trials", "2", "--db", str(db))
    before, rows_before = _trials(db), stored_rows(db)
    creditbench("tune", *ARGS, "--algorithm", "tunable", "--trials", "2", "--db", str(db))
    assert _trials(db) == before and stored_rows(db) == rows_before
    creditbench("tune", *ARGS, "--algorithm", "tunable", "--trials", "3", "--db", str(db))
    after, rows_after = _trials(db), stored_rows(db)
    (name,) = after
    assert after[name][:2] == before[name] and len(after[name]) == 3
    assert {key: rows_after[key] for key in rows_before} == rows_before and len(rows_after) == 3


def test_a_study_keeps_its_sampler_and_seeds(tunable_plugin, tmp_path):
    db = tmp_path / "tune.sqlite"
    creditbench("tune", *ARGS, "--algorithm", "tunable", "--trials", "1", "--db", str(db))
    result = creditbench(
        "tune", *ARGS, "--algorithm", "tunable", "--trials", "2", "--sampler", "tpe", "--db", str(db), check=False
    )
    assert result.returncode == 2 and "was run with --sampler qmc --seeds 1" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (("--algorithm", "nope"), "unknown algorithm"),
        (("--trials", "0"), "--trials"),
        (("--sampler", "grid"), "--sampler"),
    ],
)
def test_bad_input_is_one_line(tunable_plugin, tmp_path, args, message):
    result = creditbench("tune", *ARGS, *args, "--db", str(tmp_path / "t.sqlite"), check=False)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_rule_with_nothing_to_tune_is_an_error_when_named(tmp_path):
    """random-features-min-norm declares every setting fixed: named, it is one line; unnamed, it is left out."""
    db = tmp_path / "t.sqlite"
    result = creditbench(
        "tune", "--task", "digits", "--algorithm", "random-features-min-norm", "--db", str(db), check=False
    )
    assert result.returncode == 2 and "declares no search space" in result.stderr and not db.exists()


def test_the_studies_file_is_optunas_sqlite_beside_the_store(tunable_plugin, tmp_path):
    db = tmp_path / "tune.sqlite"
    creditbench("tune", *ARGS, "--algorithm", "tunable", "--trials", "1", "--db", str(db))
    connection = sqlite3.connect(study.storage_path(db))
    try:
        assert connection.execute("SELECT count(*) FROM trials").fetchone()[0] == 1
    finally:
        connection.close()


def _best_params(db, name):
    storage = f"sqlite:///{study.storage_path(db)}"
    return optuna.load_study(study_name=name, storage=storage).best_trial.params


def test_the_tuned_suite_runs_each_best_configuration_on_reported_seeds_apart_from_the_defaults(
    tunable_plugin, tmp_path
):
    db = tmp_path / "tune.sqlite"
    open_task = ("--task", "conformance-open", "--algorithm", "tunable", "--jobs", "2", "--memory-limit", "2")
    creditbench("tune", *open_task, "--trials", "3", "--db", str(db))
    best = _best_params(db, "conformance-open::tunable::quick")
    creditbench("run", "--suite", "tuned", *open_task, "--db", str(db))
    creditbench("run", *open_task, "--db", str(db))  # the defaults, in the quick suite
    creditbench("tune", *open_task, "--trials", "4", "--db", str(db))
    creditbench("run", "--suite", "tuned", *open_task, "--db", str(db))
    tuned = [row for row in stored_rows(db).values() if row["suite"] == "tuned"]
    assert {row["seed"] for row in tuned} == {0, 1, 2} and not any(row["metrics"].get("lean") for row in tuned)
    assert all("test_score" in row["metrics"] for row in tuned)
    first = [row for row in tuned if row["metrics"]["tuned"]["trials"] == 3]
    assert len(first) == 3 and all(row["overrides"] == best for row in first)
    assert first[0]["metrics"]["tuned"] == {
        "study": "conformance-open::tunable::quick", "trials": 3, "sampler": "qmc", "budget": "quick",
    }  # fmt: skip
    entries = json.loads(creditbench("report", "--db", str(db), "--format", "json").stdout)
    labels = sorted((e["suite"], e["label"], e["n_seeds"]) for e in entries)
    assert labels == [
        ("quick", "tunable", 3),
        ("tuned", "tunable · tuned (3 trials, qmc, quick)", 3),
        ("tuned", "tunable · tuned (4 trials, qmc, quick)", 3),
    ]
    gain = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "tuning_gain.py"), str(db), "--task", "conformance-open"],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout.splitlines()  # fmt: skip
    (row,) = [line for line in gain if line.startswith("| tunable |")]
    tuned = next(e for e in entries if e["label"] == "tunable · tuned (4 trials, qmc, quick)")
    assert f"{tuned['test_score_mean']:.3f} ± " in row.split("|")[3] and "| 1 → 1 |" in row  # the latest tuning
    creditbench("report", "--db", str(db), "--format", "html", "--out", str(tmp_path / "html"))
    page = (tmp_path / "html" / "tuning.html").read_text()
    assert "conformance-open" in page and "4 scored trials" in page and "<figure>" in page


def test_the_tuned_suite_needs_studies(tunable_plugin, tmp_path):
    result = creditbench("run", "--suite", "tuned", "--db", str(tmp_path / "none.sqlite"), check=False)
    assert result.returncode == 2 and "run creditbench tune" in result.stderr
    assert not (tmp_path / "none.sqlite").exists()


def test_a_trial_below_the_median_stops_while_it_trains(tunable_plugin, tmp_path):
    db = tmp_path / "tune.sqlite"
    creditbench(
        "tune", "--task", "conformance-open", "--algorithm", "tunable-dud", "--trials", "10", "--sampler", "random",
        "--jobs", "1", "--memory-limit", "2", "--db", str(db),
    )  # fmt: skip
    assert len(_trials(db)) == 1
    rows = {row["run_key"]: row for row in stored_rows(db).values()}
    storage = f"sqlite:///{study.storage_path(db)}"
    told = optuna.load_study(study_name="conformance-open::tunable-dud::quick", storage=storage).trials
    pruned = [t for t in told if t.state.name == "PRUNED"]
    assert pruned and all(t.params["lr"] == 0.0 for t in pruned)
    for trial in told:
        (row,) = [rows[key] for key in trial.user_attrs["run_keys"]]
        assert row["metrics"]["phase_seconds"]["trial"] > 0  # reporting to the trial is its own phase
        budget = row["budget"]["presentations"]
        if trial.state.name == "PRUNED":
            stopped = row["metrics"]["pruned_at"]
            assert stopped < budget and row["curve"][-1]["presentations"] == stopped
        else:
            assert "pruned_at" not in row["metrics"] and row["curve"][-1]["presentations"] == budget


def test_confirming_a_default_runs_both_on_fresh_selection_seeds_and_keeps_the_better(tunable_plugin, tmp_path):
    db = tmp_path / "tune.sqlite"
    creditbench("tune", *ARGS, "--algorithm", "tunable", "--trials", "3", "--db", str(db))
    table = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "confirm_defaults.py"), str(db), "--seeds", "2", "--jobs", "2"],
        check=True, capture_output=True, text=True, timeout=300,
    ).stdout.splitlines()  # fmt: skip
    (row,) = [line for line in table if line.startswith("| conformance-sealed | tunable |")]
    cells = [cell.strip() for cell in row.split("|")[1:-1]]
    rows_before = stored_rows(db)
    confirming = [r for r in rows_before.values() if r["seed"] in (1001, 1002)]
    # the sealed test split raises on any use: a confirmation run that read it would have failed
    assert len(confirming) == 4 and all(r["status"] == "finished" and r["metrics"]["lean"] for r in confirming)
    best = {name: float(f"{v:.3g}") if isinstance(v, float) else v for name, v in _best_params(
        db, "conformance-sealed::tunable::quick").items()}  # fmt: skip
    mean = {
        side: sum(r["metrics"]["val_score"] for r in confirming if (r["overrides"] == best) == (side == "best")) / 2
        for side in ("default", "best")
    }
    assert cells[2] == f"{mean['default']:.4f}" and cells[3] == f"{mean['best']:.4f}"
    assert cells[5] == ("best" if mean["best"] > mean["default"] else "default")
    written = json.loads(cells[6].split("`")[1])
    assert written == (best if cells[5] == "best" else {"lr": 0.1, "momentum": 0.0})
    # the same verdict as a plugin's TUNED entries; its runs are stored, so the second call runs nothing
    entries = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "confirm_defaults.py"), str(db), "--seeds", "2", "--format", "py"],
        check=True, capture_output=True, text=True, timeout=300,
    ).stdout  # fmt: skip
    assert ast.literal_eval("{" + entries + "}") == {"tunable": {"conformance-sealed": written}}
    assert len(stored_rows(db)) == len(rows_before)


class _TwoSlots:
    """An executor of two slots that holds trial 0's run until three other runs have ended, noting each event."""

    def __init__(self):
        self.events = []

    def run(self, specs, on_result):
        specs, running, ended = iter(specs), [], 0
        while True:
            while len(running) < 2 and (spec := next(specs, None)) is not None:
                self.events.append(("start", spec.trial["number"]))
                running.append(spec)
            if not running:
                return
            others = [spec for spec in running if spec.trial["number"] != 0]
            spec = others[0] if others and ended < 3 else running[0]
            running.remove(spec)
            ended += 1
            self.events.append(("end", spec.trial["number"]))
            score = 0.5 + 0.01 * spec.trial["number"]
            on_result(spec, {"status": "finished", "wall_seconds": 0.0, "metrics": {"val_score": score},
                             "curve": [{"presentations": 64, "val_score": score}]})  # fmt: skip


def test_a_slow_trial_holds_one_slot_while_the_next_trials_take_the_other(tunable_plugin, tmp_path):
    """Trials are asked as slots free, not in lockstep batches: three trials start and end beside trial 0."""
    from harness.registry import registry
    from harness.results.store import Store

    executor = _TwoSlots()
    with Store(tmp_path / "tune.sqlite") as store:
        (result,) = study.tune(
            registry(), store, executor, tmp_path / "studies.sqlite", ["conformance-sealed"], ["tunable"], trials=5
        )
    assert executor.events[:5] == [("start", 0), ("start", 1), ("end", 1), ("start", 2), ("end", 2)]
    assert executor.events.index(("end", 0)) > executor.events.index(("end", 3))
    assert result.complete == 5 and len(stored_rows(tmp_path / "tune.sqlite")) == 5
