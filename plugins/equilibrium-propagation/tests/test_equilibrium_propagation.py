import torch
import torch.nn.functional as F
from creditbench_equilibrium_propagation.bptt import TruncatedBPTT
from creditbench_equilibrium_propagation.dynamics import EquilibriumNetwork, sigma
from creditbench_equilibrium_propagation.ep import EquilibriumPropagation
from torch import nn

from harness.architectures import MLP
from harness.testing import parametrize_with_checks

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


def test_free_phase_settles_and_its_output_is_the_prediction():
    model, x, _ = _problem(0)
    with torch.no_grad():
        settled = model.relax(x, model.rest(x), FREE_STEPS)
        once_more = model.step(model.layers[0](x), settled)
        for state, following in zip(settled, once_more):
            torch.testing.assert_close(state, following)
        torch.testing.assert_close(model(x), settled[-1])


def test_claim_ep_updates_match_bptt_gradients_for_small_beta():
    """Ernoult, Grollier, Querlioz, Bengio & Scellier (2019), NeurIPS, Theorem 1 and Fig. 2 (GDU property): on a
    free phase that has converged, the EP update with K nudged steps and a small β equals minus the gradient
    computed by BPTT through the last K steps of the free phase.  Cosine ≥ 0.99 for every weight and bias
    (measured with β = 1e-3: ≥ 0.9998 on all three seeds)."""
    for seed in range(3):
        model, x, y = _problem(seed)
        bptt = _gradients(model, TruncatedBPTT(NUDGED_STEPS), x, y)
        ep = _gradients(model, EquilibriumPropagation(NUDGED_STEPS, 1e-3, symmetric=False), x, y)
        for mine, true in zip(ep, bptt):
            assert float(F.cosine_similarity(mine.flatten(), true.flatten(), dim=0)) >= 0.99


def test_claim_symmetric_nudging_reduces_the_estimate_bias_at_larger_beta():
    """Laborieux, Ernoult, Scellier, Bengio, Grollier & Querlioz (2021), Frontiers in Neuroscience 15: the one-sided
    estimate is biased by O(β), the symmetric (+β, −β) one by O(β²).  At β = 0.2 the symmetric update is closer to
    the BPTT gradient on every seed (measured relative errors: one-sided 0.16–0.17, symmetric 0.05–0.07)."""
    for seed in range(3):
        model, x, y = _problem(seed)
        bptt = _gradients(model, TruncatedBPTT(NUDGED_STEPS), x, y)
        one_sided = _gradients(model, EquilibriumPropagation(NUDGED_STEPS, 0.2, symmetric=False), x, y)
        symmetric = _gradients(model, EquilibriumPropagation(NUDGED_STEPS, 0.2, symmetric=True), x, y)
        assert _relative_error(symmetric, bptt) < _relative_error(one_sided, bptt)


def test_cost_counters_count_every_relaxation_step_of_every_example():
    model, x, y = _problem(0)
    ep = EquilibriumPropagation(NUDGED_STEPS, 0.5, symmetric=True)
    bptt = TruncatedBPTT(NUDGED_STEPS)
    ep(model, x, y, None)
    bptt(model, x, y, None)
    assert ep.cost_counters() == {"relaxation_iterations": (FREE_STEPS + 2 * NUDGED_STEPS) * len(x)}
    assert bptt.cost_counters() == {"relaxation_iterations": FREE_STEPS * len(x)}
