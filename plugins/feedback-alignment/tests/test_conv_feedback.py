"""fa, dfa and sign symmetry on convolutional and residual networks: feedback through kernels, as in BioTorch."""

import pytest
import torch
from creditbench_feedback_alignment.learner import RandomFeedback, SignFeedback, feedback_scale

from harness import CNN, Conv, ResNet, layer_blocks, weighted_layers
from harness.learners import cross_entropy
from harness.registry import build_registry
from harness.testing import (
    CONV_CONFORMANCE_TASK,
    RESNET_CONFORMANCE_TASK,
    NoiseUpdates,
    accuracy_after_training,
    one_thread,
    parametrize_with_checks,
)

# A 1-D and a 2-D net with everything a reference CNN has between its weighted layers: padding, stride, pooling,
# flattening, a hidden Linear layer; and a ResNet with batch norm, skip connections and a block that changes shape.
NETS = {
    "1d": (CNN((1, 16), (Conv(4, 3, padding=1, pool=2), Conv(5, 3, stride=2, padding=1)), (6,), 3), 16),
    "2d": (CNN((1, 8, 8), (Conv(3, 3, padding=1, pool=2), Conv(4, 3)), (6,), 3), 64),
    "resnet": (ResNet((1, 4, 4), 1, (4, 8), 3), 16),
}


@pytest.fixture(autouse=True)
def _one_thread():
    with one_thread():
        yield


@parametrize_with_checks(["fa", "dfa", "sign-symmetry"], task=CONV_CONFORMANCE_TASK)
def test_conformance_on_convolutions(algorithm, check):
    check(algorithm)


@parametrize_with_checks(["fa", "dfa", "sign-symmetry"], task=RESNET_CONFORMANCE_TASK)
def test_conformance_on_a_resnet(algorithm, check):
    check(algorithm)


def _batch(n_inputs, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(8, n_inputs, generator=generator), torch.randint(0, 3, (8,), generator=generator)


def _gradients(model, rule, x, y):
    model.zero_grad()
    rule(model, x, y, cross_entropy)
    return [p.grad.clone() for p in model.parameters()]


def _backprop_gradients(model, x, y):
    model.zero_grad()
    cross_entropy(model(x), y).backward()
    return [p.grad.clone() for p in model.parameters()]


def _weighted(model):
    return weighted_layers(model)


@pytest.mark.parametrize("net", NETS)
def test_fa_with_the_forward_kernels_as_feedback_is_backprop(net):
    """With B_l = W_l for every kernel and matrix, the FA recursion through convolutions, pooling, flattening, batch
    norm and skip connections is exactly backprop: the error crosses a convolution as its input gradient."""
    spec, n_inputs = NETS[net]
    model = spec.build(0)
    rule = RandomFeedback(model, seed=0, direct=False)
    rule.feedback = [layer.weight.detach() for layer in _weighted(model)[1:]]
    x, y = _batch(n_inputs)
    for mine, true in zip(_gradients(model, rule, x, y), _backprop_gradients(model, x, y)):
        torch.testing.assert_close(mine, true)


@pytest.mark.parametrize("net", NETS)
def test_fa_kernels_are_fixed_random_and_not_the_forward_kernels(net):
    spec, n_inputs = NETS[net]
    model = spec.build(0)
    rule = RandomFeedback(model, seed=0, direct=False)
    drawn = [b.clone() for b in rule.feedback]
    layers = _weighted(model)
    assert [b.shape for b in drawn] == [layer.weight.shape for layer in layers[1:]]
    assert drawn[0].dim() == len(spec.input_shape) + 1  # a kernel, not a matrix
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = _batch(n_inputs)
    for _ in range(5):
        optimizer.zero_grad()
        rule(model, x, y, cross_entropy)
        optimizer.step()
    assert all(torch.equal(b, d) for b, d in zip(rule.feedback, drawn))  # fixed while the weights moved
    for b, layer in zip(rule.feedback, layers[1:]):
        assert abs(torch.nn.functional.cosine_similarity(b.flatten(), layer.weight.flatten(), dim=0)) < 0.9
        assert b.abs().max() <= feedback_scale(b.shape)  # uniform in ±1/sqrt(output channels × kernel size)
    mine, true = _gradients(model, rule, x, y), _backprop_gradients(model, x, y)
    torch.testing.assert_close(mine[-2], true[-2])  # the readout gets its true gradient
    assert not torch.allclose(mine[0], true[0])  # the first convolution does not
    other_seed = RandomFeedback(spec.build(0), seed=1, direct=False)
    assert not torch.equal(other_seed.feedback[0], drawn[0])


@pytest.mark.parametrize("net", NETS)
def test_sign_symmetrys_kernels_are_the_signs_of_the_current_forward_kernels(net):
    """Its feedback is read at every step: set every weight to sign(W) / sqrt(n) after the rule is made and the
    recursion is backprop's."""
    spec, n_inputs = NETS[net]
    model = spec.build(0)
    rule = SignFeedback()
    layers = _weighted(model)
    with torch.no_grad():
        for layer in layers[1:]:
            layer.weight.copy_(torch.sign(layer.weight) * feedback_scale(layer.weight.shape))
    for b, layer in zip(rule.matrices(layers), layers[1:]):
        assert torch.equal(b, torch.sign(layer.weight) * feedback_scale(layer.weight.shape))
    x, y = _batch(n_inputs)
    for mine, true in zip(_gradients(model, rule, x, y), _backprop_gradients(model, x, y)):
        torch.testing.assert_close(mine, true)


@pytest.mark.parametrize("net", ["1d", "2d"])
def test_dfa_sends_the_output_error_to_each_hidden_layers_whole_output(net):
    spec, n_inputs = NETS[net]
    model = spec.build(0)
    rule = RandomFeedback(model, seed=0, direct=True)
    x = _batch(n_inputs)[0]
    outputs, signal = [], model[0](x)  # after the Unflatten
    for layer, following in layer_blocks(model)[:-1]:
        signal = torch.nn.Sequential(*following)(layer(signal))
        outputs.append(signal[0].numel())
    assert [tuple(b.shape) for b in rule.feedback] == [(3, size) for size in outputs]
    y = _batch(n_inputs)[1]
    mine, true = _gradients(model, rule, x, y), _backprop_gradients(model, x, y)
    torch.testing.assert_close(mine[-2], true[-2])
    assert not torch.allclose(mine[0], true[0])


# Chance is 1/3.  Measured on seeds 0-5 at the rules' defaults, mean (range).  The conv task, 400 steps of 32: fa 0.68
# (0.47-0.88), dfa 0.77 (0.53-0.98), sign-symmetry 0.93 (0.75-1.00); with noise updates 0.32-0.38 (0.30-0.47).  The
# ResNet task, 150 steps: fa 0.78 (0.67-0.87), dfa 0.82 (0.68-0.90), sign-symmetry 0.91 (0.85-0.97), bp-sgd 0.98;
# with noise updates 0.35-0.38 (0.27-0.55).  Single runs vary too much on so small a task for a per-seed threshold;
# the mean over the six seeds is checked.
SEEDS = range(6)


@pytest.mark.parametrize("name", ["fa", "dfa", "sign-symmetry"])
@pytest.mark.parametrize(
    ("task", "steps"), [(CONV_CONFORMANCE_TASK, 400), (RESNET_CONFORMANCE_TASK, 150)], ids=["cnn", "resnet"]
)
def test_each_rule_learns_a_tiny_conv_task_and_noise_updates_do_not(name, task, steps):
    algorithm = build_registry().algorithm(name)
    config = algorithm.config_for(task.name)

    def mean_accuracy(wrap):
        return sum(accuracy_after_training(wrap(algorithm.build(task, config, s), s), task, steps) for s in SEEDS) / 6

    assert mean_accuracy(lambda learner, seed: learner) >= 0.6
    assert mean_accuracy(lambda learner, seed: NoiseUpdates(learner, seed)) < 0.45


def test_dfa_on_a_resnet_maps_the_output_error_to_the_input_of_every_weighted_layer_above_the_first():
    """As BioTorch's DFA layers do: the stem convolution reads 1×4×4 inputs; the first block's convolutions 4×4×4; the
    second block's first 4×4×4 (it halves the resolution) and its second 8×2×2; the readout 8 pooled features."""
    spec, n_inputs = NETS["resnet"]
    model = spec.build(0)
    rule = RandomFeedback(model, seed=0, direct=True)
    assert [tuple(b.shape) for b in rule.feedback] == [(3, 64), (3, 64), (3, 64), (3, 32), (3, 8)]
    x, y = _batch(n_inputs)
    mine, true = _gradients(model, rule, x, y), _backprop_gradients(model, x, y)
    torch.testing.assert_close(mine[-2], true[-2])
    assert not torch.allclose(mine[0], true[0])
