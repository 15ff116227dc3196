"""Moving runs between stores: export to JSON Lines or Parquet, import with validation.

Stores from several machines merge into one leaderboard by exporting each and
importing the files into one store.  An export holds the store's rows and a
header:

* JSON Lines: the first line is ``{"format": "creditbench-runs", "schema": 1,
  "creditbench": VERSION, "runs": N, "sha256": HEX}``, then one run per line,
  every column a JSON value; the checksum is of the bytes after the header;
* Parquet (when pyarrow is installed): one row per run, the JSON-valued
  columns as JSON text, the header (less the checksum: Parquet checksums its
  pages itself) in the file's key-value metadata.

Import reads and validates a whole file before touching the store: a file
that is not an export of ours, was written by a newer schema, is truncated or
damaged (checksum, or fewer runs than its header says) or has a malformed run
is refused with one line, and nothing is written.  Merging is idempotent by run key (see
``Store.merge``).  Nothing is unpickled: JSON is parsed by ``json``, Parquet by
pyarrow with extension types off and every column's type checked first.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from harness.errors import HarnessError, unknown_name
from harness.results.store import JSON_COLUMNS, SQLITE_HEADER

FORMAT = "creditbench-runs"
# The version of the runs' format: the runs table's columns (schema 1 of the store).  The store's schemas 2 and 3 added
# tables of failure logs and of paper claims' outcomes, which exports do not carry, so its exports stay importable by a
# creditbench of schema 1.
SCHEMA_VERSION = 1
FORMATS = ("jsonl", "parquet")
PARQUET_MAGIC = b"PAR1"

# The store's columns and the JSON types their values must have.
FIELDS: dict[str, tuple[type, ...]] = {
    "run_key": (str,),
    "suite": (str,),
    "task": (str,),
    "algorithm": (str,),
    "seed": (int,),
    "overrides": (dict,),
    "config": (dict,),
    "budget": (dict,),
    "code_version": (str,),
    "status": (str,),
    "reason": (str, type(None)),
    "metrics": (dict,),
    "curve": (list,),
    "environment": (dict,),
    "wall_seconds": (int, float),
    "finished_at": (str,),
}
STATUSES = ("finished", "failed")


def _header(count: int) -> dict:
    from harness import __version__

    return {"format": FORMAT, "schema": SCHEMA_VERSION, "creditbench": __version__, "runs": count}


def format_for(path: str | Path, fmt: str | None = None) -> str:
    """The export format: as given, else from the file's extension (.parquet), else JSON Lines."""
    if fmt is None:
        fmt = "parquet" if Path(path).suffix.lower() == ".parquet" else "jsonl"
    if fmt not in FORMATS:
        raise HarnessError(unknown_name("export format", fmt, FORMATS))
    return fmt


def export(rows: list[dict], path: str | Path, fmt: str | None = None) -> int:
    """Write ``rows`` to ``path`` atomically (a failed write leaves any previous file as it was)."""
    path = Path(path)
    writer = _write_parquet if format_for(path, fmt) == "parquet" else _write_jsonl
    if not path.parent.is_dir():
        raise HarnessError(f"cannot write {path}: folder {path.parent} does not exist")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(descriptor)
    try:
        writer(rows, temporary)
        os.replace(temporary, path)
    except OSError as error:
        raise HarnessError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return len(rows)


def _write_jsonl(rows: list[dict], path: str) -> None:
    body = "".join(json.dumps({name: row[name] for name in FIELDS}) + "\n" for row in rows).encode("utf-8")
    header = {**_header(len(rows)), "sha256": hashlib.sha256(body).hexdigest()}
    with open(path, "wb") as handle:
        handle.write(json.dumps(header).encode("utf-8") + b"\n" + body)
        handle.flush()
        os.fsync(handle.fileno())


def _arrow_types():
    import pyarrow as pa

    def arrow(name):
        if name == "seed":
            return pa.int64()
        if name == "wall_seconds":
            return pa.float64()
        return pa.string()  # text, and the JSON-valued columns as JSON text

    return {name: arrow(name) for name in FIELDS}


def _pyarrow():
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet as pq
    except ImportError:
        raise HarnessError("Parquet needs pyarrow (pip install pyarrow); JSON Lines works without it") from None
    return pq


def _write_parquet(rows: list[dict], path: str) -> None:
    pq = _pyarrow()
    import pyarrow as pa

    metadata = {f"creditbench.{key}": str(value) for key, value in _header(len(rows)).items()}
    schema = pa.schema(list(_arrow_types().items()), metadata=metadata)
    columns = {name: [json.dumps(row[name]) if name in JSON_COLUMNS else row[name] for row in rows] for name in FIELDS}
    pq.write_table(pa.table(columns, schema=schema), path, write_page_checksum=True)


def read(path: str | Path) -> list[dict]:
    """The runs of an export file, validated; HarnessError (one line) if the file is not acceptable."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            start = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise HarnessError(f"cannot read {path}: {error.strerror or error}") from None
    if start.startswith(PARQUET_MAGIC):
        return _read_parquet(path)
    if start == SQLITE_HEADER:
        raise HarnessError(f"{path} is an SQLite file, not an export; export it first with creditbench export")
    return _read_jsonl(path)


def _check_header(path: Path, header: object) -> int:
    """The number of runs the header announces."""
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise HarnessError(f"{path} is not a creditbench export (no {FORMAT!r} header)")
    schema, count = header.get("schema"), header.get("runs")
    if not _is_int(schema) or schema < 1 or not _is_int(count) or count < 0:
        raise HarnessError(f"{path} has a malformed creditbench header")
    if schema > SCHEMA_VERSION:
        raise HarnessError(
            f"{path} was written by a newer creditbench (schema {schema}, this one reads "
            f"{SCHEMA_VERSION}); upgrade creditbench to import it"
        )
    return count


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def row_problem(row: object) -> str | None:
    if not isinstance(row, dict):
        return "a run is not a JSON object"
    missing, unknown = set(FIELDS) - set(row), set(row) - set(FIELDS)
    if missing or unknown:
        return f"missing fields {sorted(missing)}" if missing else f"unknown fields {sorted(unknown)}"
    for name, types in FIELDS.items():
        value = row[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            return f"field {name!r} has a {type(value).__name__}, expected {' or '.join(t.__name__ for t in types)}"
    if row["status"] not in STATUSES:
        return f"status {row['status']!r} is not one of {', '.join(STATUSES)}"
    if not row["run_key"]:
        return "empty run_key"
    return None


def _validated(path: Path, rows: list, count: int, unit: str, first: int) -> list[dict]:
    for number, row in enumerate(rows, start=first):
        problem = row_problem(row)
        if problem:
            raise HarnessError(f"{path}: {unit} {number}: {problem}")
    if len(rows) != count:
        raise HarnessError(f"{path} is truncated or damaged: its header announces {count} runs, it holds {len(rows)}")
    return rows


def _read_jsonl(path: Path) -> list[dict]:
    try:
        first, _, body = path.read_bytes().partition(b"\n")
    except OSError as error:
        raise HarnessError(f"cannot read {path}: {error.strerror or error}") from None
    if not first:
        raise HarnessError(f"{path} is empty, not a creditbench export")
    header = _json(first)
    count = _check_header(path, header)
    if hashlib.sha256(body).hexdigest() != header.get("sha256"):
        raise HarnessError(f"{path} is truncated or damaged: its runs do not match the header's checksum")
    try:
        values = [json.loads(line) for line in body.decode("utf-8").splitlines()]
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # a checksum of damaged content
        raise HarnessError(f"{path} has runs that are not valid JSON") from None
    return _validated(path, values, count, "line", 2)


def _json(line: bytes):
    try:
        return json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None


def _read_parquet(path: Path) -> list[dict]:
    pq = _pyarrow()
    import pyarrow as pa

    try:
        parquet = pq.ParquetFile(path, arrow_extensions_enabled=False, page_checksum_verification=True)
        schema = parquet.schema_arrow
    except (pa.ArrowException, OSError) as error:
        raise HarnessError(f"{path} is a corrupt Parquet file ({str(error).splitlines()[0][:200]})") from None
    metadata = {
        key.decode("utf-8", "replace"): value.decode("utf-8", "replace")
        for key, value in (schema.metadata or {}).items()
    }
    header = {
        key.removeprefix("creditbench."): value for key, value in metadata.items() if key.startswith("creditbench.")
    }
    for key in ("schema", "runs"):
        if key in header:
            header[key] = int(header[key]) if header[key].isdigit() else header[key]
    count = _check_header(path, header)
    expected = _arrow_types()
    found = {field.name: field.type for field in schema}
    if found != expected:
        wrong = sorted(name for name in set(found) | set(expected) if found.get(name) != expected.get(name))
        raise HarnessError(f"{path} has unexpected columns or column types: {', '.join(wrong)}")
    try:
        table = parquet.read()
    except (pa.ArrowException, OSError) as error:
        raise HarnessError(f"{path} is a corrupt Parquet file ({str(error).splitlines()[0][:200]})") from None
    rows = table.to_pylist()
    for number, row in enumerate(rows, start=1):
        for name in JSON_COLUMNS:
            try:
                row[name] = json.loads(row[name]) if row[name] is not None else None
            except (json.JSONDecodeError, RecursionError):
                raise HarnessError(f"{path}: row {number}: column {name!r} is not valid JSON") from None
    return _validated(path, rows, count, "row", 1)
