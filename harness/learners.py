"""Building blocks for learners whose update is "estimate a direction, let an optimiser step".

Backprop, feedback alignment, DFA, sign symmetry and evolution strategies all
fit this shape: they differ only in how they fill each parameter's ``.grad``.
A plugin supplies that rule as a ``direction``; ``GradientLearner`` does the
rest of the Learner contract.  ``ModelLearner`` is the smaller part every
learner that predicts with one torch module shares (prediction, surrogate).
"""

from __future__ import annotations

from collections.abc import Callable

from harness.contract import Learner


def cross_entropy(scores, labels):
    import torch.nn.functional as F

    return F.cross_entropy(scores, labels)


def mean_squared_error(predictions, targets):
    import torch.nn.functional as F

    return F.mse_loss(predictions, targets)


def one_hot_squared_error(outputs, labels):
    """``½‖outputs − one_hot(labels)‖²``, averaged over the batch: the objective of pc and ep on a classification task."""
    import torch.nn.functional as F

    targets = F.one_hot(labels, outputs.shape[-1]).to(outputs.dtype)
    return 0.5 * (outputs - targets).pow(2).sum(-1).mean()


def task_loss(task) -> Callable:
    """The loss a task is trained and evaluated with: cross-entropy for classification, else squared error."""
    return cross_entropy if task.objective == "classification" else mean_squared_error


def backprop(model, x, y, loss: Callable) -> None:
    """The true gradient: write d loss / d parameter into each ``.grad``."""
    loss(model(x), y).backward()


class ModelLearner(Learner):
    """A learner that predicts with its torch module ``self.model``, which is also its surrogate."""

    model = None  # set by the subclass

    def predict(self, x):
        """The model's outputs in eval mode (batch norm uses its running statistics, so a prediction does not depend
        on the rest of the batch), the model's mode restored afterwards."""
        import torch

        training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                return self.model(x)
        finally:
            self.model.train(training)

    def surrogate(self):
        return self.model

    def written_gradients(self) -> dict:
        """The ``.grad`` of every model parameter that has one: an ``update_direction`` once a rule has written it."""
        return {name: p.grad for name, p in self.model.named_parameters() if p.grad is not None}


class GradientLearner(ModelLearner):
    """A model, a torch optimiser and a rule that writes an update direction into ``.grad``.

    ``direction(model, x, y, loss)`` fills the gradients of the trainable
    parameters.  If the rule has state of its own (fixed feedback matrices, a
    noise generator), pass it as an object with ``state_dict`` and
    ``load_state_dict`` methods; it is saved and restored with the learner.
    A rule with its own cost units gives it a ``cost_counters`` method too.
    What ``direction`` writes is the rule's ``update_direction``; a rule that
    descends a loss other than ``loss`` names it as ``objective``.  A rule
    declares its algorithmic floor (``Learner.floor_step``) by giving the
    direction a ``floor(model, x, y, loss)`` method, whose docstring says what
    the floor is.
    """

    def __init__(
        self,
        model,
        optimizer,
        direction: Callable = backprop,
        loss: Callable = cross_entropy,
        objective: Callable | None = None,
    ):
        self.model = model
        self.optimizer = optimizer
        self.direction = direction
        self.loss = loss
        self.objective = objective

    def train_step(self, x, y) -> None:
        self.write_direction(x, y)
        self.apply_update_direction()

    def floor_step(self, x, y) -> None:
        """The direction's ``floor(model, x, y, loss)``: its docstring says what the floor is."""
        self.direction.floor(self.model, x, y, self.loss)

    def write_direction(self, x, y) -> None:
        """The rule's direction into ``.grad``.  ``train_step`` calls this, not ``update_direction`` (collecting the
        direction costs ~7% of a small MLP's step), so a subclass that changes the direction overrides this."""
        self.optimizer.zero_grad(set_to_none=True)
        self.direction(self.model, x, y, self.loss)

    def update_direction(self, x, y) -> dict:
        self.write_direction(x, y)
        return self.written_gradients()

    def apply_update_direction(self) -> bool:
        self.optimizer.step()
        return True

    def cost_counters(self) -> dict:
        return self.direction.cost_counters() if hasattr(self.direction, "cost_counters") else {}

    def state_dict(self) -> dict:
        state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}
        if hasattr(self.direction, "state_dict"):
            state["direction"] = self.direction.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if hasattr(self.direction, "load_state_dict"):
            self.direction.load_state_dict(state["direction"])
