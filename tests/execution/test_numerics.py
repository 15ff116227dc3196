"""Pinned numerics: the same stored scores on the machine as it is and restricted to the AVX2 baseline from outside,
and the negative control that the comparison fails without pinning."""

import os
import subprocess
import sys

import pytest

from harness.contract import Budget
from harness.errors import HarnessError
from harness.execution import numerics
from harness.execution.local_executor import LocalExecutor
from harness.training.spec import RunSpec
from tests.conftest import REPO
from tests.reliability.helpers import without_timings

# The machine restricted to the baseline from outside, as an AVX2-only machine would be.
RESTRICTED = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"}


def _suites(tmp_path, setting: str, environments: dict[str, dict], rules: list[str]) -> dict[str, dict]:
    """Run the tiny suite once per environment, all at once, each in its own process; stored scores and curves."""
    processes = {}
    for name, extra in environments.items():
        environ = {key: value for key, value in os.environ.items() if key not in numerics.PINNED_ENVIRONMENT}
        environ.update(extra, CREDITBENCH_PLUGINS="backprop,feedback-alignment")
        command = [sys.executable, "-m", "tests.fixtures.tiny_suite", str(tmp_path / f"{name}.sqlite"), setting, *rules]
        processes[name] = subprocess.Popen(command, cwd=REPO, env=environ, stderr=subprocess.PIPE, text=True)
    results = {}
    for name, process in processes.items():
        _, error = process.communicate(timeout=300)
        assert process.returncode == 0, error[-2000:]
        results[name] = _scores(tmp_path / f"{name}.sqlite")
    return results


def _scores(path) -> dict:
    from tests.reliability.helpers import stored_rows

    rows = stored_rows(path).values()
    return {
        row["algorithm"]: {
            # peak_bytes is read from the CPU profiler's memory events, which vary from one run of a build to the
            # next: a measurement of the allocator, not a number the kernels compute
            "metrics": {key: value for key, value in without_timings(row["metrics"]).items() if key != "peak_bytes"},
            "curve": without_timings(row["curve"]),
            "numerics": row["environment"]["numerics"],
        }
        for row in rows
    }


def test_pinned_scores_are_bit_identical_on_the_machine_as_is_and_restricted_to_the_baseline(tmp_path):
    runs = _suites(tmp_path, numerics.PINNED, {"as-is": {}, "restricted": RESTRICTED}, ["bp-sgd", "fa"])
    assert set(runs["as-is"]) == {"bp-sgd", "fa"}
    for rule, run in runs["as-is"].items():
        restricted = runs["restricted"][rule]
        assert run["metrics"] == restricted["metrics"]  # exact: the same kernels, in the same order
        assert run["curve"] == restricted["curve"]
        assert run["numerics"]["aten_cpu_capability"] == numerics.PINNED_ATEN_CAPABILITY
        assert run["numerics"]["variables"] == numerics.PINNED_ENVIRONMENT


def test_negative_control_unpinned_scores_differ_when_the_machine_is_restricted(tmp_path):
    # On an AVX512 machine AVX2 is a real restriction; on an AVX2 machine only the scalar kernels are.
    native = subprocess.run(
        [sys.executable, "-c", "import torch; print(torch.backends.cpu.get_cpu_capability())"],
        capture_output=True,
        text=True,
        check=True,
        env={key: value for key, value in os.environ.items() if key not in numerics.PINNED_ENVIRONMENT},
    ).stdout.split()[-1]
    restriction = {"ATEN_CPU_CAPABILITY": "avx2" if native.startswith("AVX512") else "default"}
    runs = _suites(tmp_path, numerics.NATIVE, {"as-is": {}, "restricted": restriction}, ["bp-sgd"])
    as_is, restricted = runs["as-is"]["bp-sgd"], runs["restricted"]["bp-sgd"]
    assert as_is["numerics"]["aten_cpu_capability"] == native
    assert restricted["numerics"]["aten_cpu_capability"] != native
    assert as_is["curve"] != restricted["curve"]
    assert as_is["metrics"] != restricted["metrics"]


def test_a_conflicting_variable_is_one_line_naming_it_and_native_numerics_take_the_environment_as_it_is():
    with pytest.raises(HarnessError, match="ATEN_CPU_CAPABILITY=default in the environment conflicts") as error:
        numerics.check_environment(numerics.PINNED, {"ATEN_CPU_CAPABILITY": "default"})
    assert "\n" not in str(error.value)
    with pytest.raises(HarnessError, match="MKL_CBWR=AVX512"):
        numerics.check_environment(numerics.PINNED, {"MKL_CBWR": "AVX512"})
    numerics.check_environment(numerics.PINNED, dict(numerics.PINNED_ENVIRONMENT))  # the same values are fine
    numerics.check_environment(numerics.NATIVE, {"ATEN_CPU_CAPABILITY": "default"})
    with pytest.raises(HarnessError, match="unknown numerics 'avx3'"):
        numerics.environment("avx3")


def test_cli_refuses_a_conflicting_environment_before_writing_anything(tmp_path):
    db = tmp_path / "never.sqlite"
    result = subprocess.run(
        [sys.executable, "-c", "from harness.cli import main; main()", "run", "--task", "digits", "--db", str(db)],
        capture_output=True,
        text=True,
        env={**os.environ, "MKL_CBWR": "AVX512"},
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "MKL_CBWR=AVX512" in result.stderr
    assert not db.exists()


def test_pinned_and_native_runs_are_different_runs_and_one_process_can_run_both(monkeypatch):
    from harness.registry import registry
    from harness.training.spec import run_key

    budget = Budget(presentations=64)
    pinned = RunSpec("digits", "bp-sgd", 0, budget, suite="quick")
    native = RunSpec("digits", "bp-sgd", 0, budget, suite="quick", numerics=numerics.NATIVE)
    assert pinned.numerics == numerics.PINNED  # the default
    assert run_key(registry(), pinned) != run_key(registry(), native)
    for name in numerics.PINNED_ENVIRONMENT:  # this test process is pinned (conftest); native workers must not be
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CREDITBENCH_PLUGINS", "backprop")
    results = {}
    # pinned, then native: the fork server started for the pinned run is restarted in the native environment
    LocalExecutor(jobs=1).run([pinned, native], lambda spec, result: results.__setitem__(spec.numerics, result))
    assert {result["status"] for result in results.values()} == {"finished"}, results
    assert results[numerics.PINNED]["environment"]["numerics"]["variables"] == numerics.PINNED_ENVIRONMENT
    native_numerics = results[numerics.NATIVE]["environment"]["numerics"]
    assert native_numerics["setting"] == numerics.NATIVE
    assert set(native_numerics["variables"].values()) == {None}


def test_the_leaderboard_never_averages_native_runs_with_pinned_ones():
    from harness.report.aggregate import aggregate
    from tests.report.test_leaderboard import _row

    def run(seed, accuracy, setting):
        return {**_row(seed, accuracy, None), "environment": {"numerics": {"setting": setting}}}

    rows = [run(0, 0.8, numerics.PINNED), run(1, 0.6, numerics.PINNED), run(0, 0.2, numerics.NATIVE)]
    entries = {entry["label"]: entry for entry in aggregate(rows)}
    assert set(entries) == {"<script>x</script>", "<script>x</script> [numerics=native]"}
    assert entries["<script>x</script>"]["test_accuracy_mean"] == pytest.approx(0.7)
    assert entries["<script>x</script> [numerics=native]"]["n_seeds"] == 1
