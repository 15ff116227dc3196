import torch

from creditbench_fa.learner import RandomFeedback
from harness.architectures import MLP
from harness.learners import cross_entropy
from harness.testing import parametrize_with_checks


@parametrize_with_checks(["fa", "dfa"])
def test_conformance(algorithm, check):
    check(algorithm)


def _gradients(model, rule, x, y):
    model.zero_grad()
    rule(model, x, y, cross_entropy)
    return [p.grad.clone() for p in model.parameters()]


def test_feedback_equal_to_the_forward_weights_is_backprop():
    """With B_l = W_l, the FA recursion is exactly backprop (the rule's only change is the matrix)."""
    model = MLP((6, 5, 4, 3)).build(seed=0)
    rule = RandomFeedback(model, seed=0, direct=False)
    rule.feedback = [model[2].weight.detach(), model[4].weight.detach()]
    x, y = torch.randn(8, 6), torch.randint(0, 3, (8,))
    fa = _gradients(model, rule, x, y)
    model.zero_grad()
    cross_entropy(model(x), y).backward()
    for mine, true in zip(fa, [p.grad for p in model.parameters()]):
        torch.testing.assert_close(mine, true)


def test_output_layer_gets_its_true_gradient_and_hidden_layers_do_not():
    model = MLP((6, 5, 4, 3)).build(seed=0)
    x, y = torch.randn(8, 6), torch.randint(0, 3, (8,))
    model.zero_grad()
    cross_entropy(model(x), y).backward()
    true = [p.grad.clone() for p in model.parameters()]
    for direct in (False, True):
        mine = _gradients(model, RandomFeedback(model, seed=0, direct=direct), x, y)
        torch.testing.assert_close(mine[-2], true[-2])
        assert not torch.allclose(mine[0], true[0])
