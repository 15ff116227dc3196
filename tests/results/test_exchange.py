"""Export and import: stores from several machines merge into one, and a bad file changes nothing."""

import hashlib
import json
import pickle
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import HarnessError
from harness.results import exchange
from harness.results.exchange import SCHEMA_VERSION
from harness.results.store import Store
from tests.results.test_store import ROW

ROWS = [
    {**ROW, "run_key": "a", "seed": 0},
    {**ROW, "run_key": "b", "seed": 1, "status": "failed", "reason": "timed out", "metrics": {}, "curve": []},
    {**ROW, "run_key": "c", "seed": 2, "overrides": {"lr": 0.5}, "metrics": {"nested": {"x": [1, None, 2.5]}}},
]


def _store(path, rows=ROWS):
    with Store(path) as store:
        for row in rows:
            store.save(row)
    return path


def _runs(path):
    with Store(path, create=False) as store:
        return store.runs()


def test_the_fields_are_the_stores_columns(tmp_path):
    connection = sqlite3.connect(_store(tmp_path / "s.sqlite"))
    assert [name for _, name, *_ in connection.execute("PRAGMA table_info(runs)")] == list(exchange.FIELDS)


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_runs_round_trip_and_importing_twice_adds_nothing(tmp_path, suffix):
    exported = tmp_path / f"runs{suffix}"
    assert exchange.export(_runs(_store(tmp_path / "a.sqlite")), exported) == 3
    assert exported.read_bytes().startswith(b"PAR1") == (suffix == ".parquet")
    with Store(tmp_path / "merged.sqlite") as merged:
        assert merged.merge(exchange.read(exported)) == (3, 0)
        assert merged.merge(exchange.read(exported)) == (0, 0)
    assert _runs(tmp_path / "merged.sqlite") == _runs(tmp_path / "a.sqlite")


def test_stores_of_several_machines_merge_and_a_finished_run_replaces_a_failed_one(tmp_path):
    here = _store(tmp_path / "here.sqlite", ROWS[:2])  # "b" failed here
    there = _store(
        tmp_path / "there.sqlite",
        [
            {**ROWS[1], "status": "finished", "reason": None},  # "b" finished there
            {**ROWS[0], "metrics": {"test_accuracy": 0.1}},
            ROWS[2],
        ],
    )
    exchange.export(_runs(there), tmp_path / "there.jsonl")
    with Store(here) as store:
        assert store.merge(exchange.read(tmp_path / "there.jsonl")) == (1, 1)
    runs = {run["run_key"]: run for run in _runs(here)}
    assert runs["b"]["status"] == "finished" and runs["c"] == _runs(there)[2]
    assert runs["a"]["metrics"] == ROW["metrics"]  # a run already here is kept as it is


def _jsonl(path, header=None, rows=ROWS):
    """An export of ``rows`` with a correct checksum, under ``header`` if given."""
    body = "".join(json.dumps(row) + "\n" for row in rows)
    header = header or {"format": exchange.FORMAT, "schema": SCHEMA_VERSION, "creditbench": "0.1.0", "runs": len(rows)}
    header = {"sha256": hashlib.sha256(body.encode()).hexdigest(), **header}
    path.write_text(json.dumps(header) + "\n" + body)


def _parquet_with(path, **changes):
    import pyarrow as pa
    import pyarrow.parquet as pq

    exchange.export(ROWS, path)
    table = pq.read_table(path)
    metadata = {**table.schema.metadata, **{k.encode(): v.encode() for k, v in changes.items() if k != "seed_type"}}
    if "seed_type" in changes:
        table = table.set_column(table.schema.get_field_index("seed"), "seed", table["seed"].cast(pa.string()))
    pq.write_table(table.replace_schema_metadata(metadata), path)


BAD_FILES = {
    "random bytes": (lambda p: p.write_bytes(bytes(range(256)) * 8), "not a creditbench export"),
    "empty": (lambda p: p.write_bytes(b""), "empty"),
    "another program's JSON Lines": (
        lambda p: p.write_text('{"event": "click"}\n{"event": "scroll"}\n'),
        "not a creditbench export",
    ),
    "newer schema": (
        lambda p: _jsonl(p, {"format": exchange.FORMAT, "schema": SCHEMA_VERSION + 1, "runs": 3}),
        "newer creditbench",
    ),
    "fewer runs than announced": (
        lambda p: _jsonl(p, {"format": exchange.FORMAT, "schema": 1, "runs": 4}),
        "truncated or damaged",
    ),
    "cut mid-line": (lambda p: (_jsonl(p), p.write_bytes(p.read_bytes()[:-40])), "do not match the header's checksum"),
    "a changed digit": (lambda p: (_jsonl(p), p.write_bytes(p.read_bytes().replace(b"0.9", b"0.8"))), "checksum"),
    "valid checksum of invalid JSON": (
        lambda p: p.write_text(
            json.dumps(
                {"format": exchange.FORMAT, "schema": 1, "runs": 1, "sha256": hashlib.sha256(b"{oops\n").hexdigest()}
            )
            + "\n{oops\n"
        ),
        "not valid JSON",
    ),
    "seed is text": (lambda p: _jsonl(p, rows=[{**ROW, "seed": "zero"}]), "field 'seed' has a str"),
    "seed is a bool": (lambda p: _jsonl(p, rows=[{**ROW, "seed": True}]), "field 'seed' has a bool"),
    "unknown status": (lambda p: _jsonl(p, rows=[{**ROW, "status": "running"}]), "status 'running'"),
    "missing field": (lambda p: _jsonl(p, rows=[{k: v for k, v in ROW.items() if k != "curve"}]), "missing fields"),
    "extra field": (lambda p: _jsonl(p, rows=[{**ROW, "pickle": "gASV"}]), "unknown fields"),
    "an SQLite store": (lambda p: _store(p, ROWS[:1]), "export it first"),
    "Parquet of a newer schema": (
        lambda p: _parquet_with(p, **{"creditbench.schema": str(SCHEMA_VERSION + 1)}),
        "newer creditbench",
    ),
    "Parquet of another program": (
        lambda p: _parquet_with(p, **{"creditbench.format": "other"}),
        "not a creditbench export",
    ),
    "Parquet with a wrong column type": (lambda p: _parquet_with(p, seed_type=True), "column types: seed"),
    "Parquet cut short": (
        lambda p: (
            exchange.export(ROWS, p.with_suffix(".parquet")),
            p.write_bytes(p.with_suffix(".parquet").read_bytes()[:300]),
        ),
        "corrupt Parquet",
    ),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_file_is_refused_with_one_line_and_the_store_is_untouched(tmp_path, name):
    make, message = BAD_FILES[name]
    bad = tmp_path / "bad.parquet" if name.startswith("Parquet") and "cut" not in name else tmp_path / "bad.jsonl"
    make(bad)
    store = _store(tmp_path / "s.sqlite", ROWS[:1])
    before = store.read_bytes()
    with pytest.raises(HarnessError, match=message) as error:
        exchange.read(bad)
    assert "\n" not in str(error.value)
    assert store.read_bytes() == before


def test_nothing_is_unpickled(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("something was unpickled")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    for suffix in (".jsonl", ".parquet"):
        exchange.export(ROWS, tmp_path / f"r{suffix}")
        assert [row["run_key"] for row in exchange.read(tmp_path / f"r{suffix}")] == ["a", "b", "c"]


def test_a_failed_export_leaves_the_previous_file_as_it_was(tmp_path, monkeypatch):
    target = tmp_path / "runs.jsonl"
    target.write_text("previous export\n")

    def full_disk(rows, path):
        with open(path, "w") as handle:
            handle.write("partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exchange, "_write_jsonl", full_disk)
    with pytest.raises(HarnessError, match=r"cannot write .*No space left on device"):
        exchange.export(ROWS, target)
    assert target.read_text() == "previous export\n" and [p.name for p in tmp_path.iterdir()] == ["runs.jsonl"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_export_is_refused_or_imports_exactly_its_runs(tmp_path, data):
    exported = tmp_path / "runs.jsonl"
    exchange.export(ROWS, exported)
    raw = bytearray(exported.read_bytes())
    if data.draw(st.booleans(), label="truncate"):
        raw = raw[: data.draw(st.integers(0, len(raw)), label="length")]
    else:
        for _ in range(data.draw(st.integers(1, 4), label="flips")):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(bytes(raw))
    try:
        rows = exchange.read(damaged)
    except HarnessError as error:
        assert "\n" not in str(error)
        return
    assert rows == ROWS  # the damage was to the header's version string, or undid itself
