import sqlite3

import pytest

from harness.errors import HarnessError
from harness.results.store import SCHEMA_VERSION, Store

ROW = {
    "run_key": "k1",
    "suite": "quick",
    "task": "digits",
    "algorithm": "fa",
    "seed": 0,
    "overrides": {},
    "config": {"lr": 0.05},
    "budget": {"presentations": 10},
    "code_version": "v",
    "status": "finished",
    "reason": None,
    "metrics": {"test_accuracy": 0.9},
    "curve": [{"presentations": 0}],
    "environment": {"device": "cpu"},
    "wall_seconds": 1.5,
    "finished_at": "2026-01-01T00:00:00Z",
}


def test_rows_round_trip_as_json_and_the_file_is_marked_as_ours(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.save(ROW)
        store.save({**ROW, "run_key": "k2", "status": "failed", "reason": "boom"})
        assert store.keys() == {"k1", "k2"} and store.keys(("finished",)) == {"k1"}
        assert store.runs()[0]["metrics"] == {"test_accuracy": 0.9}
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _foreign(path):
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE songs (title TEXT)")
    connection.commit()
    connection.close()


def _newer(path):
    Store(path).close()
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.commit()
    connection.close()


def _truncated(path):
    with Store(path) as store:
        for i in range(200):
            store.save({**ROW, "run_key": f"k{i}", "curve": [{"p": j} for j in range(50)]})
    data = path.read_bytes()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    path.write_bytes(data[: len(data) // 3])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b"\x89PNG random bytes" * 100), "not an SQLite file"),
        (_foreign, "another application"),
        (_newer, "newer creditbench"),
        (_truncated, "corrupt"),
    ],
    ids=["random-bytes", "foreign-sqlite", "newer-schema", "truncated"],
)
def test_unusable_files_are_refused_and_left_unchanged(tmp_path, make, message):
    path = tmp_path / "s.sqlite"
    make(path)
    before = path.read_bytes()
    with pytest.raises(HarnessError, match=message):
        Store(path)
    assert path.read_bytes() == before


def test_a_missing_store_is_an_error_when_reading(tmp_path):
    with pytest.raises(HarnessError, match="no store"):
        Store(tmp_path / "absent.sqlite", create=False)
    with pytest.raises(HarnessError, match="does not exist"):
        Store(tmp_path / "no-such-folder" / "s.sqlite")
