"""Lean runs (``RunSpec.lean``): a validation score only, the same as the full run's, and no test split read."""

import dataclasses

import numpy as np
import pytest

from harness.contract import Budget, Splits
from harness.errors import RunFailed
from harness.execution.matrix import store_row
from harness.execution.worker import run_spec
from harness.metrics.robustness.metric import POINTS_VARIABLE
from harness.registry import registry
from harness.report.aggregate import aggregate
from harness.training.spec import RunSpec, run_key

BUDGET = Budget(presentations=640)


@pytest.fixture(autouse=True)
def without_robustness(monkeypatch):
    """The robustness metric is measured after training and costs most of these full runs' time: off."""
    monkeypatch.setenv(POINTS_VARIABLE, "0")


def _with_poisoned_test_split(plugins, name="digits"):
    """The registry plus ``<name>-poisoned``: the task with NaN test inputs, which a full run cannot score."""
    task = plugins.task(name)

    def load() -> Splits:
        splits = task.load()
        poisoned = np.full_like(splits.x_test, np.nan)
        return Splits(splits.x_train, splits.y_train, splits.x_val, splits.y_val, poisoned, splits.y_test)

    poisoned = dataclasses.replace(task, name=f"{name}-poisoned", load=load)
    return dataclasses.replace(plugins, tasks={**plugins.tasks, poisoned.name: poisoned})


def _validation_curve(result):
    return [(p["presentations"], p["val_score"], p["val_loss"]) for p in result["curve"]]


def test_a_lean_run_never_reads_the_test_split():
    plugins = _with_poisoned_test_split(registry())
    spec = RunSpec("digits-poisoned", "bp-adam", 0, BUDGET)
    with pytest.raises(RunFailed, match="non-finite predictions"):
        run_spec(spec, plugins)
    lean = run_spec(dataclasses.replace(spec, lean=True), plugins)
    assert lean["status"] == "finished" and lean["metrics"]["val_score"] > 0.5
    assert not any(key.startswith(("test_", "robust", "gradient_cosine")) for key in lean["metrics"])
    assert all(
        set(point) == {"presentations", "train_seconds", "val_score", "val_loss", "val_accuracy"}
        for point in lean["curve"]
    )


@pytest.mark.parametrize("algorithm", ["bp-adam", "es", "ff"])
def test_a_lean_run_has_the_full_runs_validation_curve_bit_for_bit(algorithm):
    plugins = registry()
    spec = RunSpec("digits", algorithm, 0, BUDGET)
    full, lean = run_spec(spec, plugins), run_spec(dataclasses.replace(spec, lean=True), plugins)
    assert _validation_curve(lean) == _validation_curve(full)
    assert lean["metrics"]["val_score"] == full["metrics"]["val_score"]
    assert set(lean["metrics"]["phase_seconds"]) <= {"data_load", "build", "train", "evaluation", "metric:score"}


def test_a_lean_run_is_a_run_of_its_own_and_never_on_the_leaderboard():
    plugins = registry()
    spec = RunSpec("digits", "linear", 0, BUDGET)
    lean_spec = dataclasses.replace(spec, lean=True)
    assert run_key(plugins, lean_spec) != run_key(plugins, spec)
    full_row = store_row(plugins, spec, run_spec(spec, plugins))
    lean_row = store_row(plugins, lean_spec, run_spec(lean_spec, plugins))
    failed_row = store_row(plugins, lean_spec, {"status": "failed", "reason": "plugin raised ValueError"})
    assert lean_row["metrics"]["lean"] and failed_row["metrics"]["lean"] and "lean" not in full_row["metrics"]
    entries = aggregate([full_row, lean_row, failed_row], plugins)
    assert len(entries) == 1 and entries[0]["n_seeds"] == 1 and entries[0]["failed_runs"] == 0


def test_the_cli_runs_lean_and_prints_no_leaderboard(tmp_path):
    from tests.test_cli import creditbench

    db = str(tmp_path / "lean.sqlite")
    result = creditbench("run", "--lean", "--task", "digits", "--algorithm", "linear", "--seeds", "1", "--db", db)
    assert "digits::linear::seed0::lean finished val score" in result.stderr and "| linear |" not in result.stdout
    assert creditbench("report", "--db", db, "--format", "json").stdout.strip() == "[]"
