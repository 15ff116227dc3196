import copy

import torch
import torch.nn.functional as F
from creditbench_altmin.learner import AlternatingMinimisation

from harness.architectures import MLP
from harness.testing import parametrize_with_checks


@parametrize_with_checks(["altmin"])
def test_conformance(algorithm, check):
    check(algorithm)


def _learner(**overrides):
    settings = {"lr": 0.01, "code_lr": 0.3, "mu": 0.01, "code_steps": 5, "weight_steps": 2, **overrides}
    return AlternatingMinimisation(MLP((8, 16, 16, 3)).build(seed=0), **settings)


def _blobs(n=64, seed=0):
    centres = 3 * torch.randn(3, 8, generator=torch.Generator().manual_seed(0))
    y = torch.arange(n) % 3
    return centres[y] + torch.randn(n, 8, generator=torch.Generator().manual_seed(1 + seed)), y


def _weights(learner):
    return [p.detach().clone() for p in learner.model.parameters()]


def _assert_same(first, second):
    for a, b in zip(first, second):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_with_the_codes_fixed_each_layer_update_depends_only_on_its_own_codes():
    """Choromanska et al. (2019): once the codes are set, the weight subproblems are independent, so the
    order of the layer updates is irrelevant, and a layer's update ignores every other layer's weights."""
    learner = _learner()
    x, y = _blobs()
    codes = learner.optimise_codes(learner.initial_codes(x), y)
    n_layers = len(learner.linears)

    forward, backward = copy.deepcopy(learner), copy.deepcopy(learner)
    for index in range(n_layers):
        forward.update_layer(index, x, codes, y)
    for index in reversed(range(n_layers)):
        backward.update_layer(index, x, codes, y)
    _assert_same(_weights(forward), _weights(backward))
    assert all(not torch.equal(a, b) for a, b in zip(_weights(forward), _weights(learner)))

    for own in range(n_layers):
        alone = copy.deepcopy(learner)
        with torch.no_grad():  # scramble every other layer
            for index, linear in enumerate(alone.linears):
                if index != own:
                    linear.weight.normal_()
        alone.update_layer(own, x, codes, y)
        own_parameters = list(alone.linears[own].parameters())
        _assert_same([p.detach() for p in own_parameters], [p.detach() for p in forward.linears[own].parameters()])


def test_code_sweep_lowers_the_output_loss():
    learner = _learner()
    x, y = _blobs()
    initial = learner.initial_codes(x)
    optimised = learner.optimise_codes(initial, y)

    def output_loss(codes):
        return F.cross_entropy(learner.linears[-1](learner.activation(codes[-1])), y)

    assert output_loss(optimised) < output_loss(initial)
    assert learner.cost_counters() == {"code_iterations": 5 * len(initial) * len(x)}


def test_without_code_steps_only_the_output_layer_learns():
    """With no code optimisation the codes are the forward pass itself, so every hidden layer already
    fits its target exactly and only the output layer moves, by its own cross-entropy gradient."""
    learner = _learner(code_steps=0, weight_steps=1)
    x, y = _blobs()
    before = _weights(learner)
    learner.train_step(x, y)
    after = _weights(learner)
    _assert_same(after[:-2], before[:-2])
    assert not torch.equal(after[-2], before[-2])


def test_learns_blobs():
    torch.manual_seed(0)
    learner = _learner()
    x, y = _blobs()
    for _ in range(30):
        learner.train_step(x, y)
    test_x, test_y = _blobs(seed=1)
    assert (learner.predict(test_x).argmax(1) == test_y).float().mean() == 1.0
