import re
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.results import open_store
from harness.results.store import Store
from tests.results.test_store import ROW

README = Path(__file__).resolve().parents[2] / "README.md"


def _run(key, algorithm, seed, score, status="finished"):
    curve = [
        {"presentations": p, "test_score": score * p / 200, "gradient_cosine": {"output": ["w"]}} for p in (0, 200)
    ]
    return {
        **ROW,
        "run_key": key,
        "task": "digits",
        "algorithm": algorithm,
        "seed": seed,
        "status": status,
        "reason": None if status == "finished" else "plugin raised ValueError: x",
        "metrics": {"test_score": score, "presentations_to_target": {"0.5": 100}} if status == "finished" else {},
        "curve": curve if status == "finished" else [],
    }


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "creditbench.sqlite"
    with Store(path) as store:
        for seed, (reference, rule) in enumerate([(0.9, 0.7), (0.92, 0.75)]):
            store.save(_run(f"b{seed}", "bp-sgd", seed, reference))
            store.save(_run(f"f{seed}", "fa", seed, rule))
        store.save(_run("x0", "fa", 2, 0.0, status="failed"), "Traceback ...\nValueError: x", "printed")
    return path


def test_runs_curves_and_the_leaderboard_are_data_frames_of_what_is_stored(store_path):
    with open_store(store_path) as results:
        runs = results.runs()
        curves = results.curves()
        board = results.leaderboard()
        assert results.failure_log("x0") == {"traceback": "Traceback ...\nValueError: x", "output": "printed"}
    assert len(runs) == 5 and set(runs.status) == {"finished", "failed"}
    assert runs.loc[runs.run_key == "f1", "test_score"].item() == 0.75
    assert runs.loc[runs.run_key == "f1", "presentations_to_target:0.5"].item() == 100
    assert len(curves) == 8 and curves.loc[curves.run_key == "b1", "test_score"].tolist() == [0.0, 0.92]
    fa = board[board.label == "fa"].iloc[0]
    assert fa.n_seeds == 2 and fa.failed_runs == 1 and fa.test_score_mean == pytest.approx(0.725)
    assert fa["vs_reference:mean"] == pytest.approx(-0.185)


def test_the_paper_claims_are_a_data_frame_with_their_last_outcomes(store_path):
    import pandas

    with Store(store_path) as store:
        store.register_claims(
            [
                {"test": "t.py::test_a", "rules": ["fa", "dfa"], "paper": "Nøkland 2016", "claim": "a"},
                {"test": "t.py::test_b", "rules": ["fa"], "paper": "p", "claim": "b"},
            ]
        )
        store.record_claim("t.py::test_a", "failed", "creditbench 0.3.0", "2026-12-01 10:00 UTC")
    with open_store(store_path) as results:
        claims = results.claims().set_index("test")
    assert claims.loc["t.py::test_a", ["rules", "outcome"]].tolist() == ["fa, dfa", "failed"]
    assert pandas.isna(claims.loc["t.py::test_b", "outcome"])  # never run


def test_a_mistyped_path_is_an_error_and_creates_nothing(tmp_path):
    with pytest.raises(HarnessError, match="no store at"):
        open_store(tmp_path / "creditbnech.sqlite")
    assert list(tmp_path.iterdir()) == []


def test_opening_writes_nothing(store_path):
    before = _files(store_path.parent)
    with open_store(store_path) as results:
        results.runs(), results.leaderboard()
        with pytest.raises(Exception, match="readonly database"):
            results.store.connection.execute("DELETE FROM runs")
    assert _files(store_path.parent) == before  # not even the WAL's files are left behind


def _files(folder) -> dict:
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def test_the_readmes_example_runs(store_path, monkeypatch, capsys):
    [example] = re.findall(r"runs this example:\n\n  ```python\n(.*?)  ```", README.read_text(), re.S)
    monkeypatch.chdir(store_path.parent)
    namespace: dict = {}
    exec("\n".join(line[2:] for line in example.splitlines()), namespace)
    printed = capsys.readouterr().out
    assert "fa" in printed and "0.725" in printed  # the mean test score per (task, algorithm)
    from bokeh.model import Model

    assert isinstance(namespace["figure"], Model)  # the report's own figure, which a notebook shows
