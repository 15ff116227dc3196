"""mnist1d's depth ladders: MLPs of 1, 2, 4 and 8 hidden layers, mnist1d itself the 2-layer rung; CNNs of 3 and 6
convolutional layers, mnist1d-cnn the 3-layer rung."""

import pytest
import torch

from harness.execution.suites import plan
from harness.registry import build_registry
from harness.report.aggregate import aggregate, ladders


def test_the_depth_ladder_has_four_rungs_on_mnist1ds_data_and_only_mnist1d_is_a_quick_task():
    registry = build_registry()
    rungs = {t.ladder[2]: t for t in registry.tasks.values() if t.ladder and t.ladder[0] == "mnist1d MLP"}
    assert sorted(rungs) == [1, 2, 4, 8] and rungs[2] is registry.task("mnist1d")
    for depth, task in rungs.items():
        assert len(task.architecture.sizes) - 2 == depth and task.load is rungs[2].load
        assert task.ladder_only == (depth != 2)
    ladder = {spec.task for spec in plan(registry, "ladder", algorithms=["fa"], seeds=1)}
    quick = {spec.task for spec in plan(registry, "quick", algorithms=["fa"], seeds=1)}
    others = {"adding-10", "adding-100", "adding-1000", "mnist1d-cnn", "mnist1d-cnn-depth-6"}
    others |= {f"mnist1d-revnet-{blocks}" for blocks in (4, 8, 16, 32)}
    assert {t.name for t in rungs.values()} == ladder - others
    assert {t.name for t in rungs.values()} & quick == {"mnist1d"}


def test_the_cnn_ladder_has_two_depths_of_one_readout_run_by_the_ladder_and_standard_suites_only():
    registry = build_registry()
    rungs = {t.ladder[2]: t for t in registry.tasks.values() if t.ladder and t.ladder[0] == "mnist1d CNN"}
    assert sorted(rungs) == [3, 6] and rungs[3] is registry.task("mnist1d-cnn")
    for depth, task in rungs.items():
        assert len(task.architecture.convs) == depth and task.load is registry.task("mnist1d").load
        assert task.architecture.flat_size() == 125 and task.standard_only
        network = task.architecture.build(0)
        convolutions = [m for m in network.modules() if isinstance(m, torch.nn.Conv1d)]
        assert len(convolutions) == depth and network(torch.zeros(2, 40)).shape == (2, 10)
    names = {t.name for t in rungs.values()}
    for suite in ("ladder", "standard"):
        assert names <= {spec.task for spec in plan(registry, suite, algorithms=["fa"], seeds=1)}, suite
    for suite in ("quick", "extended", "selection"):
        assert not names & {spec.task for spec in plan(registry, suite, algorithms=["fa"], seeds=1)}, suite


def test_the_report_shows_the_depth_ladder_with_each_rules_gap_to_bp_sgd_by_depth():
    registry = build_registry()

    def row(task, algorithm, score, seed):
        metrics = {"test_score": score, "activation_bytes": 1024, "state_bytes": 0, "step_seconds": 0.001}
        return {
            "suite": "ladder",
            "task": task,
            "algorithm": algorithm,
            "seed": seed,
            "status": "finished",
            "reason": None,
            "metrics": {**metrics, "peak_bytes": 2048},
        }

    rows = [
        row(task, algorithm, score + 0.01 * seed, seed)
        for seed in range(3)
        for task, bp, fa in (("mnist1d-depth-1", 0.6, 0.55), ("mnist1d", 0.65, 0.55), ("mnist1d-depth-8", 0.6, 0.3))
        for algorithm, score in (("bp-sgd", bp), ("fa", fa))
    ]
    [ladder] = ladders(aggregate(rows, registry))
    assert (ladder["family"], ladder["parameter"], ladder["values"]) == ("mnist1d MLP", "hidden layers", [1, 2, 8])
    gaps = [ladder["rows"]["fa"][depth]["vs_reference"]["mean"] for depth in (1, 2, 8)]
    assert gaps == pytest.approx([-0.05, -0.1, -0.3])  # the gap to bp-sgd at each depth, paired by seed
