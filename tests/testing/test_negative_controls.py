"""The broken rules keep what they promise to keep (step sizes, the other layers) and break the rest."""

import pytest
import torch
import torch.nn.functional as F

from harness import MLP, Algorithm, GradientLearner, Plausibility
from harness.learners import backprop, cross_entropy
from harness.testing import (
    CONFORMANCE_TASK,
    FrozenParameters,
    NoiseUpdates,
    backprop_in_place,
    broken,
    check_algorithm,
    frozen_direction,
    noise_direction,
)


def _problem():
    model = MLP((20, 64, 64, 3)).build(seed=0)
    generator = torch.Generator().manual_seed(0)
    return model, torch.randn(32, 20, generator=generator), torch.randint(0, 3, (32,), generator=generator)


def _gradients(direction, model, x, y):
    model.zero_grad()
    direction(model, x, y, cross_entropy)
    return [p.grad.clone() for p in model.parameters()]


def _cosine(a, b):
    return float(F.cosine_similarity(a.detach().flatten(), b.detach().flatten(), dim=0))


def _sgd_learner(seed=0, direction=backprop):
    model = MLP((20, 64, 64, 3)).build(seed)
    return GradientLearner(model, torch.optim.SGD(model.parameters(), lr=0.1), direction=direction)


def test_noise_direction_keeps_each_gradients_norm_and_loses_its_direction():
    model, x, y = _problem()
    true = _gradients(backprop, model, x, y)
    noisy = _gradients(noise_direction(backprop, seed=0), model, x, y)
    for mine, exact in zip(noisy, true):
        torch.testing.assert_close(mine.norm(), exact.norm())
    assert abs(_cosine(noisy[0], true[0])) < 0.1  # 1280 entries: a random direction's cosine is ~0.03
    again = _gradients(noise_direction(backprop, seed=0), model, x, y)
    assert all(torch.equal(a, b) for a, b in zip(noisy, again))


def test_noise_direction_saves_its_generator_and_the_rules_state():
    class Counting:
        def __init__(self):
            self.calls = 0

        def __call__(self, model, x, y, loss):
            self.calls += 1
            backprop(model, x, y, loss)

        def state_dict(self):
            return {"calls": self.calls}

        def load_state_dict(self, state):
            self.calls = state["calls"]

    model, x, y = _problem()
    original = noise_direction(Counting(), seed=1)
    _gradients(original, model, x, y)
    restored = noise_direction(Counting(), seed=2)
    restored.load_state_dict(original.state_dict())
    assert restored.inner.calls == 1
    assert all(torch.equal(a, b) for a, b in zip(_gradients(original, model, x, y), _gradients(restored, model, x, y)))


def test_frozen_direction_zeroes_only_the_frozen_layer():
    model, x, y = _problem()
    true = _gradients(backprop, model, x, y)
    frozen = _gradients(frozen_direction(backprop, model[0].parameters()), model, x, y)
    assert not frozen[0].any() and not frozen[1].any()
    for mine, exact in zip(frozen[2:], true[2:]):
        torch.testing.assert_close(mine, exact)


def test_noise_updates_move_each_weight_as_far_as_the_rule_would():
    rule, noisy = _sgd_learner(), NoiseUpdates(_sgd_learner(), seed=0)
    x, y = _problem()[1:]
    before = [p.detach().clone() for p in rule.model.parameters()]
    rule.train_step(x, y)
    noisy.train_step(x, y)
    for start, stepped, moved in zip(before, rule.model.parameters(), noisy.learner.model.parameters()):
        torch.testing.assert_close((moved - start).norm(), (stepped - start).norm())
    assert abs(_cosine(noisy.learner.model[0].weight - before[0], rule.model[0].weight - before[0])) < 0.1


def test_frozen_parameters_never_change_and_the_other_layers_train():
    learner = _sgd_learner()
    frozen = FrozenParameters(learner, learner.model[0].parameters())
    first = [p.detach().clone() for p in learner.model[0].parameters()]
    top = learner.model[4].weight.detach().clone()
    x, y = _problem()[1:]
    for _ in range(3):
        frozen.train_step(x, y)
    assert all(torch.equal(p, q) for p, q in zip(learner.model[0].parameters(), first))
    assert not torch.equal(learner.model[4].weight, top)


def test_a_wrapped_learner_passes_the_rules_direction_and_objective_through():
    """The broken rule's direction is the rule's; fidelity's applied cosine is the one that sees the break."""
    from harness.metrics.fidelity import probe

    def squared_error(scores, y):
        return (scores - F.one_hot(y, 3).float()).pow(2).mean()

    x, y = _problem()[1:]
    rule = _sgd_learner()
    rule.objective = squared_error
    expected = rule.update_direction(x, y)
    learner = _sgd_learner()
    learner.objective = squared_error
    for wrapped in (NoiseUpdates(learner, seed=0), FrozenParameters(learner, learner.model[0].parameters())):
        assert wrapped.objective is squared_error
        direction = wrapped.update_direction(x, y)
        assert direction.keys() == expected.keys()
        assert all(torch.equal(direction[name], expected[name]) for name in expected)
    measured = probe(NoiseUpdates(_sgd_learner(), seed=0), x, y, cross_entropy)
    assert all(cosine == pytest.approx(1.0) for cosine in measured["direction"].values())
    assert abs(measured["applied"]["0.weight"]) < 0.1
    frozen = _sgd_learner()
    measured = probe(FrozenParameters(frozen, frozen.model[0].parameters()), x, y, cross_entropy)
    assert measured["direction"]["0.weight"] == pytest.approx(1.0) and measured["applied"]["0.weight"] == 0.0
    assert NoiseUpdates(_sgd_learner()).objective is None


def test_a_learner_without_a_surrogate_must_name_its_parameters():
    class NoSurrogate(GradientLearner):
        def surrogate(self):
            return None

    model = MLP((20, 3)).build(seed=0)
    learner = NoSurrogate(model, torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="pass the parameters"):
        NoiseUpdates(learner)


def test_backprop_in_place_steps_the_same_model_along_the_true_gradient():
    def sign_of_gradient(model, x, y, loss):
        backprop(model, x, y, loss)
        for parameter in model.parameters():
            parameter.grad.sign_()

    learner = _sgd_learner(direction=sign_of_gradient)
    replaced = backprop_in_place(learner)
    assert replaced.model is learner.model and replaced.optimizer is learner.optimizer
    x, y = _problem()[1:]
    reference = _sgd_learner()
    replaced.train_step(x, y)
    reference.train_step(x, y)
    for mine, true in zip(learner.model.parameters(), reference.model.parameters()):
        torch.testing.assert_close(mine, true)


def test_a_broken_algorithm_passes_the_conformance_kit():
    """Broken, but still a learner: deterministic under its seed, resumable, within its budget."""
    rule = Algorithm(
        name="sgd",
        family="test",
        citation="none",
        description="backprop with SGD",
        build=lambda task, config, seed: GradientLearner(
            model := task.architecture.build(seed), torch.optim.SGD(model.parameters(), lr=0.1)
        ),
        plausibility=Plausibility(weight_transport=True, backward_phase=True, local_updates=False),
    )
    noisy = broken(rule, NoiseUpdates, "noise")
    assert noisy.name == "sgd-noise"
    check_algorithm(noisy, CONFORMANCE_TASK)
