"""The two controls, both trained by SGD on the cross-entropy."""

import torch
from torch import nn

from harness import MLP, GradientLearner


def build_linear_learner(task, config, seed):
    architecture = task.architecture
    model = MLP((architecture.input_size, architecture.output_size)).build(seed)
    return GradientLearner(model, torch.optim.SGD(model.parameters(), lr=config["lr"]))


def build_random_features_learner(task, config, seed):
    """Every layer but the readout (the last Linear) frozen: on a CNN, its convolutions and hidden Linear layers."""
    model = task.architecture.build(seed)
    model.requires_grad_(False)
    readout = [module for module in model if isinstance(module, nn.Linear)][-1]
    readout.requires_grad_(True)
    return GradientLearner(model, torch.optim.SGD(readout.parameters(), lr=config["lr"]))
