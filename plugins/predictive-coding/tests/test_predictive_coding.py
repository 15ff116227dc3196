import pytest
import torch
import torch.nn.functional as F
from creditbench_predictive_coding.pc import PredictiveCoding, predictor_blocks

from harness import GradientLearner
from harness.architectures import CNN, MLP, Conv
from harness.registry import registry
from harness.testing import (
    CONV_CONFORMANCE_TASK,
    NoiseUpdates,
    accuracy_after_training,
    frozen_direction,
    noise_direction,
    parametrize_with_checks,
)

STEPS = (0, 1, 2, 4, 8, 16, 32, 64, 128, 256)
# The claim's networks: an MLP, and a 1-D and a 2-D CNN with what a reference CNN has between its weighted layers
# (padding, stride, max-pooling, flattening, a hidden linear layer), whose predictors g_l are those modules.
NETS = {
    "mlp": MLP((10, 16, 16, 4)),
    "cnn-1d": CNN((1, 10), (Conv(3, 3, padding=1, pool=2), Conv(4, 3, stride=2, padding=1)), (6,), 4),
    "cnn-2d": CNN((1, 4, 4), (Conv(3, 3, padding=1, pool=2), Conv(4, 2)), (6,), 4),
}


@parametrize_with_checks(["pc"])
def test_conformance(algorithm, check):
    check(algorithm)


def _problem(seed, net="mlp"):
    model = NETS[net].build(seed).double()
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(32, NETS[net].input_size, generator=generator, dtype=torch.float64)
    y = torch.randint(0, 4, (32,), generator=generator)
    return model, x, y


def _backprop_gradient(model, x, y):
    """Gradient of the squared error ½‖MLP(x) − y‖², the cost whose gradient PC approximates."""
    model.zero_grad()
    (0.5 * (model(x) - F.one_hot(y, 4).double()).pow(2).sum() / len(x)).backward()
    return [p.grad.clone() for p in model.parameters()]


def _pc_gradient(model, x, y, steps, output_variance, break_rule=None):
    """The rule's .grad, rescaled by Σ_L so it is comparable with backprop's gradient; through
    ``break_rule(rule, model)`` if given (a negative control)."""
    model.zero_grad()
    rule = PredictiveCoding(steps, 0.1, output_variance)
    (break_rule(rule, model) if break_rule else rule)(model, x, y, None)
    return [p.grad * output_variance for p in model.parameters()]


def _cosine(a, b):
    return float(F.cosine_similarity(torch.cat([t.flatten() for t in a]), torch.cat([t.flatten() for t in b]), dim=0))


@pytest.mark.parametrize("net", NETS)
def test_inference_step_descends_the_energy(net):
    """The inference step, each predictor's pullback of the error above minus the error at the node, is
    v ← v − γ ∂E/∂v on the hidden nodes (checked against autograd of the energy)."""
    model, x, y = _problem(0, net)
    rule = PredictiveCoding(0, 0.1, 2.0)
    blocks = predictor_blocks(model)
    generator = torch.Generator().manual_seed(1)
    values = [x]
    for block in blocks[:-1]:
        values.append(block(values[-1]).detach())
    values = [x, *(torch.randn(v.shape, generator=generator, dtype=torch.float64) for v in values[1:])]
    values.append(F.one_hot(y, 4).double())
    with torch.no_grad():
        stepped = rule.inference_step(blocks, values, blocks[0](x))
    hidden = [v.clone().requires_grad_() for v in values[1:-1]]
    gradients = torch.autograd.grad(rule.energy(blocks, [x, *hidden, values[-1]]), hidden)
    for before, gradient, after in zip(values[1:-1], gradients, stepped[1:-1]):
        torch.testing.assert_close(after, before - 0.1 * gradient)


def test_without_inference_only_the_output_layer_learns_and_it_learns_backprop():
    """Straight after the sweep every hidden error is zero: only W_L moves, by exactly backprop's gradient."""
    model, x, y = _problem(0)
    pc = _pc_gradient(model, x, y, steps=0, output_variance=1.0)
    bp = _backprop_gradient(model, x, y)
    assert all(not torch.any(g) for g in pc[:-2])
    torch.testing.assert_close(pc[-2], bp[-2])
    torch.testing.assert_close(pc[-1], bp[-1])


def pc_approaches_backprop(cosines, converged, large_errors, stall=0.98) -> tuple[bool, float]:
    """Whittington & Bogacz's claim as a check, on one problem.

    ``cosines``: the whole update's cosine with backprop's gradient after each number of inference steps in
    ``STEPS`` (Σ_L = 100); ``converged``: per-layer cosines after the most steps (Σ_L = 100); ``large_errors``: the
    whole update's cosine after the most steps with Σ_L = 1.  Passes when the cosine rises with every doubling of
    the steps and ends ≥ 0.999, every layer's ends ≥ 0.99, and Σ_L = 1 stalls below 0.98.  Also returns the least
    per-layer converged cosine.
    """
    rises = all(later > earlier for earlier, later in zip(cosines, cosines[1:-1]))
    worst = min(converged)
    return rises and cosines[-1] >= 0.999 and worst >= 0.99 and large_errors < stall, worst


BROKEN_RULES = {
    "noise updates": lambda rule, model: noise_direction(rule, seed=0),
    "frozen first layer": lambda rule, model: frozen_direction(rule, predictor_blocks(model)[0].parameters()),
}


def _pc_claim(seed, net, break_rule=None):
    model, x, y = _problem(seed, net)
    bp = _backprop_gradient(model, x, y)
    cosines = [_cosine(_pc_gradient(model, x, y, steps, 100.0, break_rule), bp) for steps in STEPS]
    converged = _pc_gradient(model, x, y, STEPS[-1], 100.0, break_rule)
    layers = [_cosine([mine], [true]) for mine, true in zip(converged, bp)]
    large_errors = _cosine(_pc_gradient(model, x, y, STEPS[-1], 1.0), bp)
    return pc_approaches_backprop(cosines, layers, large_errors, stall=0.98 if net == "mlp" else 0.99)


@pytest.mark.parametrize("net", NETS)
def test_claim_pc_updates_approach_backprop_as_inference_runs_longer(net):
    """Whittington & Bogacz (2017), Neural Computation 29(5): at the inference fixed point the PC weight updates
    approximate backprop's gradient, the closer the smaller the output error relative to the output variance Σ_L.

    With Σ_L = 100 the cosine between the whole PC update and backprop's gradient (squared-error cost) rises with
    every doubling of the number of inference steps and ends ≥ 0.99 (per layer too); with Σ_L = 1 (errors not
    small) it stalls lower.  Measured on three seeds: Σ_L = 100 goes 0.82–0.93 → 0.9999; Σ_L = 1 stalls at 0.93–0.97.
    The same holds with convolutional predictors (PCX's setting, Pinchetti et al. 2024): Σ_L = 100 goes 0.95–0.97 →
    0.99999 (1-D) and 0.93 → 0.99999 (2-D); Σ_L = 1 stalls at 0.96–0.99 and 0.94–0.96, so the CNNs' stall is
    checked below 0.99.
    """
    for seed in range(3):
        passed, worst = _pc_claim(seed, net)
        assert passed, (seed, worst)


@pytest.mark.parametrize("net", NETS)
@pytest.mark.parametrize("broken", BROKEN_RULES)
def test_negative_control_pc_check_fails_for_a_broken_rule(broken, net):
    """The same check fails when PC's update is replaced by noise of its norm, or its first layer is frozen."""
    for seed in range(3):
        passed, worst = _pc_claim(seed, net, BROKEN_RULES[broken])
        assert not passed, (seed, worst)


class RecordingInference(PredictiveCoding):
    """Records the value nodes after every inference step."""

    def __init__(self, *args):
        super().__init__(*args)
        self.inferred = []

    def inference_step(self, blocks, values, input_prediction):
        self.inferred.append(super().inference_step(blocks, values, input_prediction))
        return self.inferred[-1]


def test_floor_runs_the_rules_inference_and_nothing_else():
    learners = []
    for _ in range(2):
        model, x, y = _problem(0)
        rule = RecordingInference(10, 0.1, 1.0)
        learners.append(GradientLearner(model, torch.optim.SGD(model.parameters(), lr=0.1), direction=rule))
    learner, twin = learners
    weights = [p.clone() for p in twin.model.parameters()]
    learner.train_step(x, y)
    twin.floor_step(x, y)
    assert len(twin.direction.inferred) == 10
    for mine, rules in zip(twin.direction.inferred, learner.direction.inferred, strict=True):
        assert all(torch.equal(a, b) for a, b in zip(mine, rules, strict=True))
    assert all(p.grad is None for p in twin.model.parameters())
    assert all(torch.equal(p, w) for p, w in zip(twin.model.parameters(), weights))


@parametrize_with_checks(["pc"], task=CONV_CONFORMANCE_TASK)
def test_conformance_on_convolutions(algorithm, check):
    check(algorithm)


# Chance is 1/3.  Measured on seeds 0-2 (150 steps of 32, pc's defaults): mean 0.86; with noise updates 0.39.
def test_pc_learns_a_tiny_conv_task_and_noise_updates_do_not():
    algorithm = registry().algorithm("pc")
    config = algorithm.config_for(CONV_CONFORMANCE_TASK.name)

    def mean_accuracy(wrap):
        learners = (wrap(algorithm.build(CONV_CONFORMANCE_TASK, config, seed), seed) for seed in range(3))
        return sum(accuracy_after_training(learner, CONV_CONFORMANCE_TASK, 150) for learner in learners) / 3

    learnt, noise = mean_accuracy(lambda learner, seed: learner), mean_accuracy(NoiseUpdates)
    assert learnt >= 0.6
    assert noise < 0.45
