import pytest
import torch
from creditbench_feedback_alignment.learner import RandomFeedback, SignFeedback

from harness.architectures import MLP
from harness.learners import cross_entropy
from harness.registry import registry
from harness.testing import noise_direction, parametrize_with_checks


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


# Three hidden layers, so that the error crosses two feedback matrices before it reaches the first.
DEEP = (20, 64, 64, 64, 5)


# The held-out inputs' generator seed, offset from the training inputs' (the teacher stays the seed's): the same
# seed would give the first rows of the training data.
HELD_OUT_SEED_OFFSET = 50_000


def _teacher_problem(n, seed, data_seed=None):
    """``n`` inputs drawn with ``data_seed`` (default ``seed``), labelled by the teacher of ``seed``."""
    generator = torch.Generator().manual_seed(seed if data_seed is None else data_seed)
    x = torch.randn(n, DEEP[0], generator=generator)
    return x, MLP(DEEP).build(seed + 100)(x).argmax(1).detach()


def hidden_alignment(make_rule, seed, steps=300) -> list[float]:
    """Each hidden layer's weight-update cosine with backprop's gradient on held-out data, after ``steps`` steps
    of SGD (lr 0.05, batch 32) along ``make_rule(model)`` on a teacher problem."""
    x, y = _teacher_problem(2048, seed)
    held_out_x, held_out_y = _teacher_problem(256, seed, data_seed=seed + HELD_OUT_SEED_OFFSET)
    model = MLP(DEEP).build(seed)
    rule = make_rule(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for step in range(steps):
        batch = slice(step % 64 * 32, step % 64 * 32 + 32)
        optimizer.zero_grad()
        rule(model, x[batch], y[batch], cross_entropy)
        optimizer.step()
    mine, true = _gradients(model, rule, held_out_x, held_out_y), _backprop_gradients(model, held_out_x, held_out_y)
    return [
        float(torch.nn.functional.cosine_similarity(mine[2 * l].flatten(), true[2 * l].flatten(), dim=0))
        for l in range(len(DEEP) - 2)
    ]


def sign_feedback_aligns(sign, fa) -> tuple[bool, float]:
    """The alignment half of Liao et al.'s claim as a check: every hidden layer's sign-symmetry update has cosine
    ≥ 0.8 with backprop's gradient, and their mean exceeds FA's by at least 0.1.  Also returns the least cosine.
    Thresholds from selection seeds 1000-1002 (least cosine 0.92 / 0.95 / 0.85, mean over FA's +0.35 / +0.35 /
    +0.58, measured on training rows; re-measured on held-out inputs of their own seed: 0.93 / 0.95 / 0.85 and
    +0.37 / +0.26 / +0.56)."""
    return min(sign) >= 0.8 and sum(sign) / len(sign) >= sum(fa) / len(fa) + 0.1, min(sign)


def _fa(model, seed=0):
    return RandomFeedback(model, seed=seed, direct=False)


def test_sign_feedback_updates_are_closer_to_backprop_than_fa():
    """Liao, Leibo & Poggio (2016): sign-concordant feedback carries what matters of the transposed weights.
    Measured on seeds 0-2, held-out inputs: least hidden-layer cosine 0.91 / 0.86 / 0.91 against FA's means
    0.48 / 0.55 / 0.36 (sign symmetry's means 0.94 / 0.92 / 0.92)."""
    for seed in range(3):
        sign, fa = hidden_alignment(lambda model: SignFeedback(), seed), hidden_alignment(_fa, seed)
        assert sign_feedback_aligns(sign, fa)[0], (seed, sign, fa)


@pytest.mark.parametrize(
    "broken",
    {
        "noise updates": lambda model: noise_direction(SignFeedback(), seed=0),
        "random feedback (fa) in its place": lambda model: _fa(model, seed=1),
    }.items(),
    ids=lambda item: item[0],
)
def test_negative_control_alignment_check_fails_for_a_broken_rule(broken):
    """The same check fails for noise updates (least cosine −0.02) and for FA's random feedback in the rule's place
    (least 0.31).
    Plain backprop is no control here: the claim is that the rule comes close to it."""
    _, make_rule = broken
    sign, fa = hidden_alignment(make_rule, 0), hidden_alignment(_fa, 0)
    assert not sign_feedback_aligns(sign, fa)[0], (sign, fa)


# Per task: how far below backprop at sign symmetry's own learning rate the rule may end.  The tolerance is about
# the spread of two seeds: on mnist1d sign symmetry's seeds 0 and 1 differed by 0.027 and backprop's by 0.022 (at
# the rate 0.2 of the time).  Set after looking at seeds 0-1 (the suite had no selection seeds yet), not on
# validation.
SIGN_SYMMETRY_TASKS = {"mnist5k": 0.01, "mnist1d": 0.03}


def sign_symmetry_matches_backprop(task, sign, backprop, fa) -> tuple[bool, float]:
    """Liao et al.'s claim as a check on mean test accuracies: the rule learns as well as backprop at its own
    learning rate (no worse than the task's tolerance) and better than fa by at least 0.01 (the feedback's signs
    matter, not only its existence).  Also returns the rule's margin over backprop."""
    tolerance = SIGN_SYMMETRY_TASKS[task]
    return sign >= backprop - tolerance and sign > fa + 0.01, sign - backprop


def _accuracy(results, task, name, config=None):
    return results.entry(task, name, config)["test_accuracy_mean"]


def _backprop_at_sign_symmetrys_rate(results, task):
    return _accuracy(results, task, "bp-sgd", {"lr": registry().algorithm("sign-symmetry").config_for(task)["lr"]})


@pytest.mark.creditbench_claim(
    rule=["sign-symmetry", "fa"],
    paper="Liao, Leibo & Poggio 2016",
    claim="sign-concordant feedback learns as well as backprop: sign-symmetry within the task's tolerance of bp-sgd at its rate and over 1 point above fa",
)
@pytest.mark.parametrize("task", SIGN_SYMMETRY_TASKS)
def test_sign_symmetry_learns_as_well_as_backprop_and_better_than_fa(creditbench_results, task):
    """Liao, Leibo & Poggio (2016): the magnitudes of the feedback weights hardly matter, their signs do, and
    sign-concordant feedback learns as well as backprop.  They needed batch normalisation or Batch Manhattan;
    here it is plain SGD with fa's settings (the feedback's fixed 1/sqrt(n_l) scale keeps the backward signal's
    size in check).  Backprop runs at sign symmetry's learning rate, so that the comparison changes only the
    feedback matrices (bp-sgd's own rate, 0.1 / 0.294, is another optimiser setting).

    Quick suite, mean test accuracy: mnist5k (seeds 0-1) sign-symmetry 0.935, bp-sgd at lr 0.05 0.922, fa 0.920;
    mnist1d (seeds 0-2, at the rates tune re-picked: sign-symmetry 0.464, fa 0.2) 0.641, bp-sgd at lr 0.464
    0.647, fa 0.519.
    """
    sign = _accuracy(creditbench_results, task, "sign-symmetry")
    backprop, fa = (
        _backprop_at_sign_symmetrys_rate(creditbench_results, task),
        _accuracy(creditbench_results, task, "fa"),
    )
    passed, margin = sign_symmetry_matches_backprop(task, sign, backprop, fa)
    assert passed, (task, sign, backprop, fa, margin)


@pytest.mark.creditbench_claim(
    rule="sign-symmetry",
    paper="Liao, Leibo & Poggio 2016",
    claim="negative control: the sign-symmetry check fails with random-features (hidden layers frozen) in the rule's place",
)
@pytest.mark.parametrize("task", SIGN_SYMMETRY_TASKS)
def test_negative_control_sign_symmetry_check_fails_with_frozen_hidden_layers(creditbench_results, task):
    """The same check fails for the suite's ``random-features`` control in the rule's place: the reference MLP
    with its hidden layers frozen at initialisation and only the output layer trained (measured 0.710 on
    mnist5k, 0.340 on mnist1d).  Plain backprop is no control here: the claim is that the rule matches it."""
    frozen = _accuracy(creditbench_results, task, "random-features")
    backprop, fa = (
        _backprop_at_sign_symmetrys_rate(creditbench_results, task),
        _accuracy(creditbench_results, task, "fa"),
    )
    passed, margin = sign_symmetry_matches_backprop(task, frozen, backprop, fa)
    assert not passed, (task, frozen, backprop, fa, margin)
