import math

import torch

from harness.contract import Budget
from harness.registry import registry
from harness.training.evaluation import evaluation_points
from harness.training.loop import train
from harness.training.order import ExampleStream
from harness.training.spec import RunSpec


def test_evaluation_points_are_log_spaced_and_end_at_the_budget():
    points = evaluation_points(30_000)
    assert points[0] == 0 and points[1] == 100 and points[-1] == 30_000
    ratios = [b / a for a, b in zip(points[1:], points[2:])]
    assert max(ratios) / min(ratios) < 1.05  # evenly spaced on a log axis
    assert evaluation_points(50) == [0, 50]


def test_the_example_stream_is_the_same_whatever_the_batch_size():
    small, large = ExampleStream(100, seed=4), ExampleStream(100, seed=4)
    a = torch.cat([small.take(7) for _ in range(40)])
    b = torch.cat([large.take(40) for _ in range(7)])
    assert torch.equal(a, b)
    assert sorted(a[:100].tolist()) == list(range(100))  # each epoch is a permutation
    assert not torch.equal(a, torch.cat([ExampleStream(100, seed=5).take(40) for _ in range(7)]))


def test_backprop_learns_digits_and_the_run_honours_its_budget():
    run = train(RunSpec("digits", "bp-sgd", seed=0, budget=Budget(8_000)), registry())
    assert run.presentations == 8_000 and run.curve[-1]["presentations"] == 8_000
    assert [p["presentations"] for p in run.curve] == sorted({p["presentations"] for p in run.curve})
    assert run.curve[0]["test_accuracy"] < 0.3 < 0.85 < run.curve[-1]["test_accuracy"]
    cosines = run.curve[-1]["gradient_cosine"]  # backprop against itself, direction and (plain SGD) applied step
    assert all(math.isclose(c, 1.0, abs_tol=1e-4) for kind in ("direction", "applied") for c in cosines[kind].values())
    assert len(run.cost_samples) == 3 and all(s["flops"] > 0 for s in run.cost_samples)


def test_same_seed_same_numbers_different_seed_different_numbers():
    def final(seed):
        curve = train(RunSpec("digits", "fa", seed=seed, budget=Budget(2_000)), registry()).curve
        return [(p["test_accuracy"], p["test_loss"]) for p in curve]

    assert final(1) == final(1)
    assert final(1) != final(2)
