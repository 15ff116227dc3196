"""The two controls, both trained by SGD on the cross-entropy."""

import torch
from torch import nn

from harness import GradientLearner


def build_linear_learner(task, config, seed):
    sizes = task.architecture.sizes
    model = type(task.architecture)((sizes[0], sizes[-1])).build(seed)
    return GradientLearner(model, torch.optim.SGD(model.parameters(), lr=config["lr"]))


def build_random_features_learner(task, config, seed):
    model = task.architecture.build(seed)
    linears = [module for module in model if isinstance(module, nn.Linear)]
    for hidden in linears[:-1]:
        hidden.requires_grad_(False)
    readout = linears[-1]
    return GradientLearner(model, torch.optim.SGD(readout.parameters(), lr=config["lr"]))
