import pytest
import torch
from creditbench_slide.learner import HashedLayer, Slide, dense_multiply_adds
from torch import nn

from harness import MLP
from harness.testing import parametrize_with_checks


@parametrize_with_checks(["slide"])
def test_conformance(algorithm, check):
    check(algorithm)


def _slide(sizes=(12, 32, 32, 3), bits=3, tables=4, rebuild_every=2, lr=0.1, seed=0):
    return Slide(MLP(sizes).build(seed), bits=bits, tables=tables, rebuild_every=rebuild_every, lr=lr, seed=seed)


def _batch(n=16, features=12, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, features, generator=generator), torch.randint(0, 3, (n,), generator=generator)


def test_simhash_puts_a_neuron_with_the_inputs_direction_in_its_bucket_in_every_table():
    linear = nn.Linear(8, 4)
    layer = HashedLayer(linear, bits=6, tables=5, generator=torch.Generator().manual_seed(0))
    x = torch.randn(3, 8, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        linear.weight[:3] = 2.5 * x  # neuron i points where input i does
        linear.weight[3] = -x[0]
    layer.rebuild()
    active = layer.active(x)
    assert active[[0, 1, 2], [0, 1, 2]].all()
    assert not active[0, 3]  # the opposite direction never collides


def test_only_the_active_neurons_weights_move():
    learner = _slide()
    x, y = _batch()
    first = learner.layers[0]
    active = first.active(x).any(0)  # the neurons active for some example of the batch
    before = first.linear.weight.detach().clone()
    learner.train_step(x, y)
    moved = (first.linear.weight.detach() != before).any(1)
    assert moved.any() and not (moved & ~active).any()


def test_with_every_neuron_active_it_is_backprop():
    """Zero hash bits put every neuron in one bucket: the sparse forward is the dense network's, and so is the step."""
    learner = _slide(bits=0)
    dense = MLP((12, 32, 32, 3)).build(0)
    x, y = _batch()
    torch.testing.assert_close(learner.predict(x), dense(x))
    optimizer = torch.optim.SGD(dense.parameters(), lr=0.1)
    nn.functional.cross_entropy(dense(x), y).backward()
    optimizer.step()
    learner.train_step(x, y)
    for ours, theirs in zip(learner.model.parameters(), dense.parameters()):
        torch.testing.assert_close(ours, theirs)


def test_multiply_adds_count_hashing_and_the_active_neurons_only():
    sizes = (12, 32, 32, 3)
    assert dense_multiply_adds(sizes) == 3 * (12 * 32 + 32 * 32 + 32 * 3) - 12 * 32
    every = _slide(bits=0, tables=1, rebuild_every=10**9)
    x, y = _batch()
    every.train_step(x, y)
    # all 64 hidden neurons active: backprop's count plus the hashing of each input by 0 projections
    assert every.cost_counters() == {"multiply_adds": 16 * dense_multiply_adds(sizes), "active_neurons": 16 * 64}
    sparse = _slide(bits=6, tables=1, rebuild_every=10**9)
    sparse.train_step(x, y)
    counts = sparse.cost_counters()
    assert counts["active_neurons"] < 16 * 64 / 4
    assert 16 * 6 * 12 < counts["multiply_adds"] < 16 * dense_multiply_adds(sizes) / 2


def test_rebuilding_the_tables_is_counted():
    learner = _slide(bits=0, tables=2, rebuild_every=1)
    x, y = _batch()
    learner.train_step(x, y)
    rebuild = 0 * (32 * 12 + 32 * 32)  # zero bits: hashing costs nothing
    assert learner.cost_counters()["multiply_adds"] == 16 * dense_multiply_adds((12, 32, 32, 3)) + rebuild
    learner = _slide(bits=2, tables=2, rebuild_every=1)
    before = learner.cost_counters()["multiply_adds"]
    learner.train_step(x, y)
    per_rebuild = 4 * (32 * 12 + 32 * 32)
    assert learner.cost_counters()["multiply_adds"] - before > per_rebuild


# Active fraction against accuracy, on digits (quick budget, seeds 0-2): each hash-bit setting with bp-sgd beside it.
# Fewer bits mean bigger buckets, so more active neurons.  At 8 tables, the setting the default's bits were chosen
# on: tune's digits default (32 tables, for accuracy alone) performs more multiply-adds than dense backprop at 3 and
# 4 bits (125% and 115%, hashing included) and leaves no sparse end to the curve.
BITS, TABLES = (3, 4, 6), 8
MIN_RISE = 0.05  # accuracy gained from the sparsest setting to the densest


def accuracy_against_active_fraction(entry_of) -> dict:
    """The check on ``entry_of(config)`` (leaderboard entries of slide on digits): the fraction of backprop's
    multiply-adds it performs falls with every extra hash bit, and the densest setting's accuracy is ``MIN_RISE``
    above the sparsest one's.  Returns bits -> (multiply-add fraction, test accuracy)."""
    from creditbench_slide.learner import dense_multiply_adds

    from harness.registry import registry

    dense = dense_multiply_adds(registry().task("digits").architecture.sizes)
    curve = {}
    for bits in BITS:
        entry = entry_of({"bits": bits, "tables": TABLES})
        curve[bits] = (entry["cost_per_presentation"]["multiply_adds"] / dense, entry["test_score_mean"])
    fractions = [curve[bits][0] for bits in BITS]
    assert fractions == sorted(fractions, reverse=True), f"multiply-add fractions {fractions} do not fall with bits"
    rise = curve[BITS[0]][1] - curve[BITS[-1]][1]
    assert rise > MIN_RISE, f"accuracy rises by {rise:+.3f} from the sparsest setting to the densest"
    return curve


@pytest.mark.creditbench_claim(
    rule="slide",
    paper="Spring & Shrivastava 2017",
    claim="fewer active neurons cost fewer multiply-adds and buy less accuracy on digits (the paper's within-1%-at-5% does not reproduce)",
)
def test_slide_trades_accuracy_for_multiply_adds(creditbench_results):
    """Spring & Shrivastava (2017), abstract: "using only 5% of the total multiplications, we keep on average within
    1% of the accuracy of the original model" (fully connected networks on MNIST8M, NORB, Convex, Rectangles).  That
    does NOT reproduce here (see the README's claims table): on digits' 128-unit layers the hashed selection costs
    accuracy at every small fraction.  What holds, and this checks: fewer active neurons cost fewer multiply-adds,
    hashing included, and buy less accuracy."""
    accuracy_against_active_fraction(lambda config: creditbench_results.entry("digits", "slide", config))


@pytest.mark.creditbench_claim(
    rule="slide",
    paper="Spring & Shrivastava 2017",
    claim="negative control: the accuracy-against-active-fraction check fails for slide at learning rate 0",
)
def test_the_check_fails_for_a_slide_that_does_not_learn(creditbench_results):
    """Negative control: learning rate 0, so no setting learns and accuracy does not rise with the fraction."""
    with pytest.raises(AssertionError, match="accuracy rises"):
        accuracy_against_active_fraction(
            lambda config: creditbench_results.entry("digits", "slide", {**config, "lr": 0.0})
        )


FRACTION, GAP = 0.05, 0.01  # the paper's "5% of the total multiplications" and "within 1% of the accuracy"


def within_a_point_at_a_twentieth_of_the_multiply_adds(entry_of) -> tuple[float, float]:
    """The paper's claim as a check on the sparsest of ``BITS`` (slide's leaderboard entries on digits, beside
    bp-sgd's): at most ``FRACTION`` of backprop's multiply-adds, hashing included, and within ``GAP`` of its test
    accuracy.  Returns (fraction, accuracy less bp-sgd's)."""
    from creditbench_slide.learner import dense_multiply_adds

    from harness.registry import registry

    entry = entry_of({"bits": BITS[-1], "tables": TABLES})
    fraction = entry["cost_per_presentation"]["multiply_adds"] / dense_multiply_adds(
        registry().task("digits").architecture.sizes
    )
    difference = entry["test_score_mean"] - entry_of(None, "bp-sgd")["test_score_mean"]
    assert fraction <= FRACTION and difference >= -GAP, f"{fraction:.0%} of the multiply-adds, {difference:+.3f}"
    return fraction, difference


def _digits_entry(creditbench_results, overrides=None):
    return lambda config, name="slide": creditbench_results.entry(
        "digits", name, None if config is None else {**config, **(overrides or {})}
    )


@pytest.mark.xfail(
    strict=True,
    reason="measured on seeds 0-2 at the tuned learning rate: at 6 bits and 8 tables slide performs 12% of "
    "backprop's multiply-adds and scores 0.698 against bp-sgd's 0.967",
)
@pytest.mark.creditbench_claim(
    rule="slide",
    paper="Spring & Shrivastava 2017",
    claim="within 1 point of backprop's accuracy with at most 5% of its multiply-adds, on digits",
)
def test_slide_is_within_a_point_of_backprop_at_a_twentieth_of_its_multiply_adds(creditbench_results):
    """Spring & Shrivastava (2017), abstract (the docstring of the trade-off test above): does not reproduce."""
    within_a_point_at_a_twentieth_of_the_multiply_adds(_digits_entry(creditbench_results))


@pytest.mark.creditbench_claim(
    rule="slide",
    paper="Spring & Shrivastava 2017",
    claim="negative control: the within-a-point check fails for slide at learning rate 0",
)
def test_the_within_a_point_check_fails_for_a_slide_that_does_not_learn(creditbench_results):
    with pytest.raises(AssertionError, match="of the multiply-adds"):
        within_a_point_at_a_twentieth_of_the_multiply_adds(_digits_entry(creditbench_results, {"lr": 0.0}))
