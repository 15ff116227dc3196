import copy

import pytest
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


MAX_GAP_TO_BACKPROP = 0.02  # accuracy, on the MNIST-like tasks of the paper's claim
MIN_GAIN_OVER_FROZEN_HIDDEN_LAYERS = 0.05


def matches_backprop_and_learns_its_hidden_layers(entry_of) -> dict:
    """The claim's check, on ``entry_of(task, algorithm)`` (quick-suite leaderboard entries): on digits and
    mnist5k altmin's mean test accuracy is at most 2 points below bp-sgd's, and on those and mnist1d it is at least
    5 points above ``random-features`` (the same network with its hidden layers frozen).  Returns altmin's
    difference to bp-sgd per task (mnist1d's is reported, not bounded: that is where the rules separate)."""
    gaps = {}
    for task in ("digits", "mnist5k", "mnist1d"):
        rule = entry_of(task, "altmin")["test_accuracy_mean"]
        gaps[task] = rule - entry_of(task, "bp-sgd")["test_accuracy_mean"]
        if task != "mnist1d":
            assert gaps[task] > -MAX_GAP_TO_BACKPROP, f"{task}: {gaps[task]:+.3f} against bp-sgd"
        frozen = entry_of(task, "random-features")["test_accuracy_mean"]
        assert rule > frozen + MIN_GAIN_OVER_FROZEN_HIDDEN_LAYERS, f"{task}: {rule:.3f} against frozen {frozen:.3f}"
    return gaps


@pytest.mark.creditbench_claim(
    rule="altmin",
    paper="Choromanska et al. 2019",
    claim="online alternating minimisation matches backprop: at most 2 points below bp-sgd on digits and mnist5k, 5 points above random-features on digits, mnist5k and mnist1d",
)
def test_altmin_matches_backprop_and_learns_its_hidden_layers(creditbench_results):
    """Choromanska et al. (2019), section 5: online alternating minimisation reaches test accuracy comparable to
    backprop on MNIST with fully connected networks.  Ours (quick suite, reference MLPs; README claims table):
    at or above bp-sgd on digits and mnist5k, below it on mnist1d, and well above frozen hidden layers on all.
    Measured (2 seeds, a loaded machine): 0.967 / 0.927 / 0.555 against bp-sgd's 0.954 / 0.908 / 0.624 and
    random-features' 0.811 / 0.698 / 0.340; the negative control is 14.3 points below bp-sgd on digits.  The
    margins come from earlier quick-suite measurements, not from selection seeds."""
    print(matches_backprop_and_learns_its_hidden_layers(creditbench_results.entry))


@pytest.mark.creditbench_claim(
    rule="altmin",
    paper="Choromanska et al. 2019",
    claim="negative control: the altmin check fails with random-features (hidden layers frozen) in altmin's place",
)
def test_the_altmin_check_fails_when_the_hidden_layers_are_frozen(creditbench_results):
    """Negative control: ``random-features`` (hidden layers frozen at initialisation, readout trained) in place
    of altmin."""

    def frozen_in_place_of_altmin(task, algorithm):
        return creditbench_results.entry(task, "random-features" if algorithm == "altmin" else algorithm)

    with pytest.raises(AssertionError, match="against bp-sgd"):
        matches_backprop_and_learns_its_hidden_layers(frozen_in_place_of_altmin)


def test_floor_runs_the_rules_code_sweep_and_steps_no_weight():
    x, y = _blobs()
    learner, twin = _learner(), _learner()
    swept = []

    def recording(sweep):
        def recorded(codes, labels):
            swept.append(sweep(codes, labels))
            return swept[-1]

        return recorded

    for each in (learner, twin):
        each.optimise_codes = recording(each.optimise_codes)
    before = _weights(twin)
    learner.train_step(x, y)
    twin.floor_step(x, y)
    rules, floors = swept
    assert len(floors) == len(rules) == 2 and all(torch.equal(a, b) for a, b in zip(floors, rules))
    _assert_same(_weights(twin), before)
    assert twin.cost_counters() == learner.cost_counters()  # the same code iterations
