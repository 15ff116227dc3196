"""Batch norm: predictions use the running statistics, and the rules that cannot keep them decline it."""

import torch

from harness import RESNET20, ModelLearner
from harness.registry import build_registry


class Learner(ModelLearner):
    def __init__(self, model):
        self.model = model

    def train_step(self, x, y):
        raise NotImplementedError

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def trained_a_little(model):
    """A few training-mode passes, so the running statistics are not batch norm's initial zero mean, unit variance."""
    with torch.no_grad():
        for seed in range(3):
            model(torch.rand(16, 3072, generator=torch.Generator().manual_seed(seed)) * 2)
    return model


def test_a_prediction_does_not_depend_on_the_rest_of_the_batch_and_the_mode_is_restored():
    learner = Learner(trained_a_little(RESNET20.build(0)))
    x = torch.rand(6, 3072, generator=torch.Generator().manual_seed(9))
    alone, among_others = learner.predict(x[:2]), learner.predict(torch.cat([x[:2], 3 * x[2:]]))[:2]
    assert torch.allclose(alone, among_others, atol=1e-5)
    assert learner.model.training  # as it was before
    learner.model.eval()
    learner.predict(x)
    assert not learner.model.training


def test_negative_control_in_training_mode_the_batch_changes_the_prediction():
    model = trained_a_little(RESNET20.build(0)).train()
    x = torch.rand(6, 3072, generator=torch.Generator().manual_seed(9))
    with torch.no_grad():
        alone, among_others = model(x[:2]), model(torch.cat([x[:2], 3 * x[2:]]))[:2]
    assert not torch.allclose(alone, among_others, atol=1e-3)


def test_es_and_ga_decline_batch_norm_and_run_the_same_network_without_it():
    registry = build_registry()
    resnet, vgg = registry.task("cifar10-resnet20"), registry.task("cifar10-vgg")
    for name in ("es", "ga"):
        algorithm = registry.algorithm(name)
        reason = algorithm.declined(resnet, algorithm.config_for(resnet.name))
        assert reason.startswith("a population of functional forward passes carries no batch-norm statistics")
        assert "cifar10-resnet20" in reason and "\n" not in reason
        assert algorithm.declined(vgg, algorithm.config_for(vgg.name)) is None
