"""Helpers of the reliability tests: stored rows compared up to timings, and the counts they report."""

import json
import sqlite3

from harness.results.store import JSON_COLUMNS

# Lines for the "creditbench reliability" section of pytest's terminal summary (see conftest.py).
REPORT: list[str] = []


def without_timings(value):
    """``value`` with every ``*_seconds`` entry and ``finished_at`` removed, at any depth."""
    if isinstance(value, dict):
        return {
            key: without_timings(item)
            for key, item in value.items()
            if not key.endswith("_seconds") and key != "finished_at"
        }
    if isinstance(value, list):
        return [without_timings(item) for item in value]
    return value


def stored_rows(path) -> dict[str, dict]:
    """Every row of a store by run key, read with plain sqlite3, after checking the file's integrity."""
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = {}
        for record in connection.execute("SELECT * FROM runs"):
            row = dict(record)
            for column in JSON_COLUMNS:
                row[column] = json.loads(row[column])
            rows[row["run_key"]] = row
        return rows
    finally:
        connection.close()


def comparable(rows: dict[str, dict]) -> dict[str, dict]:
    return {key: without_timings(row) for key, row in rows.items()}
