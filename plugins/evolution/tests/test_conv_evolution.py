"""es and ga on a convolutional network: a population of perturbed parameter vectors needs nothing of the
architecture but its parameters, so kernels are searched as weight matrices are."""

import pytest
import torch

from harness.registry import build_registry
from harness.testing import (
    CONV_CONFORMANCE_TASK,
    FrozenParameters,
    NoiseUpdates,
    accuracy_after_training,
    one_thread,
    parametrize_with_checks,
)

RULES = ["es", "ga"]
SEEDS = range(3)
STEPS = 150


@pytest.fixture(autouse=True)
def _one_thread():
    with one_thread():
        yield


@parametrize_with_checks(RULES, task=CONV_CONFORMANCE_TASK)
def test_conformance_on_convolutions(algorithm, check):
    check(algorithm)


def _mean_accuracy(name, wrap):
    algorithm = build_registry().algorithm(name)
    config = algorithm.config_for(CONV_CONFORMANCE_TASK.name)
    learners = (wrap(algorithm.build(CONV_CONFORMANCE_TASK, config, seed), seed) for seed in SEEDS)
    return sum(accuracy_after_training(learner, CONV_CONFORMANCE_TASK, STEPS) for learner in learners) / len(SEEDS)


def _frozen_convolutions(learner, seed):
    convolutions = [m for m in learner.surrogate() if isinstance(m, torch.nn.Conv1d)]
    return FrozenParameters(learner, [p for m in convolutions for p in m.parameters()])


# Chance is 1/3.  Measured on seeds 0-2 (150 steps of 32, the rules' defaults), means: es 0.92, ga 0.71; with noise
# updates 0.34 and 0.33; with both convolutions frozen 0.58 and 0.33 (a pattern at a random shift needs learnt
# kernels).  At 400 steps on seeds 0-5 es reaches 0.997 and ga 0.89.
LEARNT = {"es": 0.8, "ga": 0.6}


@pytest.mark.parametrize("name", RULES)
def test_each_rule_learns_a_tiny_conv_task_and_noise_updates_or_frozen_convolutions_do_not(name):
    learnt = _mean_accuracy(name, lambda learner, seed: learner)
    assert learnt >= LEARNT[name]
    assert _mean_accuracy(name, lambda learner, seed: NoiseUpdates(learner, seed)) < 0.45
    assert _mean_accuracy(name, _frozen_convolutions) <= learnt - 0.15
