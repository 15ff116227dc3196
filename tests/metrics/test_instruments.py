import pytest
import torch

from harness.architectures import MLP
from harness.learners import GradientLearner
from harness.metrics.instruments import activation_bytes, count_flops, peak_bytes


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


class _Allocating:
    """A step that frees a block from before it, then holds 3 + 1 MiB at once, then 1 + 1 MiB."""

    def __init__(self):
        self.kept = torch.empty(8 << 20, dtype=torch.uint8)

    def train_step(self, x, y):
        self.kept = None
        first = torch.empty(3 << 20, dtype=torch.uint8)
        second = torch.empty(1 << 20, dtype=torch.uint8)
        del first
        self.kept = (second, torch.empty(1 << 20, dtype=torch.uint8))


def test_peak_bytes_on_cpu_are_the_most_bytes_the_step_allocated_alive_at_once():
    measured = peak_bytes(_Allocating(), None, None, torch.device("cpu"))
    assert 4 << 20 <= measured < (4 << 20) + 4096  # the freed 8 MiB from before the step neither count nor lower it


def test_peak_bytes_of_a_backprop_step_cover_its_activations_and_grow_with_the_batch():
    x, y = torch.randn(64, 64), torch.randint(0, 10, (64,))
    small = peak_bytes(_bp((64, 256, 10)), x[:32], y[:32], torch.device("cpu"))
    large = peak_bytes(_bp((64, 256, 10)), x, y, torch.device("cpu"))
    assert small >= activation_bytes(_bp((64, 256, 10)), x[:32], y[:32])
    assert large - small >= 4 * 32 * (256 + 10)  # the extra rows' hidden and output activations at least


class _ReplacesItsState:
    """A step that replaces its state tensor (freeing the old one) and then saves a tensor of the same size for
    backward: the allocator may hand the saved tensor the old state's address."""

    def __init__(self):
        self.weight = torch.ones(4096)

    def state_dict(self):
        return {"weight": self.weight}

    def train_step(self, x, y):
        self.weight = self.weight * 0.5  # the old tensor is freed here
        saved = torch.ones(4096, requires_grad=True)
        (saved * saved).sum().backward()  # saves two references to one 16 KiB storage


def test_a_saved_tensor_is_counted_even_where_a_replaced_state_tensor_lived():
    x, y = torch.zeros(1), torch.zeros(1)
    assert [activation_bytes(_ReplacesItsState(), x, y) for _ in range(20)] == [4096 * 4] * 20
