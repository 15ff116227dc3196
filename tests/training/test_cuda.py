"""Every rule on CUDA: its state, feedback matrices and generators on the run's device.  Skipped without CUDA."""

import pytest
import torch

from harness.contract import Budget
from harness.execution.worker import run_spec
from harness.metrics.robustness.metric import POINTS_VARIABLE
from harness.registry import registry
from harness.training.spec import RunSpec

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="this machine has no CUDA")


def first_task_it_runs(plugins, algorithm) -> str:
    """The first registered task whose data ships with creditbench that the rule does not decline."""
    return next(
        name
        for name, task in plugins.tasks.items()
        if task.check_files is None and algorithm.declined(task, algorithm.config_for(name)) is None
    )


@pytest.mark.parametrize("algorithm", sorted(registry().algorithms))
def test_a_rule_trains_on_cuda_and_scores_what_it_scores_on_the_cpu(monkeypatch, algorithm):
    monkeypatch.setenv(POINTS_VARIABLE, "0")
    plugins = registry()
    task = first_task_it_runs(plugins, plugins.algorithm(algorithm))
    spec = RunSpec(task, algorithm, 0, Budget(presentations=256), lean=True)
    on_cpu, on_cuda = run_spec(spec, plugins), run_spec(RunSpec(**{**spec.fields(), "device": "cuda"}), plugins)
    assert on_cuda["status"] == "finished", on_cuda.get("reason")
    assert on_cuda["environment"]["device"].startswith("cuda")
    # not bit-identical (other kernels), but the same run: the score within a few points of the CPU's
    assert on_cuda["metrics"]["val_score"] == pytest.approx(on_cpu["metrics"]["val_score"], abs=0.1)


@pytest.mark.parametrize("task", ["mnist1d-cnn", "mnist1d-cnn-depth-6"])
@pytest.mark.parametrize("algorithm", ["bp-sgd", "fa", "dfa", "sign-symmetry", "pc", "ga"])
def test_the_convolutional_rules_train_on_cuda(monkeypatch, task, algorithm):
    monkeypatch.setenv(POINTS_VARIABLE, "0")
    spec = RunSpec(task, algorithm, 0, Budget(presentations=256), lean=True, device="cuda")
    assert run_spec(spec, registry())["status"] == "finished"
