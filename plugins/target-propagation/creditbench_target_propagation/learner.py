"""A target-propagation learner: the reference network stepped by a torch optimiser along a target-propagation rule."""

import torch

from harness import GradientLearner

OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}


def build_learner(task, config, seed, rule):
    model = task.architecture.build(seed)
    optimizer = OPTIMIZERS[config["optimizer"]](model.parameters(), lr=float(config["lr"]))
    return GradientLearner(model, optimizer, direction=rule(model, task.architecture.activation, config, seed))
