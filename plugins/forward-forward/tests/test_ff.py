import torch
from creditbench_forward_forward.learner import ForwardForward, goodness

from harness.architectures import MLP
from harness.testing import parametrize_with_checks


@parametrize_with_checks(["ff"])
def test_conformance(algorithm, check):
    check(algorithm)


def _learner(seed=0):
    stack = MLP((8 + 3, 32, 32)).build(seed)
    layers = [module for module in stack if isinstance(module, torch.nn.Linear)]
    return ForwardForward(layers, n_classes=3, lr=0.01, threshold_per_unit=0.1, label_scale=1.0, seed=seed)


def _blobs(n=96, seed=0):
    centres = 3 * torch.randn(3, 8, generator=torch.Generator().manual_seed(0))
    y = torch.arange(n) % 3
    return centres[y] + torch.randn(n, 8, generator=torch.Generator().manual_seed(1 + seed)), y


def test_wrong_labels_are_never_the_true_label_and_cover_the_others():
    learner = _learner()
    y = torch.zeros(300, dtype=torch.long)
    wrong = learner.draw_wrong_labels(y)
    assert set(wrong.tolist()) == {1, 2}


def test_no_layer_loss_reaches_an_earlier_layer():
    """Hinton (2022): each layer has its own objective and nothing is backpropagated through the stack."""
    learner = _learner()
    x, y = _blobs()
    losses = learner.layer_losses(x, y, learner.draw_wrong_labels(y))
    weights = [layer.weight for layer in learner.layers]
    for own, loss in enumerate(losses):
        gradients = torch.autograd.grad(loss, weights, allow_unused=True)
        assert gradients[own] is not None and torch.any(gradients[own] != 0)
        assert all(gradient is None for index, gradient in enumerate(gradients) if index != own)


def test_a_step_raises_positive_goodness_and_lowers_negative_goodness():
    learner = _learner()
    x, y = _blobs()
    wrong = (y + 1) % 3

    def goodnesses():
        with torch.no_grad():
            positive = learner.activities(learner.embed(x, y))
            negative = learner.activities(learner.embed(x, wrong))
        return [(goodness(p).mean(), goodness(n).mean()) for p, n in zip(positive, negative)]

    before = goodnesses()
    learner.optimizer.zero_grad()
    sum(learner.layer_losses(x, y, wrong)).backward()
    learner.optimizer.step()
    for (positive_before, negative_before), (positive_after, negative_after) in zip(before, goodnesses()):
        assert positive_after - negative_after > positive_before - negative_before


def test_prediction_scores_every_label_by_the_goodness_of_the_layers_after_the_first():
    learner = _learner()
    x, _ = _blobs(n=5)
    scores = learner.predict(x)
    assert scores.shape == (5, 3)
    for label in range(3):
        with torch.no_grad():
            activities = learner.activities(learner.embed(x, torch.full((5,), label)))
        torch.testing.assert_close(scores[:, label], goodness(activities[1]))


def test_learns_blobs_with_local_losses_only():
    torch.manual_seed(0)
    learner = _learner()
    x, y = _blobs()
    for _ in range(200):
        learner.train_step(x, y)
    test_x, test_y = _blobs(seed=1)
    assert (learner.predict(test_x).argmax(1) == test_y).float().mean() > 0.85  # measured 0.91
