"""`pytest --benchmark` collects the matrix as items; plain pytest collects none of them."""

import subprocess
import sys


def _pytest(cwd, *args):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_plain_pytest_collects_no_benchmark_items(tmp_path):
    result = _pytest(tmp_path, "--collect-only", "-q")
    assert result.returncode == 5 and "::seed" not in result.stdout  # 5: no tests collected


def test_benchmark_items_have_readable_ids_run_through_the_store_and_write_the_leaderboard(tmp_path):
    listed = _pytest(tmp_path, "--benchmark", "--collect-only", "-q")
    assert "digits::fa::seed0" in listed.stdout and "mnist1d::fa::seed1" in listed.stdout
    assert "mnist1d::es::seed1" not in listed.stdout  # a pair es declares too slow for the quick suite
    extended = _pytest(tmp_path, "--benchmark", "--creditbench-suite", "extended", "--collect-only", "-q")
    assert "mnist1d::es::seed1" in extended.stdout and "digits::fa::seed0" not in extended.stdout
    result = _pytest(tmp_path, "--benchmark", "-k", "digits and linear and seed0")
    assert result.returncode == 0, result.stdout
    assert "1 passed" in result.stdout and "| linear | 1 |" in result.stdout
    assert (tmp_path / "creditbench.sqlite").exists()
    assert "| linear |" in (tmp_path / "creditbench-leaderboard.md").read_text()


def test_a_failed_or_non_finite_run_fails_its_item(faulty_plugins, tmp_path):
    result = _pytest(tmp_path, "--benchmark", "-k", "conformance and (nan or good)")
    # the quick suite runs 3 seeds: nan fails on each, good passes on each
    assert result.returncode == 1
    assert "3 failed, 3 passed" in result.stdout and "non-finite predictions" in result.stdout


CLAIM = """
import pytest

@pytest.mark.creditbench_claim(rule="linear", paper="none", claim="linear above 0.5 on digits")
def test_linear_beats_chance_on_digits(creditbench_results):
    entry = creditbench_results.entry("digits", "linear")
    assert entry["n_seeds"] == 3 and entry["test_accuracy_mean"] > 0.5
    runs = creditbench_results.runs("digits", "linear")  # the same runs, one per seed, with their curves
    assert len(runs) == entry["n_seeds"] and all(run["curve"][0]["presentations"] == 0 for run in runs)
"""


def test_claims_are_skipped_without_benchmark_and_run_on_stored_suite_results_with_it(tmp_path):
    (tmp_path / "test_claim.py").write_text(CLAIM)
    plain = _pytest(tmp_path, "-rs", "test_claim.py")
    assert plain.returncode == 0 and "1 skipped" in plain.stdout and "--benchmark" in plain.stdout
    claimed = _pytest(tmp_path, "--benchmark", "-k", "claim", "test_claim.py")
    assert claimed.returncode == 0 and "1 passed" in claimed.stdout, claimed.stdout
    again = _pytest(tmp_path, "--benchmark", "-k", "digits and linear", "test_claim.py")
    assert again.returncode == 0 and "4 passed" in again.stdout, again.stdout  # three seeds reused from the store


PYTEST_BENCHMARK_TEST = """
def test_sum(benchmark):
    assert benchmark(sum, range(100)) == 4950
"""


def test_coexists_with_pytest_benchmark(tmp_path):
    """pytest-benchmark owns --benchmark-* and the `benchmark` fixture; we own --benchmark and --creditbench-*."""
    import importlib.util

    assert importlib.util.find_spec("pytest_benchmark"), "pytest-benchmark is in the test extra"
    (tmp_path / "test_timing.py").write_text(PYTEST_BENCHMARK_TEST)
    theirs = _pytest(tmp_path, "--benchmark-only", "test_timing.py")
    assert theirs.returncode == 0 and "1 passed" in theirs.stdout and "test_sum" in theirs.stdout, theirs.stdout
    ours = _pytest(tmp_path, "--benchmark", "--collect-only", "-q")
    assert "digits::fa::seed0" in ours.stdout and "test_sum" in ours.stdout
    plain = _pytest(tmp_path, "--collect-only", "-q")
    assert "::seed" not in plain.stdout and "test_sum" in plain.stdout


def test_a_claim_on_a_pair_the_quick_suite_leaves_out_reads_the_extended_suites_runs(monkeypatch):
    from harness.testing.pytest_plugin import SuiteResults

    planned = []
    monkeypatch.setattr(SuiteResults, "rows", lambda self, specs: planned.extend(specs) or [])
    results = SuiteResults(store=None, suite_name="quick", numerics="avx2")
    results.runs("mnist5k", "es")  # es declares mnist5k slow
    results.runs("digits", "es")
    assert [(s.task, s.suite) for s in planned] == [("mnist5k", "extended")] * 3 + [("digits", "quick")] * 3
