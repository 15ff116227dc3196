import pytest
import torch
import torch.nn.functional as F
from creditbench_equilibrium_propagation.bptt import TruncatedBPTT
from creditbench_equilibrium_propagation.conv_dynamics import ConvEquilibriumNetwork
from creditbench_equilibrium_propagation.dynamics import EquilibriumNetwork, sigma
from creditbench_equilibrium_propagation.ep import EquilibriumPropagation
from torch import nn

from harness import CNN, Conv, GradientLearner
from harness.architectures import MLP
from harness.registry import build_registry
from harness.testing import (
    CONV_CONFORMANCE_TASK,
    NoiseUpdates,
    frozen_direction,
    mean_accuracy_after_training,
    noise_direction,
    parametrize_with_checks,
)

FREE_STEPS, NUDGED_STEPS = 100, 20


@parametrize_with_checks(["ep", "ep-bptt"])
def test_conformance(algorithm, check):
    check(algorithm)


def _problem(seed):
    """A small network whose output units settle near ½, and a batch for it.

    The output layer's weights are halved and its biases set to ½.  In the prototypical setting the nudge is added
    outside σ, so BPTT's error at an output unit carries a factor σ' that EP's does not; near ½, σ' ≈ 1.
    """
    linears = [m for m in MLP((10, 12, 12, 4)).build(seed).double() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        linears[-1].weight.mul_(0.5)
        linears[-1].bias.fill_(0.5)
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(32, 10, generator=generator, dtype=torch.float64)
    y = torch.randint(0, 4, (32,), generator=generator)
    return EquilibriumNetwork(linears, FREE_STEPS), x, y


def _gradients(model, rule, x, y):
    model.zero_grad()
    rule(model, x, y, None)
    return [p.grad.clone() for p in model.parameters()]


def _relative_error(estimate, truth):
    flat = [torch.cat([t.flatten() for t in ts]) for ts in (estimate, truth)]
    return float((flat[0] - flat[1]).norm() / flat[1].norm())


def test_relaxation_step_is_sigma_of_the_gradient_of_the_primitive_function():
    model, x, _ = _problem(0)
    generator = torch.Generator().manual_seed(1)
    states = [torch.rand(32, n, generator=generator, dtype=torch.float64, requires_grad=True) for n in (12, 12, 4)]
    drives = torch.autograd.grad(model.primitive(x, states), states)
    stepped = model.step(model.layers[0](x), states)
    for mine, drive in zip(stepped, drives):
        torch.testing.assert_close(mine, sigma(drive))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_written_update_is_autograds_gradient_of_the_primitive_difference_to_the_bit(dtype):
    model, x, _ = _problem(0)
    model, x = model.to(dtype), x.to(dtype)
    generator = torch.Generator().manual_seed(1)
    states, reference = ([torch.rand(32, n, generator=generator).to(dtype) for n in (12, 12, 4)] for _ in range(2))
    (-(model.primitive(x, states) - model.primitive(x, reference)) / 6.4).backward()
    autograds = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    model.write_primitive_difference_gradient(x, states, reference, 6.4)
    assert all(torch.equal(p.grad, g) for p, g in zip(model.parameters(), autograds, strict=True))


def test_free_phase_settles_and_its_output_is_the_prediction():
    model, x, _ = _problem(0)
    with torch.no_grad():
        settled = model.relax(model.input_drive(x), model.rest(x), FREE_STEPS)
        once_more = model.step(model.layers[0](x), settled)
        for state, following in zip(settled, once_more):
            torch.testing.assert_close(state, following)
        torch.testing.assert_close(model(x), settled[-1])


def ep_matches_bptt(ep, bptt) -> tuple[bool, float]:
    """Ernoult et al.'s GDU property as a check: every weight's and bias's EP update has cosine ≥ 0.99 with the BPTT
    gradient; also returns the least cosine."""
    worst = min(float(F.cosine_similarity(mine.flatten(), true.flatten(), dim=0)) for mine, true in zip(ep, bptt))
    return worst >= 0.99, worst


def symmetric_nudging_is_closer(one_sided, symmetric, bptt) -> tuple[bool, list[tuple[float, float]]]:
    """Laborieux et al.'s bias reduction as a check: for every weight and bias, the symmetric estimate is closer
    to the BPTT gradient than the one-sided one; also returns both relative errors per tensor.  Per tensor, not
    for the whole update, so that a layer the estimate gets wrong cannot hide behind the others."""
    errors = [
        (_relative_error([one], [true]), _relative_error([sym], [true]))
        for one, sym, true in zip(one_sided, symmetric, bptt)
    ]
    return all(sym < one for one, sym in errors), errors


def _ep(beta, symmetric, break_rule=None):
    """EP's gradient on a seed's problem, through ``break_rule(rule, model)`` if given (a negative control)."""

    def gradients(model, x, y):
        rule = EquilibriumPropagation(NUDGED_STEPS, beta, symmetric=symmetric)
        return _gradients(model, break_rule(rule, model) if break_rule else rule, x, y)

    return gradients


BROKEN_RULES = {
    "noise updates": lambda rule, model: noise_direction(rule, seed=0),
    "frozen first layer": lambda rule, model: frozen_direction(rule, model.layers[0].parameters()),
}


def _gdu(seed, break_rule=None, problem=None):
    model, x, y = (problem or _problem)(seed)
    return ep_matches_bptt(
        _ep(1e-3, symmetric=False, break_rule=break_rule)(model, x, y),
        _gradients(model, TruncatedBPTT(NUDGED_STEPS), x, y),
    )


def test_claim_ep_updates_match_bptt_gradients_for_small_beta():
    """Ernoult, Grollier, Querlioz, Bengio & Scellier (2019), NeurIPS, Theorem 1 and Fig. 2 (GDU property): on a
    free phase that has converged, the EP update with K nudged steps and a small β equals minus the gradient
    computed by BPTT through the last K steps of the free phase.  Cosine ≥ 0.99 for every weight and bias
    (measured with β = 1e-3: ≥ 0.9998 on all three seeds)."""
    for seed in range(3):
        passed, worst = _gdu(seed)
        assert passed, (seed, worst)


@pytest.mark.parametrize("broken", BROKEN_RULES)
def test_negative_control_gdu_check_fails_for_a_broken_rule(broken):
    """The same check fails when EP's update is replaced by noise of its norm, or its first layer is frozen
    (measured least cosines: noise ≈ 0, frozen 0)."""
    for seed in range(3):
        passed, worst = _gdu(seed, BROKEN_RULES[broken])
        assert not passed, (seed, worst)


def _bias_reduction(seed, break_symmetric_rule=None):
    model, x, y = _problem(seed)
    bptt = _gradients(model, TruncatedBPTT(NUDGED_STEPS), x, y)
    symmetric = _ep(0.2, symmetric=True, break_rule=break_symmetric_rule)(model, x, y)
    return symmetric_nudging_is_closer(_ep(0.2, symmetric=False)(model, x, y), symmetric, bptt)


def test_claim_symmetric_nudging_reduces_the_estimate_bias_at_larger_beta():
    """Laborieux, Ernoult, Scellier, Bengio, Grollier & Querlioz (2021), Frontiers in Neuroscience 15: the one-sided
    estimate is biased by O(β), the symmetric (+β, −β) one by O(β²).  At β = 0.2 the symmetric update of every
    weight and bias is closer to the BPTT gradient on every seed (measured relative errors per tensor, seeds 0–2:
    one-sided 0.15–0.20, symmetric 0.05–0.09; selection seeds 1000–1002 alike: 0.13–0.21 against 0.06–0.12)."""
    for seed in range(3):
        passed, errors = _bias_reduction(seed)
        assert passed, (seed, errors)


@pytest.mark.parametrize("broken", BROKEN_RULES)
def test_negative_control_bias_check_fails_for_a_broken_symmetric_rule(broken):
    """The same check fails when the symmetric estimate is broken: a frozen layer's relative error is 1, and noise
    of the estimate's norm has ≈ √2, both above the one-sided estimate's."""
    for seed in range(3):
        passed, errors = _bias_reduction(seed, BROKEN_RULES[broken])
        assert not passed, (seed, errors)


def test_cost_counters_count_every_relaxation_step_of_every_example():
    model, x, y = _problem(0)
    ep = EquilibriumPropagation(NUDGED_STEPS, 0.5, symmetric=True)
    bptt = TruncatedBPTT(NUDGED_STEPS)
    ep(model, x, y, None)
    bptt(model, x, y, None)
    assert ep.cost_counters() == {"relaxation_iterations": (FREE_STEPS + 2 * NUDGED_STEPS) * len(x)}
    assert bptt.cost_counters() == {"relaxation_iterations": FREE_STEPS * len(x)}


class RecordingNetwork(EquilibriumNetwork):
    """Records every state its relaxation steps produce."""

    def __init__(self, layers, free_steps):
        super().__init__(layers, free_steps)
        self.stepped = []

    def step(self, input_drive, states, target=None, beta: float = 0.0):
        self.stepped.append(super().step(input_drive, states, target, beta))
        return self.stepped[-1]


def _learner(rule, seed=0):
    model, x, y = _problem(seed)
    model = RecordingNetwork(list(model.layers), FREE_STEPS)
    return GradientLearner(model, torch.optim.SGD(model.parameters(), lr=0.1), direction=rule), x, y


@pytest.mark.parametrize("symmetric", [True, False])
def test_ep_floor_runs_the_rules_relaxations_and_nothing_else(symmetric):
    stepped, floored = (_learner(EquilibriumPropagation(NUDGED_STEPS, 0.5, symmetric)) for _ in range(2))
    (learner, x, y), (twin, _, _) = stepped, floored
    weights = [p.clone() for p in twin.model.parameters()]
    learner.train_step(x, y)
    twin.floor_step(x, y)
    assert len(twin.model.stepped) == FREE_STEPS + (2 if symmetric else 1) * NUDGED_STEPS
    for mine, rules in zip(twin.model.stepped, learner.model.stepped, strict=True):
        assert all(torch.equal(a, b) for a, b in zip(mine, rules, strict=True))
    assert all(p.grad is None for p in twin.model.parameters())  # no update direction written ...
    assert all(torch.equal(p, w) for p, w in zip(twin.model.parameters(), weights))  # ... nor stepped
    assert twin.direction.cost_counters() == {"relaxation_iterations": 0}


def test_ep_bptt_floor_is_its_forward_and_backward_without_the_step():
    (learner, x, y), (twin, _, _) = (_learner(TruncatedBPTT(NUDGED_STEPS)) for _ in range(2))
    weights = [p.clone() for p in twin.model.parameters()]
    gradients = learner.update_direction(x, y)
    twin.floor_step(x, y)
    assert len(twin.model.stepped) == FREE_STEPS
    assert all(torch.equal(p.grad, gradients[name]) for name, p in twin.model.named_parameters())
    assert all(torch.equal(p, w) for p, w in zip(twin.model.parameters(), weights))


# Convolutional EP (Laborieux et al. 2021): the same rules on ConvEquilibriumNetwork.

CNN_SPEC = CNN((1, 16), (Conv(4, 3, padding=1, pool=2), Conv(4, 3, stride=2, padding=1)), (8,), 3)


def test_the_convolutional_network_relaxes_exactly_as_the_mlp_network_on_an_mlp():
    """On an MLP, autograd's ∂Φ/∂s in ConvEquilibriumNetwork is the same sum EquilibriumNetwork writes by hand."""
    mlp = MLP((10, 12, 12, 4)).build(0).double()
    by_hand = EquilibriumNetwork([m for m in mlp if isinstance(m, nn.Linear)], FREE_STEPS)
    by_autograd = ConvEquilibriumNetwork(mlp, FREE_STEPS)
    x = torch.rand(8, 10, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    with torch.no_grad():
        for mine, theirs in zip(by_autograd(x), by_hand(x)):
            torch.testing.assert_close(mine, theirs)


def _conv_problem(seed):
    """A small CNN with pooling, striding and a hidden Linear layer, its output settling near ½ (as ``_problem``)."""
    model = CNN_SPEC.build(seed).double()
    readout = [m for m in model if isinstance(m, nn.Linear)][-1]
    with torch.no_grad():
        readout.weight.mul_(0.5)
        readout.bias.fill_(0.5)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(32, 16, generator=generator, dtype=torch.float64)
    return ConvEquilibriumNetwork(model, FREE_STEPS), x, torch.randint(0, 3, (32,), generator=generator)


def test_claim_convolutional_ep_updates_match_bptt_gradients_for_small_beta():
    """Laborieux et al. (2021), section 2.3: the GDU property carries over to convolutional EP, pooling included
    (their Fig. 2).  Cosine ≥ 0.99 for every kernel, weight and bias (measured with β = 1e-3: ≥ 0.998 on all three
    seeds)."""
    for seed in range(3):
        passed, worst = _gdu(seed, problem=_conv_problem)
        assert passed, (seed, worst)


@pytest.mark.parametrize("broken", BROKEN_RULES)
def test_negative_control_convolutional_gdu_check_fails_for_a_broken_rule(broken):
    for seed in range(3):
        passed, worst = _gdu(seed, BROKEN_RULES[broken], _conv_problem)
        assert not passed, (seed, worst)


@parametrize_with_checks(["ep", "ep-bptt"], task=CONV_CONFORMANCE_TASK)
def test_conformance_on_convolutions(algorithm, check):
    check(algorithm)


# Chance is 1/3.  Measured at the conv defaults (lrs halving from 0.2), 150 steps of 32, seeds 0-5: ep 0.43 (0.33-0.57),
# ep-bptt 0.49; with noise updates 0.31 (0.20-0.33).  The mean over the six seeds is checked against the midpoint,
# 0.37, six points from each (over seeds 0-2 alone the margins were 0.04 and 0.03).
@pytest.mark.parametrize("broken", [False, True], ids=["ep", "noise-updates"])
def test_ep_learns_a_tiny_conv_task_and_noise_updates_do_not(broken):
    algorithm = build_registry().algorithm("ep")
    config = algorithm.config_for(CONV_CONFORMANCE_TASK.name)

    def build(seed):
        learner = algorithm.build(CONV_CONFORMANCE_TASK, config, seed)
        return NoiseUpdates(learner, seed) if broken else learner

    mean = mean_accuracy_after_training(build, CONV_CONFORMANCE_TASK, 150, range(6))
    assert mean < 0.37 if broken else mean >= 0.37
