import pytest
import torch
from creditbench_boltzmann.dbn import GreedyStack
from test_rbm import _bars, _learner, rbm_beats_its_matched_controls

from harness.testing import parametrize_with_checks


@parametrize_with_checks(["dbn"])
def test_conformance(algorithm, check):
    check(algorithm)


def _stack(layer_presentations=100):
    return GreedyStack([_learner(16, 8), _learner(8, 8, seed=1)], layer_presentations)


def test_layers_learn_one_after_another_and_the_lower_ones_stay_frozen():
    """Greedy learning (Hinton, Osindero & Teh 2006): the first RBM learns alone for ``layer_presentations``
    examples, then it is frozen and the next one models its hidden-unit probabilities."""
    stack, bars = _stack(), _bars(300)
    labels = torch.zeros(10, dtype=torch.long)
    lower, upper = (layer.rbm.weight.clone() for layer in stack.layers)
    for i in range(10):
        stack.train_step(bars[i * 10 : (i + 1) * 10], labels)
    assert not torch.equal(stack.layers[0].rbm.weight, lower)
    assert torch.equal(stack.layers[1].rbm.weight, upper)
    lower = stack.layers[0].rbm.weight.clone()
    for i in range(10, 30):
        stack.train_step(bars[i * 10 : (i + 1) * 10], labels)
    assert torch.equal(stack.layers[0].rbm.weight, lower)
    assert not torch.equal(stack.layers[1].rbm.weight, upper)
    assert stack.cost_counters() == {"gibbs_steps": 300}  # one chain step per example, in whichever layer learns
    assert torch.equal(stack.features(bars), stack.layers[1].features(stack.layers[0].features(bars)))


def test_layer_presentations_must_be_positive():
    with pytest.raises(ValueError, match="layer_presentations"):
        _stack(layer_presentations=0)


TOLERANCE = 0.01  # one point of accuracy: "at least as good" up to the seeds' spread


def dbn_is_at_least_as_good_as_one_rbm(dbn_entry_of, rbm_entry_of) -> dict:
    """The claim's check: on digits, mnist5k and mnist1d the probe on the top layer of the stack beats its matched
    probe controls (``rbm_beats_its_matched_controls``) and is within ``TOLERANCE`` of, or above, the probe on one
    RBM of the same width (``rbm-cd``).  Returns the stack's test accuracy less the single RBM's, per task."""
    rbm_beats_its_matched_controls(dbn_entry_of)
    differences = {}
    for name in ("digits", "mnist5k", "mnist1d"):
        differences[name] = dbn_entry_of(name)["test_accuracy_mean"] - rbm_entry_of(name)["test_accuracy_mean"]
        assert differences[name] >= -TOLERANCE, f"{name}: the stack is {differences[name]:+.3f} below one RBM"
    return differences


@pytest.mark.xfail(
    strict=True,
    reason="measured on the reported seeds 0-2: on digits the stack's probe is 0.957 against one RBM's 0.969, "
    "-1.2 points, beyond the 1-point tolerance fixed on the selection seeds (where it was -0.6 on validation)",
)
@pytest.mark.creditbench_claim(
    rule="dbn",
    paper="Hinton, Osindero & Teh 2006",
    claim="a greedy stack's top layer is no worse than one RBM: its probe beats the matched controls and is within 1 point of rbm-cd's on digits, mnist5k, mnist1d",
)
def test_the_top_layer_of_a_greedy_stack_is_at_least_as_good_as_one_rbm(creditbench_results):
    """Hinton, Osindero & Teh (2006): greedily adding a layer improves a variational bound on the data's
    log-probability, so the top layer's features should be no worse than one RBM's.  The paper's setting is
    not ours: full MNIST, a 784-500-500-2000 net with the labels joined to the top RBM, fine-tuned by the
    up-down algorithm to 1.25% test error (Table 1).  Ours: two RBMs as wide as rbm-cd's one, no labels, no
    fine-tuning, the harness's probe on the top layer; quick suite, seeds 0-2, measured: digits 0.957 (probe
    gain +0.021 over random ReLU features' 0.936) against rbm-cd's 0.969, so the claim fails there; mnist5k 0.935
    (+0.050), mnist1d 0.507 (+0.083).  On the selection seeds (validation) the stack was at or above one RBM on
    mnist5k (0.935 against 0.928) and mnist1d (0.502 against 0.491) and 0.6 points below on digits."""
    dbn_is_at_least_as_good_as_one_rbm(
        lambda name: creditbench_results.entry(name, "dbn"), lambda name: creditbench_results.entry(name, "rbm-cd")
    )


@pytest.mark.creditbench_claim(
    rule="dbn",
    paper="Hinton, Osindero & Teh 2006",
    claim="negative control: the stack check fails for a dbn frozen at initialisation (lr = upper_lr = 0)",
)
def test_the_check_fails_for_a_stack_that_does_not_learn(creditbench_results):
    """Negative control: ``lr = upper_lr = 0`` freezes every RBM at its initialisation (measured: 0.103 on digits,
    chance: the frozen top layer's probabilities hardly vary)."""
    with pytest.raises(AssertionError, match="digits"):
        dbn_is_at_least_as_good_as_one_rbm(
            lambda name: creditbench_results.entry(name, "dbn", {"lr": 0.0, "upper_lr": 0.0}),
            lambda name: creditbench_results.entry(name, "rbm-cd"),
        )
