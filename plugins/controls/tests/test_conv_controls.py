"""The controls on a convolutional task: linear reads the raw inputs; random-features trains only the readout."""

import pytest
import torch

from harness.registry import build_registry
from harness.testing import CONV_CONFORMANCE_TASK, accuracy_after_training, one_thread, parametrize_with_checks


@pytest.fixture(autouse=True)
def _one_thread():
    with one_thread():
        yield


@parametrize_with_checks(["linear", "random-features"], task=CONV_CONFORMANCE_TASK)
def test_conformance_on_convolutions(algorithm, check):
    check(algorithm)


def _build(name, seed=0):
    algorithm = build_registry().algorithm(name)
    return algorithm.build(CONV_CONFORMANCE_TASK, algorithm.config_for(CONV_CONFORMANCE_TASK.name), seed)


def test_linear_on_a_cnn_task_is_logistic_regression_on_the_raw_inputs():
    [layer] = list(_build("linear").surrogate())
    assert isinstance(layer, torch.nn.Linear) and (layer.in_features, layer.out_features) == (16, 3)


def test_random_features_on_a_cnn_trains_the_readout_and_nothing_else():
    learner = _build("random-features")
    model = learner.surrogate()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    accuracy_after_training(learner, CONV_CONFORMANCE_TASK, 50)
    readout = str(len(model) - 1)
    moved = {name for name, p in model.named_parameters() if not torch.equal(p, before[name])}
    assert moved == {f"{readout}.weight", f"{readout}.bias"}  # the convolutions and the hidden layer stay frozen
    assert any(isinstance(m, torch.nn.Conv1d) for m in model)
