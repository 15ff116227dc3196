"""Plain backprop: the true gradient, stepped by the configured torch optimiser."""

import torch

from harness import GradientLearner, task_loss


def make_optimizer(parameters, config):
    name = config["optimizer"]
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=config["lr"])
    if name == "momentum":
        return torch.optim.SGD(parameters, lr=config["lr"], momentum=config["momentum"])
    if name == "adam":
        return torch.optim.Adam(parameters, lr=config["lr"])
    raise ValueError(f"unknown optimizer {name!r} (sgd, momentum, adam)")


def build_backprop(task, config, seed):
    model = task.architecture.build(seed)
    return GradientLearner(model, make_optimizer(model.parameters(), config), loss=task_loss(task))
