"""Every way a plugin can fail costs only its own run, recorded with a reason that names the fault."""

from harness.contract import Budget
from harness.executor import LocalExecutor
from harness.runner import RunSpec

EXPECTED = {
    "good": None,
    "floods-output": None,
    "raises": "plugin raised ValueError: deliberate failure in train_step",
    "nan": "non-finite predictions",
    "hangs": "timed out",
    "exhausts-memory": "memory limit exceeded",
    "aborts": "worker died (signal SIGABRT)",
}


def test_faults_are_contained_and_named(faulty_plugins, capfd):
    specs = [RunSpec("conformance", name, seed=0, budget=Budget(160, 30)) for name in EXPECTED]
    results = {}
    executor = LocalExecutor(jobs=2, memory_limit=2 << 30, time_limit=10)
    executor.run(specs, lambda spec, result: results.setdefault(spec.algorithm, result))
    assert set(results) == set(EXPECTED)
    for name, reason in EXPECTED.items():
        result = results[name]
        if reason is None:
            assert result["status"] == "finished", (name, result.get("reason"))
            assert result["metrics"]["presentations"] == 160 and result["metrics"]["test_accuracy"] > 0.5
        else:
            assert result["status"] == "failed" and reason in result["reason"], (name, result)
    assert "noise" not in capfd.readouterr().out  # a plugin's output goes to its log, not the terminal
