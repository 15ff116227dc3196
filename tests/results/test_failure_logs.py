import sqlite3

from harness.results.store import APPLICATION_ID, FAILURE_LOG_CHARS, SCHEMA, SCHEMA_VERSION, Store
from tests.results.test_store import ROW

FAILED = {**ROW, "run_key": "k2", "status": "failed", "reason": "plugin raised ValueError: x", "metrics": {}}


def test_a_failed_runs_traceback_and_output_are_kept_cut_to_their_end(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        store.save(FAILED, "Traceback ...\nValueError: x", "x" * (3 * FAILURE_LOG_CHARS) + "last words")
        log = store.failure_log("k2")
    assert log["traceback"] == "Traceback ...\nValueError: x"
    assert log["output"].endswith("last words") and len(log["output"]) < FAILURE_LOG_CHARS + 100
    assert log["output"].startswith(f"[... {2 * FAILURE_LOG_CHARS + 10} characters cut ...]")


def test_a_run_that_finishes_on_retry_or_import_loses_its_failure_log(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        store.save(FAILED, "tb", "out")
        store.save({**FAILED, "status": "finished", "reason": None})
        assert store.failure_log("k2") is None
        store.save(FAILED, "tb", "out")
        assert store.merge([{**FAILED, "status": "finished", "reason": None}]) == (0, 1)
        assert store.failure_log("k2") is None


def _schema_1_store(path):
    connection = sqlite3.connect(path)
    connection.executescript(f"{SCHEMA} PRAGMA application_id={APPLICATION_ID}; PRAGMA user_version=1;")
    connection.close()
    with Store(path, read_only=True) as store:
        assert store.schema == 1


def test_a_schema_1_store_is_read_as_it_is_and_migrated_when_written(tmp_path):
    path = tmp_path / "old.sqlite"
    _schema_1_store(path)
    connection = sqlite3.connect(path)
    connection.execute(
        "INSERT INTO runs VALUES (:run_key, :suite, :task, :algorithm, :seed, '{}', '{}', '{}', :code_version, "
        "'failed', 'boom', '{}', '[]', '{}', 1.0, :finished_at)",
        ROW,
    )
    connection.commit()
    connection.close()
    before = path.read_bytes()
    with Store(path, read_only=True) as store:
        assert [row["reason"] for row in store.runs()] == ["boom"] and store.failure_log("k1") is None
    assert path.read_bytes() == before  # reading wrote nothing, not even the migration
    with Store(path) as store:
        assert store.schema == SCHEMA_VERSION and [row["reason"] for row in store.runs()] == ["boom"]
        store.save(FAILED, "tb", "out")
        assert store.failure_log("k2") == {"traceback": "tb", "output": "out"}
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
