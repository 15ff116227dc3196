import pytest
import torch
from creditbench_feedback_alignment.learner import RandomFeedback, SignFeedback

from harness.architectures import MLP
from harness.learners import cross_entropy
from harness.testing import parametrize_with_checks


@parametrize_with_checks(["fa", "dfa", "sign-symmetry"])
def test_conformance(algorithm, check):
    check(algorithm)


def _gradients(model, rule, x, y):
    model.zero_grad()
    rule(model, x, y, cross_entropy)
    return [p.grad.clone() for p in model.parameters()]


def _backprop_gradients(model, x, y):
    model.zero_grad()
    cross_entropy(model(x), y).backward()
    return [p.grad.clone() for p in model.parameters()]


def test_feedback_equal_to_the_forward_weights_is_backprop():
    """With B_l = W_l, the FA recursion is exactly backprop (the rule's only change is the matrix)."""
    model = MLP((6, 5, 4, 3)).build(seed=0)
    rule = RandomFeedback(model, seed=0, direct=False)
    rule.feedback = [model[2].weight.detach(), model[4].weight.detach()]
    x, y = torch.randn(8, 6), torch.randint(0, 3, (8,))
    for mine, true in zip(_gradients(model, rule, x, y), _backprop_gradients(model, x, y)):
        torch.testing.assert_close(mine, true)


def test_output_layer_gets_its_true_gradient_and_hidden_layers_do_not():
    model = MLP((6, 5, 4, 3)).build(seed=0)
    x, y = torch.randn(8, 6), torch.randint(0, 3, (8,))
    true = _backprop_gradients(model, x, y)
    for rule in (
        RandomFeedback(model, seed=0, direct=False),
        RandomFeedback(model, seed=0, direct=True),
        SignFeedback(),
    ):
        mine = _gradients(model, rule, x, y)
        torch.testing.assert_close(mine[-2], true[-2])
        assert not torch.allclose(mine[0], true[0])


def test_sign_feedback_is_backprop_when_every_weight_magnitude_is_its_feedback_scale():
    """Liao et al.'s feedback sign(W_l) / sqrt(n_l) equals W_l when |W_l| = 1 / sqrt(n_l) everywhere.

    The weights are set after the rule is made: the feedback must be read from the current forward weights.
    """
    model = MLP((6, 5, 4, 3)).build(seed=0)
    rule = SignFeedback()
    with torch.no_grad():
        for layer in (model[2], model[4]):
            layer.weight.copy_(torch.sign(layer.weight) * layer.out_features**-0.5)
    x, y = torch.randn(8, 6), torch.randint(0, 3, (8,))
    for mine, true in zip(_gradients(model, rule, x, y), _backprop_gradients(model, x, y)):
        torch.testing.assert_close(mine, true)


def test_sign_feedback_rescales_each_hidden_units_true_error_through_one_hidden_layer():
    """With one hidden layer and one output unit, sign feedback divides hidden unit j's backprop error by |w_j|:
    each first-layer update row is backprop's row times a positive factor, so it has backprop's signs."""
    model = MLP((6, 5, 1)).build(seed=0)
    x, y = torch.randn(8, 6), torch.zeros(8, dtype=torch.long)

    def loss(scores, _):
        return scores.pow(2).mean()

    model.zero_grad()
    loss(model(x), y).backward()
    true = model[0].weight.grad.clone()
    model.zero_grad()
    SignFeedback()(model, x, y, loss)
    mine = model[0].weight.grad
    torch.testing.assert_close(mine * model[2].weight.detach().abs().T, true)
    assert torch.equal(torch.sign(mine), torch.sign(true))


@pytest.mark.creditbench_claim
def test_sign_symmetry_is_closer_to_backprop_than_fa(creditbench_results):
    """Liao, Leibo & Poggio (2016): the magnitudes of the feedback weights hardly matter, their signs do, and
    sign-concordant feedback learns as well as backprop.  They needed batch normalisation or Batch Manhattan;
    here it is plain SGD with fa's settings (the feedback's fixed 1/sqrt(n_l) scale keeps the backward signal's
    size in check).

    Quick suite, 2 seeds, measured (test accuracy; gradient cosine with backprop, mean over all three weight
    matrices, the output layer's exactly 1):
    mnist5k: sign-symmetry 0.935, fa 0.917, bp-sgd 0.932; cosine 0.95 vs fa's 0.84.
    mnist1d: sign-symmetry 0.621, fa 0.517, bp-sgd 0.624; cosine 0.88 vs fa's 0.67.
    ``gradient_cosine`` is now the mean over the two hidden weight matrices of the rule's direction, (3 c − 1) / 2
    of that all-layer mean c (both rules step by plain SGD and give the output layer its exact gradient); the
    thresholds below are the former ones (a margin of 0.05, at least 0.85) mapped the same way.  Measured so
    (2 seeds, most runs stopped by the time cap on a loaded machine): mnist5k 0.91 vs fa's 0.69, mnist1d 0.82
    vs 0.47.
    """
    for task, within_backprop, over_fa in (("mnist5k", 0.01, 0.01), ("mnist1d", 0.02, 0.05)):
        sign, fa, bp = (creditbench_results.entry(task, name) for name in ("sign-symmetry", "fa", "bp-sgd"))
        assert abs(sign["test_accuracy_mean"] - bp["test_accuracy_mean"]) < within_backprop, task
        assert sign["test_accuracy_mean"] > fa["test_accuracy_mean"] + over_fa, task
        assert sign["gradient_cosine"] > fa["gradient_cosine"] + 0.075, task
        assert sign["gradient_cosine"] > 0.775, task
