"""Hostile input: whatever the arguments or the files, one line on stderr, exit code 2, and no file changed.

Property-based tests (hypothesis) drive the command line and the config parsing; the file cases cover a
truncated store, random bytes, another application's SQLite file, a newer schema, a read-only directory and a
full disk (a file-size limit in the child process: writes past it fail with EFBIG, as on a full disk).
"""

import contextlib
import functools
import io
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.cli import _parse_settings, main
from harness.errors import HarnessError
from harness.results.exchange import row_problem
from harness.results.store import Store
from tests.reliability.helpers import stored_rows
from tests.results.test_store import ROW, _foreign, _newer, _truncated

CLI = [sys.executable, "-c", "from harness.cli import main; main()"]
NOWHERE = "/nonexistent-creditbench-folder/store.sqlite"


def _main(argv) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the CLI run in this process."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(argv))
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def _one_line_error(code: int, stderr: str) -> bool:
    lines = stderr.strip().splitlines()
    return code == 2 and len(lines) == 1 and lines[0].startswith("creditbench: error: ")


# --set KEY=VALUE -----------------------------------------------------------------------------------------------


@given(st.lists(st.text(), max_size=4))
def test_any_settings_parse_or_are_refused_with_harness_error(settings_list):
    try:
        parsed = _parse_settings(tuple(settings_list))
    except HarnessError as error:
        assert "\n" not in str(error)
        return
    assert set(parsed) <= {setting.partition("=")[0] for setting in settings_list}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(st.text(min_size=1).filter(lambda key: "=" not in key), JSON_VALUES)
def test_a_json_value_round_trips_through_set(key, value):
    import json

    assert _parse_settings((f"{key}={json.dumps(value)}",)) == {key: value}


# the command line ----------------------------------------------------------------------------------------------

OPTION_VALUES = {
    "--suite": st.sampled_from(["quick", "standard", "selection", "huge", ""]),
    "--task": st.sampled_from(["digits", "conformance", "cifar", ""]) | st.text(max_size=8),
    "--algorithm": st.sampled_from(["bp-sgd", "fa", "nope"]) | st.text(max_size=8),
    "--seeds": st.integers(-3, 3).map(str) | st.text(max_size=4),
    "--first-seed": st.integers(-3, 2000).map(str) | st.text(max_size=4),
    "--set": st.text(max_size=12),
    "--jobs": st.integers(-2, 300).map(str) | st.text(max_size=4),
    "--threads": st.integers(-2, 300).map(str),
    "--memory-limit": st.floats(allow_nan=True).map(str),
    "--time-limit": st.floats(allow_nan=True).map(str),
    "--executor": st.sampled_from(["local", "dask", "submitit", "ray"]),
    "--scheduler": st.text(max_size=12),
    "--runs-per-job": st.integers(-1, 3).map(str),
    "--partition": st.text(max_size=6),
}


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.sampled_from(sorted(OPTION_VALUES)).flatmap(lambda o: OPTION_VALUES[o].map(lambda v: (o, v))), max_size=5
    )
)
def test_any_run_options_end_in_one_line_and_exit_2_with_nothing_written(options):
    """Every run here is refused: if the options are valid, the store's folder does not exist."""
    argv = ["run", *(token for option, value in options for token in (f"{option}={value}",)), "--db", NOWHERE]
    code, _, stderr = _main(argv)
    assert _one_line_error(code, stderr), (argv, code, stderr)
    assert "Traceback" not in stderr


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "report",
                "export",
                "import",
                "list",
                "check-plugin",
                "--db",
                "--out",
                "--format",
                "--suite",
                "--json",
                "--across-tasks",
                "nope",
                "md",
                "html",
                "algorithms",
                NOWHERE,
                "-",
                "--",
            ]
        )
        | st.text(max_size=10),
        min_size=1,
        max_size=5,
    )
)
def test_any_command_line_exits_0_or_2_and_never_shows_a_traceback(argv):
    if "check-plugin" in argv:
        argv = [token for token in argv if token in ("check-plugin", "nope")] or ["check-plugin", "nope"]
    code, _, stderr = _main(argv)
    assert code in (0, 2), (argv, code, stderr)
    assert "Traceback" not in stderr
    assert code == 0 or _one_line_error(code, stderr), (argv, stderr)


# files ---------------------------------------------------------------------------------------------------------


def _random_bytes(path):
    path.write_bytes(os.urandom(8192))


def _export_file(tmp_path) -> Path:
    from harness.results import exchange

    path = tmp_path / "runs.jsonl"
    exchange.export([{**ROW, "run_key": "other"}], path)
    return path


BAD_STORES = {
    "truncated": (_truncated, "corrupt"),
    "random bytes": (_random_bytes, "not an SQLite file"),
    "another application's SQLite": (_foreign, "another application"),
    "newer schema": (_newer, "newer"),
}


@functools.cache
def _bad_store(kind: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "store.sqlite"
        BAD_STORES[kind][0](path)
        return path.read_bytes()


@pytest.mark.parametrize("kind", BAD_STORES)
@pytest.mark.parametrize("command", ["run", "report", "export", "import"])
def test_an_unusable_store_is_refused_untouched(tmp_path, kind, command):
    message = BAD_STORES[kind][1]
    store = tmp_path / "store.sqlite"
    store.write_bytes(_bad_store(kind))
    before = store.read_bytes()
    argv = {
        "run": ["run", "--task", "digits", "--algorithm", "bp-sgd", "--seeds", "1", "--db", str(store)],
        "report": ["report", "--db", str(store)],
        "export": ["export", "--db", str(store), "--out", str(tmp_path / "out.jsonl")],
        "import": ["import", str(_export_file(tmp_path)), "--db", str(store)],
    }[command]
    code, _, stderr = _main(argv)
    assert _one_line_error(code, stderr) and message in stderr, stderr
    assert store.read_bytes() == before
    assert not (tmp_path / "out.jsonl").exists()


def _without_permission_override():
    """preexec_fn for a child that honours file permissions even as root.

    Root ignores permissions through the capabilities CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH; dropping them
    from the bounding set keeps them out of the child's program (root's capabilities are recomputed at exec).
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if os.getuid() == 0 and libc.prctl(24, capability, 0, 0, 0) != 0:  # 24: PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_a_read_only_directory_gives_one_line_and_changes_nothing(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    with Store(folder / "store.sqlite") as store:
        store.save(ROW)
    export = _export_file(tmp_path)
    folder.chmod(0o555)
    try:
        probe = subprocess.run(
            ["touch", str(folder / "probe")], capture_output=True, preexec_fn=_without_permission_override
        )
        if probe.returncode == 0:
            pytest.skip("this machine lets the test's child write into a read-only directory")
        before = {path.name: path.read_bytes() for path in folder.iterdir()}
        store = str(folder / "store.sqlite")
        cases = [
            (["run", "--task", "digits", "--algorithm", "bp-sgd", "--seeds", "1", "--db", store], "cannot open store"),
            (
                [
                    "run",
                    "--task",
                    "digits",
                    "--algorithm",
                    "bp-sgd",
                    "--seeds",
                    "1",
                    "--db",
                    str(folder / "new.sqlite"),
                ],
                "cannot open store",
            ),
            (["import", str(export), "--db", store], "cannot open store"),
            (["export", "--db", str(tmp_path / "elsewhere.sqlite"), "--out", str(folder / "out.jsonl")], "no store"),
        ]
        for argv, message in cases:
            result = subprocess.run(
                [*CLI, *argv], capture_output=True, text=True, timeout=120, preexec_fn=_without_permission_override
            )
            assert _one_line_error(result.returncode, result.stderr) and message in result.stderr, (argv, result.stderr)
            assert {path.name: path.read_bytes() for path in folder.iterdir()} == before, argv
    finally:
        folder.chmod(0o755)


def _disk_full_after(limit_bytes: int):
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return limit


def _cli_on_a_full_disk(argv, limit_bytes):
    result = subprocess.run(
        [*CLI, *argv], capture_output=True, text=True, timeout=120, preexec_fn=_disk_full_after(limit_bytes)
    )
    assert result.returncode == 2 and result.stderr.count("creditbench: error: ") == 1, (argv, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr


def _files(folder) -> dict:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


def test_a_full_disk_gives_one_line_and_changes_nothing(faulty_plugins, tmp_path):
    from harness.results import exchange

    store = tmp_path / "store.sqlite"
    with Store(store) as opened:
        opened.save(ROW)
    big_store = tmp_path / "big.sqlite"
    with Store(big_store) as opened:
        opened.merge(
            [{**ROW, "run_key": f"k{i}", "curve": [{"presentations": j} for j in range(100)]} for i in range(300)]
        )
    big_export = tmp_path / "many.jsonl"
    exchange.export(_runs_of(big_store), big_export)
    (tmp_path / "previous.jsonl").write_text("an earlier export\n")
    before = _files(tmp_path)
    run = ["run", "--task", "conformance", "--algorithm", "plain", "--seeds", "1"]
    # 1 KiB: not even a new store's first pages fit
    assert "cannot open store" in _cli_on_a_full_disk([*run, "--db", str(tmp_path / "new.sqlite")], 1 << 10)
    # 64 KiB: a store's shared-memory index (32 KiB) fits; 300 runs, exported or imported, do not
    assert "cannot write" in _cli_on_a_full_disk(
        ["export", "--db", str(big_store), "--out", str(tmp_path / "previous.jsonl")], 64 << 10
    )
    assert "cannot write to store" in _cli_on_a_full_disk(["import", str(big_export), "--db", str(store)], 64 << 10)
    assert _files(tmp_path) == before


def _runs_of(path):
    with Store(path, create=False) as store:
        return store.runs()


def test_a_disk_that_fills_up_mid_suite_keeps_every_run_saved_before(faulty_plugins, tmp_path):
    """The write-ahead log grows with each commit: at 40 KiB, a few runs are saved, then a commit fails."""
    store = tmp_path / "store.sqlite"
    with Store(store) as opened:
        opened.save(ROW)
    argv = ["run", "--task", "conformance", "--algorithm", "plain", "--seeds", "8", "--jobs", "1", "--db", str(store)]
    assert "cannot write to store" in _cli_on_a_full_disk(argv, 40 << 10)
    rows = stored_rows(store)  # integrity_check ok
    assert all(row_problem(row) is None for row in rows.values())
    saved = [row for row in rows.values() if row["algorithm"] == "plain"]
    assert rows[ROW["run_key"]] == ROW and 1 <= len(saved) < 8
    assert all(row["status"] == "finished" for row in saved)
