import pytest
import torch

from harness.architectures import MLP
from harness.learners import GradientLearner, cross_entropy
from harness.metrics.fidelity import gradient_cosine
from harness.metrics.instruments import activation_bytes, count_flops
from harness.registry import registry
from harness.testing import CONFORMANCE_TASK


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


def _state(learner):
    import copy

    return copy.deepcopy(learner.state_dict())


def test_gradient_probe_is_exact_for_backprop_and_leaves_no_trace():
    x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))
    probed, untouched = _bp((8, 16, 3)), _bp((8, 16, 3))
    cosines = gradient_cosine(probed, x, y, cross_entropy)
    assert set(cosines) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert all(abs(c - 1) < 1e-5 for c in cosines.values())
    probed.train_step(x, y)
    untouched.train_step(x, y)
    assert all(torch.equal(a, b) for a, b in zip(probed.model.parameters(), untouched.model.parameters()))


def test_gradient_probe_restores_a_stateful_rule_and_sees_feedback_alignment_below_backprop():
    algorithms = registry().algorithms
    x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))
    for name in ("es", "fa"):
        config = algorithms[name].config_for("conformance")
        probed = algorithms[name].build(CONFORMANCE_TASK, config, 0)
        untouched = algorithms[name].build(CONFORMANCE_TASK, config, 0)
        cosines = gradient_cosine(probed, x, y, cross_entropy)
        assert all(abs(c) <= 1 + 1e-5 for c in cosines.values())
        probed.train_step(x, y)
        untouched.train_step(x, y)
        assert torch.equal(probed.predict(x), untouched.predict(x)), name
    assert cosines["4.weight"] > 0.999 and cosines["0.weight"] < 0.999  # fa: true gradient only at the output


def test_a_learner_without_surrogate_has_no_gradient_fidelity():
    class Opaque:
        def surrogate(self):
            return None

    assert gradient_cosine(Opaque(), torch.zeros(1, 2), torch.zeros(1, dtype=torch.long), cross_entropy) is None
