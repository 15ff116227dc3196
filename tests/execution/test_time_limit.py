"""The time limit is a safety limit: a run that passes it is failed, shown as failed and never scored; a run
within it is not touched by it; a rerun under a larger limit runs exactly the runs that timed out."""

import dataclasses

import pytest

from harness.execution.local_executor import LocalExecutor
from harness.execution.matrix import run_matrix
from harness.execution.suites import plan
from harness.report.aggregate import aggregate
from harness.report.site import Site
from harness.report.text import to_markdown
from harness.results.store import Store
from harness.training.spec import run_key
from tests.reliability.helpers import without_timings

LIMIT = 3.0  # seconds; the "hangs" fixture sleeps an hour in its first train_step
ROOMY = 300.0  # for the run that must finish


@pytest.fixture
def fixture_registry(faulty_plugins, monkeypatch):
    monkeypatch.setenv("CREDITBENCH_PLUGINS", "faulty")  # workers start faster with only the fixture plugin to load
    from harness.registry import registry

    return registry()


def _specs(registry, algorithm: str, limit: float):
    return plan(registry, "quick", ["conformance"], [algorithm], seeds=1, time_limit=limit)


class _Recorder:
    """An executor that only notes what it was asked to run."""

    def __init__(self):
        self.ran = []

    def run(self, specs, on_result):
        self.ran.extend(spec.algorithm for spec in specs)


class _Saving:
    """An executor that returns a given result for every spec."""

    def __init__(self, result: dict):
        self.result = result

    def run(self, specs, on_result):
        for spec in specs:
            on_result(spec, {"wall_seconds": 0.0, **self.result})


def test_a_run_past_its_time_limit_is_failed_shown_failed_and_not_scored(fixture_registry, tmp_path):
    import torch

    from harness.execution.worker import run_spec

    registry = fixture_registry
    specs = _specs(registry, "hangs", LIMIT) + _specs(registry, "plain", ROOMY)
    with Store(tmp_path / "runs.sqlite") as store:
        summary = run_matrix(specs, store, LocalExecutor(jobs=2), registry)
        rows = {row["algorithm"]: row for row in store.runs()}

    reason = "timed out: exceeded the safety time limit of 3 s"
    assert summary.finished == 1 and summary.failed == [("conformance::hangs::seed0", reason, rows["hangs"]["run_key"])]
    hung = rows["hangs"]
    assert (hung["status"], hung["reason"], hung["metrics"], hung["curve"]) == (
        "failed",
        reason,
        {"exceeded_time_limit": LIMIT},
        [],
    )
    assert LIMIT <= hung["wall_seconds"] < ROOMY

    entries = {entry["algorithm"]: entry for entry in aggregate(list(rows.values()), registry)}
    assert (entries["hangs"]["n_seeds"], entries["hangs"]["failed_runs"]) == (0, 1)
    assert entries["hangs"]["test_score_mean"] is None and entries["hangs"]["test_score_by_seed"] == {}
    markdown = to_markdown(list(entries.values()))
    assert "| hangs | 0 (1 failed) | – | – |" in markdown
    assert f"Failed runs, not scored: hangs: 1 ({reason})." in markdown
    assert f"conformance · hangs · seed 0: {reason}" in "".join(
        html for _, html in Site(list(rows.values()), registry).pages()
    )

    # the run within its limit: finished, with the numbers it has when no limit is anywhere near
    plain = rows["plain"]
    assert plain["status"] == "finished" and plain["wall_seconds"] < ROOMY
    [spec] = _specs(registry, "plain", ROOMY)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in a worker
    try:
        alone = run_spec(spec, registry)
    finally:
        torch.set_num_threads(threads)
    assert without_timings(plain["metrics"]) == without_timings(alone["metrics"])
    assert without_timings(plain["curve"]) == without_timings(alone["curve"])


def test_a_rerun_under_a_larger_limit_runs_again_only_the_runs_that_timed_out(fixture_registry, tmp_path):
    registry = fixture_registry
    timed_out = {"status": "failed", "reason": "timed out", "metrics": {"exceeded_time_limit": LIMIT}}
    with Store(tmp_path / "runs.sqlite") as store:
        for algorithm, result in [
            ("hangs", timed_out),
            ("raises", {"status": "failed", "reason": "plugin raised ValueError"}),
            ("plain", {"status": "finished", "metrics": {"test_score": 0.9}}),
        ]:
            [spec] = _specs(registry, algorithm, LIMIT)
            run_matrix([spec], store, _Saving(result), registry)

        def rerun(limit: float, **options) -> list[str]:
            recorder = _Recorder()
            specs = [spec for name in ("hangs", "raises", "plain") for spec in _specs(registry, name, limit)]
            run_matrix(specs, store, recorder, registry, **options)
            return recorder.ran

        assert rerun(LIMIT) == [] and rerun(LIMIT / 2) == []  # it would time out again
        assert rerun(10 * LIMIT) == ["hangs"]  # the same key: a larger limit finds the stored failure
        assert rerun(LIMIT, retry_failed=True) == ["hangs", "raises"]
    [hangs] = _specs(registry, "hangs", LIMIT)
    assert run_key(registry, hangs) == run_key(registry, dataclasses.replace(hangs, time_limit=10 * LIMIT))
