"""The result store: one SQLite file, WAL mode, one transaction per run.

A file is recognised as a creditbench store by its SQLite ``application_id``;
its schema version is ``user_version``; a store of an older schema is migrated when it is opened for
writing (``MIGRATIONS``: schema 2 added ``failure_logs``, schema 3 ``claims``, the last outcome of each paper
claim that ``pytest --benchmark`` ran), and read as it is otherwise.  Before anything is written, an
existing file is inspected read-only: a file that is not SQLite, is corrupt,
belongs to another application or was written by a newer schema is refused
with a ``HarnessError`` and left byte-for-byte untouched.  Nothing in a store
is pickled: configs, metrics, curves and environments are JSON text.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from harness.errors import HarnessError

APPLICATION_ID = 0x43524442  # "CRDB"
SCHEMA_VERSION = 3
FAILURE_LOG_CHARS = 32_000  # of a failed run's traceback, and of its output: the end, where the error is
DEFAULT_PATH = "creditbench.sqlite"
SQLITE_HEADER = b"SQLite format 3\x00"

SCHEMA = """
CREATE TABLE runs (
    run_key      TEXT PRIMARY KEY,
    suite        TEXT NOT NULL,
    task         TEXT NOT NULL,
    algorithm    TEXT NOT NULL,
    seed         INTEGER NOT NULL,
    overrides    TEXT NOT NULL,
    config       TEXT NOT NULL,
    budget       TEXT NOT NULL,
    code_version TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('finished', 'failed')),
    reason       TEXT,
    metrics      TEXT NOT NULL,
    curve        TEXT NOT NULL,
    environment  TEXT NOT NULL,
    wall_seconds REAL NOT NULL,
    finished_at  TEXT NOT NULL
);
CREATE INDEX runs_by_task_algorithm ON runs (suite, task, algorithm);
"""
FAILURE_LOGS = """
CREATE TABLE failure_logs (
    run_key   TEXT PRIMARY KEY,
    traceback TEXT NOT NULL,
    output    TEXT NOT NULL
);
"""
CLAIMS = """
CREATE TABLE claims (
    test         TEXT PRIMARY KEY,
    rules        TEXT NOT NULL,
    paper        TEXT NOT NULL,
    claim        TEXT NOT NULL,
    outcome      TEXT CHECK (outcome IN ('passed', 'failed', 'skipped')),
    code_version TEXT,
    recorded_at  TEXT
);
"""
MIGRATIONS = {2: FAILURE_LOGS, 3: CLAIMS}  # schema version -> what brings a store of the version before to it

JSON_COLUMNS = ("overrides", "config", "budget", "metrics", "curve", "environment")


def _inspect(path: Path) -> tuple[int, int, bool]:
    """(application_id, user_version, has_tables) read without writing anything."""
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        if not header:
            return 0, 0, False
        raise HarnessError(f"{path} is not a creditbench store (not an SQLite file)")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            user_version = connection.execute("PRAGMA user_version").fetchone()[0]
            has_tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
            if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("quick_check failed")
        finally:
            connection.close()
    except sqlite3.OperationalError as error:  # a read-only folder (a WAL store needs it writable), a full disk
        raise HarnessError(f"cannot open store {path}: {error}") from None
    except sqlite3.DatabaseError as error:
        raise HarnessError(f"{path} is a corrupt or unreadable SQLite file ({error})") from None
    return application_id, user_version, has_tables


class Store:
    """Runs keyed by ``run_key``; see ``harness.training.spec.RunSpec.key``."""

    def __init__(self, path: str | Path = DEFAULT_PATH, create: bool = True, read_only: bool = False):
        """``read_only`` opens an existing store without writing anything (no migration either)."""
        create = create and not read_only
        self.path = Path(path)
        if self.path.is_dir():
            raise HarnessError(f"{self.path} is a directory, not a store file")
        exists = self.path.exists()
        if not exists and not create:
            raise HarnessError(f"no store at {self.path}")
        if exists:
            application_id, user_version, has_tables = _inspect(self.path)
            if has_tables and application_id != APPLICATION_ID:
                raise HarnessError(f"{self.path} is an SQLite file of another application, not a creditbench store")
            if user_version > SCHEMA_VERSION:
                raise HarnessError(
                    f"{self.path} was written by a newer creditbench (schema {user_version}, this one reads "
                    f"{SCHEMA_VERSION}); upgrade creditbench to read it"
                )
            fresh = not has_tables
            self.schema = user_version
        else:
            if not self.path.parent.exists():
                raise HarnessError(f"cannot create {self.path}: folder {self.path.parent} does not exist")
            fresh = True
        if fresh and not create:
            raise HarnessError(f"{self.path} is an empty file, not a creditbench store")
        try:
            self.connection = sqlite3.connect(self.path, isolation_level=None)
            if read_only:  # not mode=ro: that would leave the WAL's files behind, which the last connection removes
                self.connection.execute("PRAGMA query_only=ON")
                return
            if fresh:
                self._create_schema()
            elif self.schema < SCHEMA_VERSION:
                self._migrate()
            self.connection.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as error:
            if not exists:  # leave no half-made store behind (say, the disk is full)
                self.path.unlink(missing_ok=True)
            raise HarnessError(f"cannot open store {self.path}: {error}") from None

    def _create_schema(self) -> None:
        self.schema = SCHEMA_VERSION
        self.connection.executescript(
            f"BEGIN; {SCHEMA} {FAILURE_LOGS} {CLAIMS} PRAGMA application_id={APPLICATION_ID}; "
            f"PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
        )

    def _migrate(self) -> None:
        steps = " ".join(MIGRATIONS[version] for version in range(self.schema + 1, SCHEMA_VERSION + 1))
        self.connection.executescript(f"BEGIN; {steps} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")
        self.schema = SCHEMA_VERSION

    def transaction(self):
        return _Transaction(self.connection)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _insert(self, row: dict) -> None:
        values = {key: json.dumps(value) if key in JSON_COLUMNS else value for key, value in row.items()}
        columns = ", ".join(values)
        placeholders = ", ".join(f":{key}" for key in values)
        self.connection.execute(f"INSERT OR REPLACE INTO runs ({columns}) VALUES ({placeholders})", values)

    def save(self, row: dict, traceback: str | None = None, output: str | None = None) -> None:
        """Insert or replace one run, atomically; a failed run with its traceback and captured output (each cut to
        its last ``FAILURE_LOG_CHARS``), which replace what an earlier attempt left."""
        try:
            with self.transaction():
                self._insert(row)
                self.connection.execute("DELETE FROM failure_logs WHERE run_key = ?", (row["run_key"],))
                if row["status"] == "failed" and (traceback or output):
                    self.connection.execute(
                        "INSERT INTO failure_logs VALUES (?, ?, ?)",
                        (row["run_key"], _tail(traceback or ""), _tail(output or "")),
                    )
        except sqlite3.Error as error:
            raise HarnessError(f"cannot write to store {self.path}: {error}") from None

    def merge(self, rows) -> tuple[int, int]:
        """Add runs from elsewhere in one transaction; (added, replaced).

        A run already here is kept as it is, except that a finished run
        replaces a failed one (say, a rerun on a machine with more memory).
        So merging the same runs twice adds nothing.
        """
        added = replaced = 0
        try:
            with self.transaction():
                for row in rows:
                    found = self.connection.execute(
                        "SELECT status FROM runs WHERE run_key = ?", (row["run_key"],)
                    ).fetchone()
                    if found is None:
                        added += 1
                    elif found[0] == "failed" and row["status"] == "finished":
                        replaced += 1
                        self.connection.execute("DELETE FROM failure_logs WHERE run_key = ?", (row["run_key"],))
                    else:
                        continue
                    self._insert(row)
        except sqlite3.Error as error:
            raise HarnessError(f"cannot write to store {self.path}: {error}") from None
        return added, replaced

    def keys(self, statuses: tuple[str, ...] = ("finished", "failed")) -> set[str]:
        marks = ", ".join("?" for _ in statuses)
        rows = self.connection.execute(f"SELECT run_key FROM runs WHERE status IN ({marks})", statuses)
        return {key for (key,) in rows}

    def failed_metrics(self) -> dict[str, dict]:
        """The metrics of every failed run (what is known of its failure, e.g. the time limit it exceeded), by key."""
        rows = self.connection.execute("SELECT run_key, metrics FROM runs WHERE status = 'failed'")
        return {key: json.loads(metrics) for key, metrics in rows}

    def runs(self, suite: str | None = None, keys: set[str] | None = None) -> list[dict]:
        """Stored runs, optionally only those of one suite and/or with the given run keys."""
        conditions, parameters = [], []
        if suite:
            conditions.append("suite = ?")
            parameters.append(suite)
        if keys is not None:
            conditions.append(f"run_key IN ({', '.join('?' for _ in keys)})")
            parameters.extend(keys)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        cursor = self.connection.execute(f"SELECT * FROM runs{where} ORDER BY suite, task, algorithm, seed", parameters)
        names = [column[0] for column in cursor.description]
        rows = []
        for values in cursor:
            row = dict(zip(names, values))
            for key in JSON_COLUMNS:
                row[key] = json.loads(row[key])
            rows.append(row)
        return rows

    def failure_log(self, run_key: str) -> dict | None:
        """A failed run's ``traceback`` and captured ``output``, or None (a finished run, a failure outside the
        plugin that left neither, a store of schema 1)."""
        if self.schema < 2:
            return None
        found = self.connection.execute(
            "SELECT traceback, output FROM failure_logs WHERE run_key = ?", (run_key,)
        ).fetchone()
        return None if found is None else {"traceback": found[0], "output": found[1]}

    def find(self, reference: str) -> dict:
        """The one run whose key starts with ``reference`` or whose label (``task::algorithm::seedN``) it is."""
        found = self.connection.execute(
            "SELECT run_key, task, algorithm, seed, json_extract(metrics, '$.lean') FROM runs"
        )  # without the curves and metrics, which a store of many runs holds megabytes of
        keys = {
            key
            for key, task, algorithm, seed, lean in found
            if key.startswith(reference)
            or label({"task": task, "algorithm": algorithm, "seed": seed, "metrics": {"lean": lean}}) == reference
        }
        rows = self.runs(keys=keys)
        if not rows:
            raise HarnessError(
                f"no run {reference!r} in {self.path} (give a run key, or a prefix of one, or task::algorithm::seedN)"
            )
        if len(rows) > 1:
            choices = ", ".join(f"{row['run_key'][:12]} ({row['suite']} {label(row)})" for row in rows[:5])
            raise HarnessError(f"{reference!r} names {len(rows)} runs in {self.path}: {choices}; give more of the key")
        return rows[0]

    def register_claims(self, claims: list[dict]) -> None:
        """Add paper claims (``test``: the pytest node id, ``rules``, ``paper``, ``claim``) not yet run, or update
        the description of those known, keeping their last outcome."""
        try:
            with self.transaction():
                for claim in claims:
                    self.connection.execute(
                        "INSERT INTO claims (test, rules, paper, claim) VALUES (?, ?, ?, ?) ON CONFLICT (test) DO "
                        "UPDATE SET rules = excluded.rules, paper = excluded.paper, claim = excluded.claim",
                        (claim["test"], json.dumps(claim["rules"]), claim["paper"], claim["claim"]),
                    )
        except sqlite3.Error as error:
            raise HarnessError(f"cannot write to store {self.path}: {error}") from None

    def record_claim(self, test: str, outcome: str, code_version: str, recorded_at: str) -> None:
        """The outcome of a registered claim's test, replacing the one before."""
        try:
            with self.transaction():
                self.connection.execute(
                    "UPDATE claims SET outcome = ?, code_version = ?, recorded_at = ? WHERE test = ?",
                    (outcome, code_version, recorded_at, test),
                )
        except sqlite3.Error as error:
            raise HarnessError(f"cannot write to store {self.path}: {error}") from None

    def claims(self) -> list[dict]:
        """Every registered paper claim with its last outcome (None when it never ran); none in a store of schema
        before 3."""
        if self.schema < 3:
            return []
        cursor = self.connection.execute("SELECT * FROM claims ORDER BY test")
        names = [column[0] for column in cursor.description]
        return [{**row, "rules": json.loads(row["rules"])} for row in (dict(zip(names, v)) for v in cursor)]

    def delete(self, keys: set[str]) -> int:
        """Remove the runs with these keys (and their failure logs), in one transaction; how many were removed."""
        try:
            with self.transaction():
                removed = 0
                for key in keys:
                    self.connection.execute("DELETE FROM failure_logs WHERE run_key = ?", (key,))
                    removed += self.connection.execute("DELETE FROM runs WHERE run_key = ?", (key,)).rowcount
        except sqlite3.Error as error:
            raise HarnessError(f"cannot write to store {self.path}: {error}") from None
        return removed


def label(row: dict) -> str:
    """How a stored run is named on the terminal: ``task::algorithm::seedN`` (``RunSpec.label``)."""
    return f"{row['task']}::{row['algorithm']}::seed{row['seed']}" + ("::lean" if row["metrics"].get("lean") else "")


def _tail(text: str) -> str:
    if len(text) <= FAILURE_LOG_CHARS:
        return text
    return f"[... {len(text) - FAILURE_LOG_CHARS} characters cut ...]\n" + text[-FAILURE_LOG_CHARS:]


class _Transaction:
    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        if not self.connection.in_transaction:
            self.connection.execute("BEGIN IMMEDIATE")
        return self.connection

    def __exit__(self, exc_type, *rest):
        if self.connection.in_transaction:
            self.connection.execute("ROLLBACK" if exc_type else "COMMIT")
