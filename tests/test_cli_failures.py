"""Failures you can debug (``show``), rows removed on request (``prune``), the terminal's table, and Ctrl-C at
any moment: the command line as a user meets it, in subprocesses."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from harness.registry import ALLOW_LIST_VARIABLE as PLUGINS
from tests.conftest import FIXTURES, install_plugin
from tests.test_cli import CLI, creditbench

BROKEN = """
from harness import Algorithm, Plausibility, hookimpl
CREDITBENCH_CONTRACT = 1

def build(task, config, seed):
    print("building [bold red]styled[/bold red] now")
    raise RuntimeError("no good in build [bold]")

@hookimpl
def register_algorithms(register):
    register(Algorithm(name="broken", family="test", citation="Someone (2026)", build=build,
                       plausibility=Plausibility(False, False, True)))
"""


def _install(site) -> dict:
    """The faulty plugin's fast task and rules, and a rule that prints and then raises in ``build``; the
    environment that makes subprocesses see them."""
    install_plugin(site, "faulty", "fake_faulty", (FIXTURES / "faulty.py").read_text())
    install_plugin(site, "broken", "fake_broken", BROKEN)
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]), PLUGINS: "faulty,broken"}


@pytest.fixture
def broken(site, monkeypatch):
    for name, value in _install(site).items():
        monkeypatch.setenv(name, value)
    return site


def _run(db, *algorithms, seeds=1, check=False, env=None):
    names = [arg for name in algorithms for arg in ("--algorithm", name)]
    args = ["run", "--task", "conformance", *names, "--seeds", str(seeds), "--db", str(db)]
    result = subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}
    )
    assert result.returncode == 0 or not check, result.stderr
    return result


@pytest.fixture(scope="module")
def suite_with_a_failure(tmp_path_factory):
    """A store of one failed run (broken) and one finished run (plain), and what ``run`` printed on stderr; run
    once for the tests below, which copy the store."""
    folder = tmp_path_factory.mktemp("suite")
    site = folder / "site"
    site.mkdir()
    result = _run(folder / "runs.sqlite", "broken", "plain", env=_install(site))
    return folder / "runs.sqlite", result


@pytest.fixture
def db(suite_with_a_failure, tmp_path):
    copy = tmp_path / "runs.sqlite"
    shutil.copy(suite_with_a_failure[0], copy)
    return copy


def test_a_failed_runs_traceback_and_output_can_be_read_after_the_suite(suite_with_a_failure, db):
    _, result = suite_with_a_failure
    assert result.returncode == 1, result.stderr  # a run failed: documented exit code 1
    [line] = [line for line in result.stderr.splitlines() if line.startswith("  failed")]
    key = line.split("creditbench show ")[1].split(")")[0]
    shown = creditbench("show", key, "--db", str(db)).stdout
    assert "status:       failed: plugin raised RuntimeError: no good in build [bold]" in shown
    assert 'raise RuntimeError("no good in build [bold]")' in shown and "fake_broken.py" in shown  # the traceback
    assert "building [bold red]styled[/bold red] now" in shown  # what the plugin printed, as text
    by_label = creditbench("show", "conformance::broken::seed0", "--db", str(db)).stdout
    assert by_label == shown
    finished = creditbench("show", "conformance::plain::seed0", "--db", str(db)).stdout
    assert "status:       finished" in finished and "traceback:" not in finished and "test_score:" in finished


@pytest.mark.parametrize(
    "args, message",
    [
        (["show", "0123456789"], "no run '0123456789' in"),
        (["show", ""], "names 2 runs in"),
        (["prune"], "prune needs --failed, --stale or both"),
        (["report", "--columns", "test scor"], "did you mean 'test score'?"),
        (["run", "--columns", "sedes", "--task", "conformance"], "did you mean 'seeds'?"),
        (["report", "--format", "csv", "--columns", "seeds"], "--columns chooses the leaderboard's columns"),
    ],
)
def test_bad_input_on_a_store_is_one_line_and_exit_2_and_the_store_is_unchanged(db, tmp_path, args, message):
    before = creditbench("export", "--db", str(db), "--out", str(tmp_path / "before.jsonl"))
    result = creditbench(*args, "--db", str(db), check=False)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    creditbench("export", "--db", str(db), "--out", str(tmp_path / "after.jsonl"))
    assert before.returncode == 0
    assert (tmp_path / "before.jsonl").read_text() == (tmp_path / "after.jsonl").read_text()


def _stored(db) -> None:
    """Six runs as a plugin's release leaves them: rule a's seeds 0 and 1 under a 0.1 and again under 0.2, and
    rule b's two failed runs (b has no newer version)."""
    from harness.results.store import Store
    from tests.results.test_store import ROW

    with Store(db) as store:
        for seed in (0, 1):
            for version, day in (("0.1", "01"), ("0.2", "02")):
                store.save(
                    {
                        **ROW,
                        "run_key": f"a{version}-{seed}",
                        "algorithm": "a",
                        "seed": seed,
                        "code_version": f"creditbench==0.3.0;a=={version}",
                        "finished_at": f"2026-01-{day}T00:00:00Z",
                    }
                )
            store.save(
                {
                    **ROW,
                    "run_key": f"b-{seed}",
                    "algorithm": "b",
                    "seed": seed,
                    "status": "failed",
                    "reason": "boom",
                    "metrics": {},
                },
                "Traceback",
                "output",
            )


def test_prune_removes_failed_or_stale_runs_only_when_asked(tmp_path):
    db = tmp_path / "runs.sqlite"
    _stored(db)
    report = creditbench("report", "--db", str(db), "--format", "md", "--all-versions").stdout
    assert "| a @ creditbench==0.3.0;a==0.1 | 2 |" in report and "| a | 2 |" in report
    assert "a @" not in creditbench("report", "--db", str(db), "--format", "md").stdout
    assert creditbench("prune", "--stale", "--dry-run", "--db", str(db)).stdout.strip() == (
        f"would remove 2 of 6 runs from {db}"
    )
    assert len(_keys(db)) == 6
    assert creditbench("prune", "--failed", "--db", str(db)).stdout.strip() == f"removed 2 of 6 runs from {db}"
    assert creditbench("prune", "--stale", "--db", str(db)).stdout.strip() == f"removed 2 of 4 runs from {db}"
    assert sorted(_keys(db)) == ["a0.2-0", "a0.2-1"]


def _keys(db) -> list[str]:
    import sqlite3

    return [key for (key,) in sqlite3.connect(db).execute("SELECT run_key FROM runs")]


def test_the_terminal_table_has_compact_columns_and_prints_plugin_strings_as_text(db):
    table = creditbench("report", "--db", str(db), "--format", "table").stdout
    assert "test score" in table and "MFLOP/step" not in table  # the compact default
    assert "no good in build [bold]" in table  # the failure's reason, not eaten as rich markup
    chosen = creditbench("report", "--db", str(db), "--format", "table", "--columns", "AULC,seeds").stdout
    assert "AULC" in chosen and "test score" not in chosen
    markdown = creditbench("report", "--db", str(db), "--format", "md").stdout
    assert "| algorithm | seeds | test score | 95% CI |" in markdown and "MFLOP/step" in markdown


def _as_a_terminal_job() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


# the moments after the interpreter is up: importing harness and the command line (about 0.1 s on a quiet machine,
# more on a loaded one), planning, importing torch with SIGINT held back, the first runs
START_UP_DELAYS = [0.0, 0.03, 0.06, 0.1, 0.15, 0.2, 0.3, 0.6]


@pytest.mark.parametrize("delay", START_UP_DELAYS)
def test_ctrl_c_while_the_command_starts_ends_it_in_one_line(faulty_plugins, tmp_path, monkeypatch, delay):
    """The issue's case: Ctrl-C within the first half second, while the command line imports what it needs
    (before, it ended in a KeyboardInterrupt traceback).  Whatever moment it lands on, the suite ends with exit code
    130 in one line and at most the runs that finished are stored.  The delay counts from the end of the
    interpreter's own start-up (``site``: an editable install's import hook there is outside the harness's reach)
    and the console script's import of ``creditbench_entry``, signalled by a line on stdout, so that a loaded machine
    moves the whole range rather than out of it."""
    monkeypatch.setenv("CREDITBENCH_PLUGINS", "faulty")
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)  # as in tests/reliability/test_crash_resume.py
    db = tmp_path / "runs.sqlite"
    args = ["run", "--task", "conformance", "--algorithm", "good", "--seeds", "20", "--db", str(db), "--no-report"]
    up = "import sys; from creditbench_entry import main; sys.stdout.write('up\\n'); sys.stdout.flush(); main()"
    process = subprocess.Popen(
        [sys.executable, "-c", up, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_as_a_terminal_job,
    )
    assert process.stdout.readline() == "up\n"
    started = time.monotonic()
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert time.monotonic() - started < 30
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "creditbench: interrupted; completed runs are saved", stderr
    assert "Traceback" not in stderr, stderr
