"""Broken learning rules: the negative controls of claim and metric checks.

A claim check ("DTP's hidden-layer updates align with backprop", "hsic beats ``linear``") is evidence only if it
fails for a rule that lacks the claimed property.  A plugin's test runs the *same* check function on a broken
rule and asserts that it fails.  The standard ways of breaking a rule:

* **noise updates** — every step, each parameter tensor's update is replaced by Gaussian noise of the same norm
  (the rule keeps its step sizes and loses its directions);
* **a frozen layer** — chosen parameters never change;
* **plain backprop in place of the rule** — for claims that distinguish the rule from backprop.

Each comes at two levels:

* a *direction* (``direction(model, x, y, loss)`` writing ``.grad``, as ``GradientLearner`` takes, and as unit tests
  call a rule directly): ``noise_direction``, ``frozen_direction``, and ``harness.learners.backprop`` itself;
* a *learner* (any ``Learner``; the wrappers act on the change of its weights across ``train_step``, after the
  optimiser, so they break rules that are not ``GradientLearner`` s too — ES, GA, RBMs, HSIC):
  ``NoiseUpdates``, ``FrozenParameters``, and ``backprop_in_place`` for a ``GradientLearner``.

``broken(algorithm, wrap)`` gives an ``Algorithm`` whose learners are wrapped, so a broken rule can go through the
conformance kit or a training loop like the rule itself::

    from harness.testing import NoiseUpdates, broken, noise_direction

    def test_the_claim_fails_for_noise_updates():
        passed, cosine = dtp_aligns(measure(noise_direction(rule, seed=0)))
        assert not passed, cosine

A learner's weights default to its ``surrogate()``'s parameters (the contract makes them the learner's own);
a learner without a surrogate must be given ``parameters``.  Noise is drawn on the CPU from its own seeded
generator (saved in ``state_dict``), so a broken run is as reproducible as the rule's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from harness.contract import Algorithm, Learner
from harness.learners import GradientLearner, backprop

NOISE_SEED_OFFSET = 7_000_003  # the noise must not be correlated with anything else drawn from the run's seed


def _generator(seed: int):
    import torch

    return torch.Generator(device="cpu").manual_seed(NOISE_SEED_OFFSET + seed)


def _noise_like(tensor, generator):
    """Gaussian noise shaped like ``tensor``, with ``tensor``'s norm (zero stays zero)."""
    import torch

    noise = torch.randn(tensor.shape, generator=generator, dtype=tensor.dtype, device="cpu").to(tensor.device)
    return noise * (tensor.norm() / noise.norm())


class _Wrapper:
    """Passes a rule's own state and cost counters through, beside the wrapper's."""

    def __init__(self, inner):
        self.inner = inner

    def cost_counters(self) -> dict:
        return self.inner.cost_counters() if hasattr(self.inner, "cost_counters") else {}

    def state_dict(self) -> dict:
        return {"inner": self.inner.state_dict()} if hasattr(self.inner, "state_dict") else {}

    def load_state_dict(self, state: dict) -> None:
        if hasattr(self.inner, "load_state_dict"):
            self.inner.load_state_dict(state["inner"])


class _NoiseDirection(_Wrapper):
    def __init__(self, direction: Callable, seed: int):
        super().__init__(direction)
        self.generator = _generator(seed)

    def __call__(self, model, x, y, loss) -> None:
        import torch

        self.inner(model, x, y, loss)
        with torch.no_grad():
            for parameter in model.parameters():
                if parameter.grad is not None:
                    parameter.grad.copy_(_noise_like(parameter.grad, self.generator))

    def state_dict(self) -> dict:
        return {**super().state_dict(), "noise_generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.generator.set_state(state["noise_generator"])


class _FrozenDirection(_Wrapper):
    def __init__(self, direction: Callable, parameters: Iterable):
        super().__init__(direction)
        self.frozen = list(parameters)

    def __call__(self, model, x, y, loss) -> None:
        self.inner(model, x, y, loss)
        for parameter in self.frozen:
            if parameter.grad is not None:
                parameter.grad.zero_()


def noise_direction(direction: Callable, seed: int = 0) -> Callable:
    """``direction`` with each parameter's ``.grad`` replaced by Gaussian noise of the same norm."""
    return _NoiseDirection(direction, seed)


def frozen_direction(direction: Callable, parameters: Iterable) -> Callable:
    """``direction`` with the ``.grad`` of ``parameters`` set to zero (with plain SGD: the layer never moves)."""
    return _FrozenDirection(direction, parameters)


class _LearnerWrapper(Learner):
    """A learner that trains like ``learner`` and then edits the change of ``parameters``."""

    def __init__(self, learner: Learner, parameters: Iterable | None):
        if parameters is None:
            surrogate = learner.surrogate()
            if surrogate is None:
                raise ValueError(f"{type(learner).__name__} has no surrogate: pass the parameters to break")
            parameters = surrogate.parameters()
        self.learner = learner
        self.parameters = list(parameters)

    def train_step(self, x, y) -> None:
        import torch

        before = [parameter.detach().clone() for parameter in self.parameters]
        self.learner.train_step(x, y)
        with torch.no_grad():
            for parameter, previous in zip(self.parameters, before):
                parameter.copy_(previous + self.replace(parameter - previous))

    def replace(self, change):
        raise NotImplementedError

    def predict(self, x):
        return self.learner.predict(x)

    def features(self, x):
        return self.learner.features(x)

    def surrogate(self):
        return self.learner.surrogate()

    @property
    def objective(self):
        """The wrapped rule's declared objective (None when it descends the task's loss)."""
        return getattr(self.learner, "objective", None)

    def update_direction(self, x, y) -> dict | None:
        """The wrapped rule's own direction, unchanged (None when it has none).

        The wrapper edits the change of the weights across ``train_step``, after the optimiser, not what the rule
        writes before it, so the broken rule's direction is the rule's.  Gradient fidelity
        (``harness.metrics.fidelity``) of a wrapped learner therefore measures two different things: its
        *direction* cosines (``gradient_cosine``, ``gradient_cosine_output``, ``gradient_cosine_objective``) are
        those of the intact rule at the broken run's current weights, every parameter included (a frozen or
        noised one too); only its *applied* cosines (``gradient_cosine_applied``) see the break: about 0 for
        ``NoiseUpdates``, exactly 0 on the parameters ``FrozenParameters`` holds still.
        """
        return self.learner.update_direction(x, y) if hasattr(self.learner, "update_direction") else None

    def cost_counters(self) -> dict:
        return self.learner.cost_counters()

    def state_dict(self) -> dict:
        return {"learner": self.learner.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.learner.load_state_dict(state["learner"])


class NoiseUpdates(_LearnerWrapper):
    """``learner`` whose every step moves each weight tensor by Gaussian noise, as far as the rule moved it."""

    def __init__(self, learner: Learner, seed: int = 0, parameters: Iterable | None = None):
        super().__init__(learner, parameters)
        self.generator = _generator(seed)

    def replace(self, change):
        return _noise_like(change, self.generator)

    def state_dict(self) -> dict:
        return {**super().state_dict(), "noise_generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.generator.set_state(state["noise_generator"])


class FrozenParameters(_LearnerWrapper):
    """``learner`` whose ``parameters`` (e.g. one layer's weight and bias) never change."""

    def __init__(self, learner: Learner, parameters: Iterable):
        super().__init__(learner, parameters)

    def replace(self, change):
        return change.zero_()


def backprop_in_place(learner: GradientLearner) -> GradientLearner:
    """The same model, optimiser and loss as ``learner``, stepped along backprop's gradient instead of its rule."""
    return GradientLearner(learner.model, learner.optimizer, direction=backprop, loss=learner.loss)


def broken(algorithm: Algorithm, wrap: Callable[[Learner], Learner], label: str) -> Algorithm:
    """``algorithm`` whose every learner is passed through ``wrap``, named ``"<name>-<label>"``.

    For example ``broken(fa, NoiseUpdates, "noise")`` or
    ``broken(hsic, lambda learner: FrozenParameters(learner, learner.model[0].parameters()), "frozen-layer-1")``.
    """

    def build(task, config, seed):
        return wrap(algorithm.build(task, config, seed))

    return dataclasses.replace(algorithm, name=f"{algorithm.name}-{label}", build=build)
