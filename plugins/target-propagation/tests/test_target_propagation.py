import pytest
import torch
import torch.nn.functional as F
from creditbench_target_propagation.inverses import ConvolutionInverse, reconstruction_loss
from creditbench_target_propagation.propagation import (
    AuxiliaryOutputSDTP,
    DifferenceTargetPropagation,
    SimplifiedDTP,
    difference_target,
)
from torch import nn

from harness import GradientLearner, apply_modules, layer_blocks
from harness.architectures import CNN, MLP, Conv
from harness.learners import backprop, cross_entropy
from harness.registry import build_registry
from harness.testing import (
    CONV_CONFORMANCE_TASK,
    NoiseUpdates,
    frozen_direction,
    mean_accuracy_after_training,
    noise_direction,
    parametrize_with_checks,
)

CONFIG = {"sigma": 0.1, "inverse_lr": 1e-3, "alpha": 0.5, "auxiliary_units": 32}


@parametrize_with_checks(["dtp", "sdtp", "ao-sdtp"])
def test_conformance(algorithm, check):
    check(algorithm)


@parametrize_with_checks(["dtp", "sdtp", "ao-sdtp"], task=CONV_CONFORMANCE_TASK)
def test_conformance_on_convolutions(algorithm, check):
    check(algorithm)


@pytest.mark.parametrize(
    "net",
    [
        CNN((1, 13), (Conv(3, 3, padding=1), Conv(4, 3, padding=1, pool=2)), (5,), 2),
        CNN((2, 9, 7), (Conv(3, 3, padding=1), Conv(4, 3, padding=1, pool=2), Conv(4, 2, stride=2, padding=1)), (), 2),
    ],
    ids=["1-d, a pool that drops a remainder", "2-d, the same, then a strided convolution flattened"],
)
def test_a_convolutional_inverse_maps_each_layers_output_back_to_its_input_shape(net):
    """Pooling that drops a remainder, strides and padding: ``g_l(h_l)`` has ``h_{l-1}``'s shape for every layer,
    and un-pooling puts every pooled value back over its own window (pooling it again gives ``h_l``)."""
    model = net.build(0)
    rule = SimplifiedDTP(model, "relu", CONFIG, seed=0)
    activities = [model[0](torch.randn(5, net.input_size))]
    for weighted, after in layer_blocks(model):
        activities.append(apply_modules(after, weighted(activities[-1])))
    for l in rule.inverted:
        assert rule.inverse(l)(activities[l]).shape == activities[l - 1].shape, l
    inverses = [rule.inverse(l) for l in rule.inverted]
    convolutional = [isinstance(layer_blocks(model)[l - 1][0], (nn.Conv1d, nn.Conv2d)) for l in rule.inverted]
    assert [isinstance(inverse, ConvolutionInverse) for inverse in inverses] == convolutional
    (pooled,) = [
        l
        for l, inverse, is_conv in zip(rule.inverted, inverses, convolutional)
        if is_conv and inverse.pooled != inverse.convolved
    ]
    inverse = rule.inverse(pooled)
    pool = [nn.MaxPool1d, nn.MaxPool2d][len(inverse.pooled) - 2](2)
    torch.testing.assert_close(
        pool(inverse.unpooled(activities[pooled])), activities[pooled].reshape(5, *inverse.pooled)
    )


# Chance is 1/3.  Measured on seeds 0-5, 150 steps of 32 at dtp's defaults (not tuned for convolutions): mean 0.56
# (0.33-0.92); with noise updates 0.36 (0.33-0.40).  sdtp (0.40) and ao-sdtp (0.44) are too close to their noise
# controls (0.34) at their MLP defaults for a check to tell them apart on this tiny task.
@pytest.mark.parametrize("broken", [False, True], ids=["dtp", "noise-updates"])
def test_dtp_learns_a_tiny_conv_task_and_noise_updates_do_not(broken):
    algorithm = build_registry().algorithm("dtp")
    config = algorithm.config_for(CONV_CONFORMANCE_TASK.name)

    def build(seed):
        learner = algorithm.build(CONV_CONFORMANCE_TASK, config, seed)
        return NoiseUpdates(learner, seed) if broken else learner

    mean = mean_accuracy_after_training(build, CONV_CONFORMANCE_TASK, 150, range(6))
    assert mean < 0.42 if broken else mean >= 0.46


# The convolutional teacher problems: 12 inputs as one 12-sample channel; a pooled convolution, a strided one that
# is flattened, the readout (the same parameter indices as the 12-24-24-4 MLP's), and a deeper one for the
# alignment claim (four convolutions, so three layers get their targets through convolutional inverses).
SHALLOW_CNN = CNN((1, 12), (Conv(6, 3, padding=1, pool=2), Conv(6, 3, stride=2, padding=1)), (), 4)
DEEP_CNN = CNN(
    (1, 12), (Conv(6, 3, padding=1), Conv(6, 3, padding=1, pool=2), Conv(6, 3, padding=1), Conv(6, 3, 2, 1)), (), 4
)


def _teacher_problem(n, seed=0, sizes=(12, 24, 24, 4)):
    """Inputs and the labels a fixed random network assigns them, plus a student to train (``sizes``: an MLP's
    widths, or a ``CNN``)."""
    generator = torch.Generator().manual_seed(seed)
    architecture = sizes if isinstance(sizes, CNN) else MLP(sizes)
    x = torch.randn(n, architecture.input_size, generator=generator)
    y = architecture.build(seed + 100)(x).argmax(1).detach()
    return x, y, architecture.build(seed)


def _rule_gradients(rule, model, x, y):
    model.zero_grad()
    rule(model, x, y, cross_entropy)
    return [p.grad.clone() for p in model.parameters()]


def _backprop_gradients(model, x, y):
    model.zero_grad()
    cross_entropy(model(x), y).backward()
    return [p.grad.clone() for p in model.parameters()]


def _cosine(a, b):
    return float(F.cosine_similarity(a.flatten(), b.flatten(), dim=0))


def _invertible_linear_layer():
    generator = torch.Generator().manual_seed(0)
    weight = torch.eye(5) + 0.3 * torch.randn(5, 5, generator=generator)
    bias = torch.randn(5, generator=generator)
    forward = lambda h: h @ weight.T + bias
    exact_inverse = lambda h: (h - bias) @ torch.linalg.inv(weight).T
    return forward, exact_inverse, generator


def test_difference_correction_cancels_a_constant_inverse_error():
    """Lee et al. (2015): the difference correction h_{l-1} − g(h_l) removes g's reconstruction error.

    With g = f^{-1} + c (an inverse off by a constant), plain target propagation's
    target g(ĥ_l) misses f^{-1}(ĥ_l) by c; the difference target hits it, and a
    layer whose output target equals its output gets its own activity as target.
    """
    forward, exact_inverse, generator = _invertible_linear_layer()
    biased_inverse = lambda h: exact_inverse(h) + 0.7
    below = torch.randn(8, 5, generator=generator)
    above = forward(below)
    above_target = above + torch.randn(8, 5, generator=generator)
    target = difference_target(biased_inverse, below, above, above_target)
    torch.testing.assert_close(target, exact_inverse(above_target))
    torch.testing.assert_close(forward(target), above_target)
    assert not torch.allclose(biased_inverse(above_target), exact_inverse(above_target))
    torch.testing.assert_close(difference_target(biased_inverse, below, above, above), below)


def test_inverse_losses_noise_preserving_for_dtp_and_denoising_for_sdtp():
    """An exact inverse reconstructs the corrupted activity: zero noise-preserving loss (Lee et al. 2015),
    but a de-noising loss of ½ E‖ε‖² (Bartunov et al. 2018, appendix 5.1)."""
    forward, exact_inverse, generator = _invertible_linear_layer()
    below = torch.randn(4000, 5, generator=generator)
    sigma = 0.2
    preserving = reconstruction_loss(
        exact_inverse, forward, below, sigma, torch.Generator().manual_seed(1), denoising=False
    )
    denoising = reconstruction_loss(
        exact_inverse, forward, below, sigma, torch.Generator().manual_seed(1), denoising=True
    )
    assert float(preserving) < 1e-8
    assert float(denoising) == pytest.approx(0.5 * 5 * sigma**2, rel=0.05)


@pytest.mark.parametrize("net", ["mlp", "cnn"])
def test_dtp_top_two_layers_follow_backprop_exactly(net):
    """DTP's output layer uses the task gradient and its penultimate target is h − α ∂ℓ/∂h, so the
    regression ½‖f(h_{L-2}) − ĥ_{L-1}‖² gives exactly α times backprop's gradient there (on the CNN the
    penultimate layer is a convolution whose output is flattened)."""
    x, y, model = _teacher_problem(16, sizes=SHALLOW_CNN if net == "cnn" else (12, 24, 24, 4))
    rule = DifferenceTargetPropagation(model, "relu", CONFIG, seed=0)
    mine, true = _rule_gradients(rule, model, x, y), _backprop_gradients(model, x, y)
    for index in (4, 5):  # output weight and bias
        torch.testing.assert_close(mine[index], true[index])
    for index in (2, 3):  # penultimate weight and bias
        torch.testing.assert_close(mine[index], CONFIG["alpha"] * true[index])
    assert _cosine(mine[0], true[0]) < 0.99  # the first layer's update comes through the learned inverse


# Four hidden layers: layers 1-3 get their targets through learned inverses (layer 4's target is a gradient step,
# the output layer's update is the gradient itself), so a claim about the inverses is about three layers, not one.
DEEP = (12, 24, 24, 24, 24, 4)
TARGET_PROPAGATED = range(3)  # layers 1-3, numbered from 0
INVERSE_TRAINING_STEPS = 300


def _layer_cosines(mine, true):
    """Cosine with backprop's of each target-propagated layer's update (its weight and bias together)."""
    return [
        _cosine(
            torch.cat([mine[2 * l].flatten(), mine[2 * l + 1]]), torch.cat([true[2 * l].flatten(), true[2 * l + 1]])
        )
        for l in TARGET_PROPAGATED
    ]


def dtp_alignment(seed, break_rule=None, net=DEEP) -> tuple[list[float], list[float]]:
    """Each target-propagated layer's cosine with backprop on held-out data, before and after the inverses train
    (the forward weights fixed) on a teacher problem with ``net``'s layers (``DEEP`` or ``DEEP_CNN``); the rule
    through ``break_rule(rule, model)`` if given (a negative control)."""
    x, y, model = _teacher_problem(2048, seed, net)
    held_out_x, held_out_y, _ = _teacher_problem(256, seed + 1, net)
    rule = DifferenceTargetPropagation(model, "relu", {**CONFIG, "inverse_lr": 3e-3}, seed=seed)
    direction = break_rule(rule, model) if break_rule else rule
    true = _backprop_gradients(model, held_out_x, held_out_y)
    untrained = _layer_cosines(_rule_gradients(direction, model, held_out_x, held_out_y), true)
    for step in range(INVERSE_TRAINING_STEPS):
        batch = slice(step % 64 * 32, step % 64 * 32 + 32)
        _rule_gradients(direction, model, x[batch], y[batch])
    return untrained, _layer_cosines(_rule_gradients(direction, model, held_out_x, held_out_y), true)


def dtp_aligns(untrained, trained) -> tuple[bool, float]:
    """Lee et al.'s claim as a check: once the inverses have trained, every target-propagated layer's update points
    downhill (cosine with backprop's gradient above 0), and the inverses' training is what aligned them (the mean
    cosine rose by at least 0.15).  Also returns the least trained cosine.  Thresholds from selection seeds
    1000-1002 (least trained cosine 0.30 / 0.07 / 0.37, mean rises 0.44 / 0.17 / 0.46)."""
    rise = sum(trained) / len(trained) - sum(untrained) / len(untrained)
    return min(trained) > 0 and rise >= 0.15, min(trained)


def test_dtp_updates_align_with_backprop_once_the_inverses_have_trained():
    """Lee et al. (2015): with trained approximate inverses, the DTP update of every layer below the top two points
    downhill on the global loss."""
    for seed in range(3):
        untrained, trained = dtp_alignment(seed)
        assert dtp_aligns(untrained, trained)[0], (seed, untrained, trained)


@pytest.mark.xfail(strict=True, reason="measured: the check holds on 1 of 6 seeds on the CNN (the MLP's 6 of 6)")
def test_dtp_updates_align_with_backprop_once_the_inverses_have_trained_on_a_cnn():
    """The same claim with convolutional inverses (transposed convolutions, as Ernoult et al. 2022 invert theirs),
    on a teacher problem of four convolutions (``DEEP_CNN``), the check and its thresholds the MLP's.  Not
    reproduced: on seeds 0-2 the least trained cosine is -0.59 / -0.52 / -0.68 (seeds 1000-1002: 0.40 / -0.99 /
    -0.42), one layer or more pointing uphill after the inverses have trained.  Whether longer inverse training,
    wider layers or a better inverse of pooling changes this is not known."""
    for seed in range(3):
        untrained, trained = dtp_alignment(seed, net=DEEP_CNN)
        assert dtp_aligns(untrained, trained)[0], (seed, untrained, trained)


BROKEN_RULES = {
    "noise updates": lambda rule, model: noise_direction(rule, seed=0),
    "frozen first layer": lambda rule, model: frozen_direction(rule, model[0].parameters()),
    # aligned from the start: it does not show what the claim is about, alignment brought by the inverses
    "backprop in place of the rule": lambda rule, model: backprop,
}


@pytest.mark.parametrize("broken", BROKEN_RULES)
def test_negative_control_dtp_alignment_check_fails_for_a_broken_rule(broken):
    untrained, trained = dtp_alignment(0, BROKEN_RULES[broken])
    assert not dtp_aligns(untrained, trained)[0], (untrained, trained)


@pytest.mark.parametrize("rule_class", [SimplifiedDTP, AuxiliaryOutputSDTP])
def test_sdtp_uses_no_gradient_and_ao_sdtp_tells_same_class_examples_apart(rule_class):
    """Bartunov et al. (2018), sec. 2.1.2: SDTP's penultimate target h + g_L(ô) − g_L(o) depends on the
    example only through its class distribution o, so two examples with the same o and label get the
    same shift; AO-SDTP's output inverse also reads random features z of h_{L-1}, so their shifts differ.
    Neither reads a gradient: the penultimate activity given here has none."""
    _, _, model = _teacher_problem(2)
    rule = rule_class(model, "relu", CONFIG, seed=0)
    penultimate = torch.rand(2, 24, generator=torch.Generator().manual_seed(3))
    logits, label = torch.zeros(2, 4), torch.tensor([1, 1])
    with torch.no_grad():
        shift = rule.penultimate_target(penultimate, logits, label) - penultimate
    assert shift.abs().max() > 0.1
    # Not exact: (h + Δ) − h rounds at h's scale (ulp 1.2e-7 near 1; measured 1.2e-7), and two rows of one batch can
    # take different kernels; AO-SDTP's shifts differ by 0.06.
    assert torch.allclose(shift[0], shift[1], atol=1e-6) == (rule_class is SimplifiedDTP)


# Bartunov et al. (2018), Table 1(a): test error (%) of fully connected networks on MNIST (784-256x5-10, tanh,
# Adam, 500 epochs).  Target-propagation rows under both schedules: "alternating" trains inverses and forward
# weights in alternate epochs, "parallel" (what creditbench_target_propagation implements) updates both on every batch.
BARTUNOV_MNIST_TEST_ERROR = {
    "bp-sgd": 1.48,
    "fa": 1.85,
    "dfa": 2.75,
    "dtp": {"alternating": 1.83, "parallel": 2.86},
    "sdtp": {"alternating": 2.28, "parallel": 3.52},
    "ao-sdtp": {"alternating": 1.86, "parallel": 2.93},
}
# Ours: mnist5k quick suite (784-256-256-10, relu, 70k presentations), mean test accuracy of seeds 0 and 1.
MEASURED_MNIST5K_TEST_ACCURACY = {
    "bp-sgd": 0.932,
    "dtp": 0.920,
    "fa": 0.917,
    "dfa": 0.912,
    "ao-sdtp": 0.908,
    "sdtp": 0.862,
}


def bartunov_ordering(accuracy: dict) -> tuple[bool, dict]:
    """The mnist5k ordering as a check on mean test accuracies: every rule far above chance (> 0.8), backprop best,
    DTP, FA and DFA within 1.5 points of one another, SDTP at least 3 points below them.  Also returns the
    accuracies."""
    middle = [accuracy[name] for name in ("dtp", "fa", "dfa")]
    passed = (
        min(accuracy.values()) > 0.8
        and accuracy["bp-sgd"] == max(accuracy.values())
        and max(middle) - min(middle) < 0.015
        and accuracy["sdtp"] < min(middle) - 0.03
    )
    return passed, accuracy


ORDERED_RULES = ("bp-sgd", "fa", "dtp", "sdtp", "dfa")


@pytest.mark.creditbench_claim(
    rule=["bp-sgd", "fa", "dtp", "sdtp", "dfa"],
    paper="Bartunov et al. 2018",
    claim="mnist5k ordering of Table 1: every rule above 0.8, bp-sgd best, dtp/fa/dfa within 1.5 points, sdtp at least 3 points below them",
)
def test_mnist5k_ordering_against_bartunov_table_1(creditbench_results):
    """Bartunov et al. (2018), Table 1(a), MNIST, fully connected, test error: BP 1.48 < DTP 1.83 ≈ FA 1.85
    < SDTP 2.28 < DFA 2.75 % with the alternating schedule; with the parallel schedule implemented here the
    target-propagation rows are DTP 2.86 and SDTP 3.52 %, so BP < FA < DFA < DTP < SDTP.

    Measured on the mnist5k quick suite (MEASURED_MNIST5K_TEST_ACCURACY): BP > DTP ≈ FA ≈ DFA > SDTP.
    As in the paper, backprop is best and SDTP, which uses no gradient at all, is worst (as in its parallel
    column); DTP, FA and DFA come within 1.5 points of one another (0.8 measured; DFA's two seeds differ
    by 3), so their order is not resolved at this scale.  Every rule learns far above chance (0.1).
    The reference MLP has two hidden layers, so DTP target-propagates only its first layer here; the claim about
    what the inverses do is the unit-level one on four hidden layers above.
    """
    accuracy = {name: creditbench_results.entry("mnist5k", name)["test_accuracy_mean"] for name in ORDERED_RULES}
    passed, accuracy = bartunov_ordering(accuracy)
    assert passed, accuracy


@pytest.mark.creditbench_claim(
    rule="dtp",
    paper="Bartunov et al. 2018",
    claim="negative control: the mnist5k ordering check fails with random-features (hidden layers frozen) in dtp's place",
)
def test_negative_control_ordering_check_fails_with_dtps_hidden_layers_frozen(creditbench_results):
    """The same check fails when DTP's place is taken by the reference MLP with its hidden layers frozen (the
    ``random-features`` control: 0.710 on mnist5k)."""
    accuracy = {name: creditbench_results.entry("mnist5k", name)["test_accuracy_mean"] for name in ORDERED_RULES}
    accuracy["dtp"] = creditbench_results.entry("mnist5k", "random-features")["test_accuracy_mean"]
    passed, accuracy = bartunov_ordering(accuracy)
    assert not passed, accuracy


def auxiliary_outputs_help(ao_sdtp, sdtp) -> tuple[bool, float]:
    """Bartunov et al.'s AO-SDTP claim as a check on mean test accuracies: at least 2 points above SDTP.  Also
    returns the difference."""
    return ao_sdtp > sdtp + 0.02, ao_sdtp - sdtp


@pytest.mark.creditbench_claim(
    rule=["ao-sdtp", "sdtp"],
    paper="Bartunov et al. 2018",
    claim="auxiliary outputs improve SDTP: ao-sdtp's test accuracy at least 2 points above sdtp's",
)
@pytest.mark.parametrize("task", ["digits", "mnist5k", "mnist1d"])
def test_auxiliary_outputs_rescue_sdtp(creditbench_results, task):
    """Bartunov et al. (2018), sec. 3.2 and Table 1(a): SDTP's one-hot output targets are too poor to invert
    into useful penultimate targets, and auxiliary outputs improve it (MNIST 2.93 vs 3.52 % test error,
    parallel schedule).  Measured: ao-sdtp 0.944 / 0.908 / 0.510 against sdtp 0.865 / 0.862 / 0.443 on
    digits / mnist5k / mnist1d."""
    ao_sdtp = creditbench_results.entry(task, "ao-sdtp")["test_accuracy_mean"]
    sdtp = creditbench_results.entry(task, "sdtp")["test_accuracy_mean"]
    passed, difference = auxiliary_outputs_help(ao_sdtp, sdtp)
    assert passed, (ao_sdtp, sdtp, difference)


@pytest.mark.creditbench_claim(
    rule="ao-sdtp",
    paper="Bartunov et al. 2018",
    claim="negative control: the auxiliary-outputs check fails for ao-sdtp with its forward layers frozen (lr 0)",
)
@pytest.mark.parametrize("task", ["digits", "mnist5k", "mnist1d"])
def test_negative_control_auxiliary_outputs_check_fails_for_frozen_ao_sdtp(creditbench_results, task):
    """The same check fails for AO-SDTP with every forward layer frozen (``lr`` 0; the inverses still train), run
    on the same budget: measured 0.085 / 0.082 / 0.077 on digits / mnist5k / mnist1d, near chance."""
    frozen = creditbench_results.entry(task, "ao-sdtp", {"lr": 0.0})["test_accuracy_mean"]
    sdtp = creditbench_results.entry(task, "sdtp")["test_accuracy_mean"]
    passed, difference = auxiliary_outputs_help(frozen, sdtp)
    assert not passed, (frozen, sdtp, difference)


def _recording(rule_class):
    class Recording(rule_class):
        """Records the targets it computes."""

        def targets(self, *args):
            self.recorded = super().targets(*args)
            return self.recorded

    return Recording


@pytest.mark.parametrize("rule_class", [DifferenceTargetPropagation, SimplifiedDTP, AuxiliaryOutputSDTP])
def test_floor_computes_the_rules_targets_and_reconstructions_but_updates_nothing(rule_class):
    x, y, _ = _teacher_problem(64)
    learners = []
    for _ in range(2):
        model = MLP((12, 24, 24, 24, 4)).build(0)
        rule = _recording(rule_class)(model, "relu", CONFIG, 0)
        learners.append(GradientLearner(model, torch.optim.SGD(model.parameters(), lr=0.1), direction=rule))
    learner, twin = learners
    weights = [p.clone() for p in [*twin.model.parameters(), *twin.direction.inverses.parameters()]]
    learner.train_step(x, y)
    twin.floor_step(x, y)
    assert twin.direction.recorded.keys() == learner.direction.recorded.keys() == {1, 2, 3}
    assert all(torch.equal(twin.direction.recorded[l], target) for l, target in learner.direction.recorded.items())
    # the same noise drawn for the same reconstructions
    assert torch.equal(twin.direction.generator.get_state(), learner.direction.generator.get_state())
    assert all(p.grad is None for p in twin.model.parameters())
    after = [*twin.model.parameters(), *twin.direction.inverses.parameters()]
    assert all(torch.equal(p, w) for p, w in zip(after, weights, strict=True))
    assert twin.direction.cost_counters() == {"inverse_reconstructions": 0}
