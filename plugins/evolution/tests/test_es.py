import pytest
import torch
from creditbench_evolution.es import centred_ranks
from scipy import stats

from harness.testing import CONFORMANCE_TASK, noise_direction, parametrize_with_checks

DIRECTIONS = 100  # independent ES estimates on one batch
ALPHA = 1e-3  # one-sided significance level of the claim


@parametrize_with_checks(["es"])
def test_conformance(algorithm, check):
    check(algorithm)


def test_centred_ranks_span_minus_half_to_half_in_loss_order():
    ranks = centred_ranks(torch.tensor([3.0, -1.0, 10.0, 0.5]))
    torch.testing.assert_close(ranks, torch.tensor([1 / 6, -0.5, 0.5, -1 / 6]))


def _es_on_blobs(seed=0):
    """The registered ``es`` learner (its default settings) on the conformance kit's blobs (MLP 8-16-16-3, 451
    weights), and its whole training split as one batch."""
    from harness.registry import registry

    algorithm = registry().algorithm("es")
    data = CONFORMANCE_TASK.load()
    learner = algorithm.build(CONFORMANCE_TASK, algorithm.config_for(CONFORMANCE_TASK.name), seed)
    return learner, torch.as_tensor(data.x_train), torch.as_tensor(data.y_train)


def _flat_grad(model) -> torch.Tensor:
    return torch.cat([p.grad.flatten() for p in model.parameters()])


def _direction_cosines(learner, x, y, direction) -> torch.Tensor:
    """Cosines with the true gradient of ``DIRECTIONS`` draws of ``direction`` at the learner's current weights."""
    model = learner.model
    model.zero_grad(set_to_none=True)
    learner.loss(model(x), y).backward()
    gradient = _flat_grad(model)
    cosines = []
    for _ in range(DIRECTIONS):
        model.zero_grad(set_to_none=True)
        direction(model, x, y, learner.loss)
        cosines.append(torch.nn.functional.cosine_similarity(_flat_grad(model), gradient, dim=0))
    return torch.stack(cosines)


def assert_positive_expected_cosine(cosines: torch.Tensor) -> float:
    """The claim's check: the mean cosine with the true gradient is positive, by a one-sided t-test at ``ALPHA``.
    Returns the p-value."""
    p_value = stats.ttest_1samp(cosines.numpy(), 0.0, alternative="greater").pvalue
    message = f"mean cosine {cosines.mean():.4f}, one-sided p = {p_value:.3g}"
    print(f"\n{message}")
    assert p_value < ALPHA, f"{message} (needs < {ALPHA})"
    return p_value


def test_es_direction_has_positive_expected_cosine_with_the_true_gradient():
    """Salimans et al. (2017), section 2: the ES update is a Monte Carlo estimate of the gradient of the
    Gaussian-smoothed loss, which for small σ is close to the loss's gradient, so each estimate is noisy but
    its expected cosine with the true gradient is positive.  The paper gives no cosine.

    Ours: the registered ``es`` (population 50, σ = 0.02, centred ranks) at initialisation on the blobs' MLP,
    100 estimates on one batch of 96: mean cosine 0.219, one-sided p below float64's smallest number (the noise
    control, ``harness.testing.noise_direction``: -0.002, p = 0.63)."""
    learner, x, y = _es_on_blobs()
    assert_positive_expected_cosine(_direction_cosines(learner, x, y, learner.direction))


def test_the_cosine_check_fails_for_noise_of_the_same_norm():
    """Negative control: each parameter's ES estimate replaced by Gaussian noise of the same norm."""
    learner, x, y = _es_on_blobs()
    with pytest.raises(AssertionError, match="one-sided p"):
        assert_positive_expected_cosine(_direction_cosines(learner, x, y, noise_direction(learner.direction, seed=0)))


def test_the_members_written_into_the_buffers_are_theta_plus_and_minus_sigma_times_the_draw():
    """The buffers hold, bit for bit, what ``torch.cat([θ + σε, θ − σε])`` computes from the same draw."""
    learner, x, y = _es_on_blobs()
    rule = learner.direction
    theta = torch.cat([p.detach().flatten() for p in learner.model.parameters()])
    draw = torch.randn(rule.noise.shape, generator=torch.Generator().set_state(rule.generator.get_state()))
    learner.train_step(x, y)
    assert torch.equal(rule.noise, draw)
    assert torch.equal(rule.members, torch.cat([theta + rule.sigma * draw, theta - rule.sigma * draw]))


def test_the_floor_draws_and_scores_the_steps_population_without_stepping(monkeypatch, scored_members):
    """On twins of one seed the floor draws the same directions as the step and scores the same members
    (θ ± σε), but it leaves the weights, their gradients and the evaluation count alone."""
    (rule, x, y), (twin, _, _) = _es_on_blobs(), _es_on_blobs()
    before = [p.detach().clone() for p in twin.model.parameters()]
    twin.floor_step(x, y)
    twin.floor_step(x, y)
    monkeypatch.undo()
    rule.train_step(x, y)
    assert len(scored_members) == 2
    assert all(torch.equal(members, rule.direction.members) for members in scored_members)
    after_one_draw = torch.Generator().set_state(rule.direction.generator.get_state())
    assert torch.equal(twin.direction.noise, torch.randn(twin.direction.noise.shape, generator=after_one_draw))
    assert all(torch.equal(p, q) and p.grad is None for p, q in zip(twin.model.parameters(), before))
    assert twin.cost_counters() == {"population_evaluations": 0}
