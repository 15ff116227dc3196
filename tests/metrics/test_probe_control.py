import functools
from types import SimpleNamespace

import pytest
import torch

from harness.metrics.probe_control import probe_control, probe_test_score, random_relu_features
from harness.registry import Registry, registry
from harness.testing.conformance_tasks import CONFORMANCE_TASK
from harness.training.loop import train
from harness.training.spec import RunSpec


def test_random_relu_features_are_seeded_and_leave_the_global_generator_alone():
    torch.manual_seed(5)
    expected = torch.rand(1)
    torch.manual_seed(5)
    first, again, other = (random_relu_features(8, 32, seed) for seed in (0, 0, 1))
    assert torch.rand(1) == expected
    x = torch.randn(10, 8)
    assert torch.equal(first(x), again(x)) and not torch.equal(first(x), other(x))
    assert first(x).shape == (10, 32) and (first(x) >= 0).all()


def test_supervised_rules_have_no_probe_control():
    assert probe_control(SimpleNamespace(algorithm=SimpleNamespace(supervised=True))) == {}


@functools.cache
def _rbm_run(lr=None):
    rules = Registry(algorithms=registry().algorithms, tasks={CONFORMANCE_TASK.name: CONFORMANCE_TASK})
    config = {} if lr is None else {"lr": lr}
    return train(RunSpec(CONFORMANCE_TASK.name, "rbm-cd", 0, CONFORMANCE_TASK.budget, config=config), rules)


def test_controls_are_the_untrained_networks_probe_and_the_probe_on_random_relu_features_of_the_same_width():
    run = _rbm_run()
    metrics = probe_control(run)
    data = CONFORMANCE_TASK.load()
    width = run.learner.features(torch.as_tensor(data.x_train[:1])).shape[1]
    layer = random_relu_features(data.x_train.shape[1], width, seed=0)
    assert metrics["probe_untrained_test_score"] == run.curve[0]["test_score"] and run.curve[0]["presentations"] == 0
    assert metrics["probe_random_relu_test_score"] == pytest.approx(
        probe_test_score(lambda x: layer(torch.as_tensor(x)).numpy(), data)
    )
    stronger = max(metrics["probe_untrained_test_score"], metrics["probe_random_relu_test_score"])
    assert metrics["probe_gain"] == pytest.approx(run.curve[-1]["test_score"] - stronger)


def test_a_frozen_rule_gains_nothing_over_its_untrained_network():
    """The negative control of the matched control: with a learning rate of 0 the features never change, so the
    final probe reads the same network as the evaluation at 0 presentations."""
    run = _rbm_run(lr=0.0)
    one_test_point = 1 / len(CONFORMANCE_TASK.load().y_test)  # a warm-started refit may flip a borderline point
    metrics = probe_control(run)
    assert abs(run.curve[-1]["test_score"] - metrics["probe_untrained_test_score"]) <= one_test_point + 1e-9
    assert metrics["probe_gain"] <= one_test_point + 1e-9
