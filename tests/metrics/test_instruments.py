import pytest
import torch

from harness.architectures import MLP
from harness.learners import GradientLearner
from harness.metrics.instruments import activation_bytes, count_flops


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


def _bp(sizes, seed=0, lr=0.1):
    model = MLP(sizes).build(seed)
    return GradientLearner(model, torch.optim.SGD(model.parameters(), lr=lr))


def test_activation_bytes_count_what_autograd_keeps_and_nothing_else():
    x, y = torch.randn(32, 64), torch.randint(0, 10, (32,))
    # two ReLU outputs (each shared by the next Linear) and the log-softmax output; the batch and the weights
    # are excluded; the last few bytes are cross-entropy's scalar bookkeeping
    expected = 4 * 32 * (128 + 128 + 10)
    measured = activation_bytes(_bp((64, 128, 128, 10)), x, y)
    assert expected <= measured <= expected + 64
    doubled = activation_bytes(_bp((64, 128, 128, 10)), torch.cat([x, x]), torch.cat([y, y]))
    assert 2 * expected <= doubled <= 2 * expected + 64


def test_flops_of_a_backprop_step_on_one_layer_are_forward_plus_weight_gradient():
    x, y = torch.randn(16, 20), torch.randint(0, 5, (16,))
    assert count_flops(_bp((20, 5)), x, y) == 2 * (2 * 16 * 20 * 5)  # no gradient is needed for the input
