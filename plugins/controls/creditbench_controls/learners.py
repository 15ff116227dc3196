"""The controls: two trained by SGD on the cross-entropy, one read out by a least-squares fit."""

import torch
from torch import nn

from harness import MLP, GradientLearner, Learner


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


class MinimumNormReadout(Learner):
    """Frozen random ReLU features read out by the minimum-norm least-squares fit to one-hot labels.

    Each step adds its batch to the Gram matrix ``ΦᵀΦ`` and to ``ΦᵀY``; the readout is ``(ΦᵀΦ + ridge·I)⁺ ΦᵀY``,
    solved when predictions are asked for.  With ``ridge = 0`` it is the limit of gradient descent on the
    squared error from zero, which interpolates the training set as soon as the features can (Belkin et al. 2019's
    random-features model); ``ridge > 0`` regularises it and is this control's own negative control.
    """

    def __init__(self, features: nn.Module, n_classes: int, ridge: float):
        if ridge < 0:
            raise ValueError(f"ridge must be at least 0, got {ridge}")
        self.features_of = features
        self.n_classes = n_classes
        self.ridge = ridge
        width = features[0].out_features
        self.gram = torch.zeros(width, width, dtype=torch.float64)
        self.moments = torch.zeros(width, n_classes, dtype=torch.float64)
        self._readout = None

    def train_step(self, x, y) -> None:
        with torch.no_grad():
            phi = self.features_of(x).double()
            self.gram += phi.T @ phi
            self.moments += phi.T @ torch.nn.functional.one_hot(y, self.n_classes).double()
        self._readout = None

    def predict(self, x):
        if self._readout is None:
            regularised = self.gram + self.ridge * torch.eye(len(self.gram), dtype=self.gram.dtype)
            self._readout = torch.linalg.pinv(regularised, hermitian=True) @ self.moments
        with torch.no_grad():
            return (self.features_of(x).double() @ self._readout).to(x.dtype)

    def state_dict(self) -> dict:
        return {"features": self.features_of.state_dict(), "gram": self.gram, "moments": self.moments}

    def load_state_dict(self, state: dict) -> None:
        self.features_of.load_state_dict(state["features"])
        self.gram.copy_(state["gram"])
        self.moments.copy_(state["moments"])
        self._readout = None


def build_min_norm_learner(task, config, seed):
    """The features are the reference architecture's first Linear layer and its ReLU, at their seeded initialisation."""
    model = task.architecture.build(seed).requires_grad_(False)
    return MinimumNormReadout(model[:2], task.architecture.output_size, float(config["ridge"]))
