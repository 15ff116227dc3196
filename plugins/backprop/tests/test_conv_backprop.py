"""Backprop on a convolutional network: autograd's gradient, and it learns what its broken twins do not."""

import pytest
import torch

from harness.learners import cross_entropy
from harness.registry import build_registry
from harness.testing import (
    CONV_CONFORMANCE_TASK,
    FrozenParameters,
    NoiseUpdates,
    accuracy_after_training,
    one_thread,
    parametrize_with_checks,
)

RULES = ["bp-sgd", "bp-momentum", "bp-adam"]
SEEDS = range(6)


@pytest.fixture(autouse=True)
def _one_thread():
    with one_thread():
        yield


@parametrize_with_checks(RULES, task=CONV_CONFORMANCE_TASK)
def test_conformance_on_convolutions(algorithm, check):
    check(algorithm)


@pytest.mark.parametrize("name", RULES)
def test_the_update_direction_on_a_cnn_is_autograds_gradient(name):
    algorithm = build_registry().algorithm(name)
    learner = algorithm.build(CONV_CONFORMANCE_TASK, algorithm.config_for(CONV_CONFORMANCE_TASK.name), seed=0)
    splits = CONV_CONFORMANCE_TASK.load()
    x, y = torch.from_numpy(splits.x_train[:32]), torch.from_numpy(splits.y_train[:32])
    direction = learner.update_direction(x, y)
    model = learner.surrogate()
    names = [n for n, _ in model.named_parameters()]
    true = torch.autograd.grad(cross_entropy(model(x), y), list(model.parameters()))
    assert sorted(direction) == sorted(names) and any("weight" in n and p.dim() == 3 for n, p in direction.items())
    for parameter_name, gradient in zip(names, true):
        torch.testing.assert_close(direction[parameter_name], gradient)


def _mean_accuracy(name, wrap):
    algorithm = build_registry().algorithm(name)
    config = algorithm.config_for(CONV_CONFORMANCE_TASK.name)
    learners = (wrap(algorithm.build(CONV_CONFORMANCE_TASK, config, seed), seed) for seed in SEEDS)
    return sum(accuracy_after_training(learner, CONV_CONFORMANCE_TASK, 400) for learner in learners) / len(SEEDS)


def _frozen_convolutions(learner, seed):
    convolutions = [m for m in learner.surrogate() if isinstance(m, torch.nn.Conv1d)]
    return FrozenParameters(learner, [p for m in convolutions for p in m.parameters()])


# Chance is 1/3.  Measured on seeds 0-5 (400 steps of 32, the rules' defaults), means: bp-sgd 0.99, bp-momentum 0.98,
# bp-adam 0.94; with noise updates 0.35-0.36; with both convolutions frozen 0.62-0.67 (a pattern at a random shift
# needs learnt kernels).
@pytest.mark.parametrize("name", RULES)
def test_backprop_learns_a_tiny_conv_task_and_noise_or_frozen_convolutions_do_not(name):
    learnt = _mean_accuracy(name, lambda learner, seed: learner)
    assert learnt >= 0.85
    assert _mean_accuracy(name, lambda learner, seed: NoiseUpdates(learner, seed)) < 0.45
    assert _mean_accuracy(name, _frozen_convolutions) <= learnt - 0.15
