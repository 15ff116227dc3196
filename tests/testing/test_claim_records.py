"""Paper claims: the marker's keywords are checked, and ``pytest --benchmark`` records each claim's outcome in the
store (nothing without ``--benchmark``)."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from harness.results.store import Store

pytest_plugins = ["pytester"]

CLAIMS = """
import pytest

@pytest.mark.creditbench_claim(rule="fa", paper="Lillicrap et al. 2016", claim="holds")
def test_holds():
    assert True

@pytest.mark.creditbench_claim(rule=["fa", "dfa"], paper="Nøkland 2016", claim="fails")
def test_fails():
    assert False

@pytest.fixture
def broken():
    raise RuntimeError("setup")

@pytest.mark.creditbench_claim(rule="fa", paper="p", claim="setup fails")
def test_setup_fails(broken):
    pass

@pytest.mark.creditbench_claim(rule="fa", paper="p", claim="deselected")
def test_deselected():
    pass
"""


def _outcomes(path) -> dict:
    with Store(path, read_only=True) as store:
        return {claim["test"].split("::")[-1]: claim for claim in store.claims()}


def test_benchmark_records_passed_and_failed_claims_and_deselected_ones_as_not_run(pytester):
    pytester.makepyfile(test_claims=CLAIMS)
    db = pytester.path / "claims.sqlite"
    result = pytester.runpytest("--benchmark", "--claims-db", str(db), "-k", "test_ and not deselected")
    result.assert_outcomes(passed=1, failed=1, errors=1)
    claims = _outcomes(db)
    assert {name: claim["outcome"] for name, claim in claims.items()} == {
        "test_holds": "passed",
        "test_fails": "failed",
        "test_setup_fails": "failed",  # a setup error counts as failed
        "test_deselected": None,  # registered, never run
    }
    assert claims["test_fails"]["rules"] == ["fa", "dfa"] and claims["test_fails"]["paper"] == "Nøkland 2016"
    assert claims["test_holds"]["code_version"].startswith("creditbench ") and claims["test_holds"]["recorded_at"]


def test_without_benchmark_nothing_is_recorded(pytester):
    pytester.makepyfile(test_claims=CLAIMS)
    db = pytester.path / "claims.sqlite"
    result = pytester.runpytest("--claims-db", str(db), "--creditbench-db", str(pytester.path / "runs.sqlite"))
    result.assert_outcomes(skipped=4)
    assert not db.exists() and not (pytester.path / "runs.sqlite").exists()


@pytest.mark.parametrize(
    "marker",
    [
        "@pytest.mark.creditbench_claim",
        '@pytest.mark.creditbench_claim("fa")',
        '@pytest.mark.creditbench_claim(rule="fa", paper="p")',
        '@pytest.mark.creditbench_claim(rule="", paper="p", claim="c")',
        '@pytest.mark.creditbench_claim(rule="fa", paper="p", claim="two\\nlines")',
        '@pytest.mark.creditbench_claim(rule="fa", paper="p", claim="c", seed=1)',
    ],
    ids=["bare", "positional", "missing-claim", "empty-rule", "two-lines", "unknown-keyword"],
)
def test_a_bare_or_malformed_marker_is_a_one_line_error_naming_the_test(pytester, marker):
    pytester.makepyfile(test_claims=f"import pytest\n\n{marker}\ndef test_it():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if "creditbench_claim" in line]
    assert len(errors) == 1 and "test_claims.py::test_it" in errors[0] and "rule=" in errors[0], result.stderr.lines


def test_under_benchmark_a_claim_of_a_rule_no_plugin_registers_is_a_one_line_error(pytester):
    pytester.makepyfile(
        test_claims='import pytest\n\n@pytest.mark.creditbench_claim(rule="no-such-rule", paper="p", claim="c")\n'
        "def test_it():\n    pass\n"
    )
    result = pytester.runpytest("--benchmark", "--claims-db", str(pytester.path / "c.sqlite"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "test_claims.py::test_it: creditbench_claim names ['no-such-rule']" in result.stderr.str()


def test_a_claims_db_that_is_not_a_store_is_a_one_line_error(pytester):
    pytester.makepyfile(test_claims=CLAIMS)
    (pytester.path / "notes.txt").write_text("not a store")
    result = pytester.runpytest("--benchmark", "--claims-db", str(pytester.path / "notes.txt"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [error] = [line for line in result.stderr.lines if line]
    assert error.startswith("ERROR: ") and "not a creditbench store" in error
    assert (pytester.path / "notes.txt").read_text() == "not a store"


def test_every_claim_of_the_first_party_plugins_names_installed_rules_and_is_registered(tmp_path):
    """The real markers, collected under --benchmark (nothing runs): each names rules that plugins register, and
    each lands in the store not yet run."""
    root = Path(__file__).resolve().parents[2]
    options = [
        "--benchmark",
        "--collect-only",
        "-q",
        "-m",
        "creditbench_claim",
        "--creditbench-db",
        str(tmp_path / "s.sqlite"),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *options, *map(str, root.glob("plugins/*/tests"))],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with Store(tmp_path / "s.sqlite", read_only=True) as store:
        claims = store.claims()
    assert len(claims) >= 40 and {claim["outcome"] for claim in claims} == {None}
    assert {"fa", "hsic", "uoro", "revnet", "l2l"} <= {rule for claim in claims for rule in claim["rules"]}


def test_a_schema_2_store_gains_the_claims_table_when_opened_for_writing(tmp_path):
    from harness.results.store import APPLICATION_ID, FAILURE_LOGS, SCHEMA, SCHEMA_VERSION

    path = tmp_path / "old.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript(f"{SCHEMA} {FAILURE_LOGS} PRAGMA application_id={APPLICATION_ID}; PRAGMA user_version=2;")
    connection.close()
    with Store(path, read_only=True) as store:
        assert store.schema == 2 and store.claims() == []
    with Store(path) as store:
        assert store.schema == SCHEMA_VERSION == 3
        store.register_claims([{"test": "t.py::test_a", "rules": ["fa"], "paper": "p", "claim": "c"}])
        store.record_claim("t.py::test_a", "passed", "creditbench 0.1.0", "2026-01-01 00:00 UTC")
        assert [(c["test"], c["outcome"]) for c in store.claims()] == [("t.py::test_a", "passed")]
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 3
