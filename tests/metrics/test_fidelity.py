"""Gradient fidelity measures the rule's direction, per layer, apart from the optimiser that steps along it."""

import copy

import pytest
import torch

from harness.architectures import MLP
from harness.learners import GradientLearner, backprop, cross_entropy, one_hot_squared_error
from harness.metrics.fidelity import output_parameters, probe, summarise
from harness.registry import registry
from harness.testing import CONFORMANCE_TASK
from harness.testing.conformance_tasks import RETRIEVAL_CONFORMANCE_TASK


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


def _build(name, task=CONFORMANCE_TASK, seed=0, **overrides):
    algorithm = registry().algorithms[name]
    return algorithm.build(task, algorithm.config_for(task.name, overrides), seed)


def _batches(task, size=16):
    """The training split in batches: the last is the probe batch, the others are trained on in turn."""
    splits = task.load()
    x, y = torch.as_tensor(splits.x_train), torch.as_tensor(splits.y_train)
    return [(x[i : i + size], y[i : i + size]) for i in range(0, len(x) - size + 1, size)]


def _trained(name, task=CONFORMANCE_TASK, steps=4, **overrides):
    """A learner after a few steps, so that an optimiser with state has some."""
    learner = _build(name, task, **overrides)
    batches = _batches(task)[:-1]
    for step in range(steps):
        learner.train_step(*batches[step % len(batches)])
    return learner


def _measure(learner, task=CONFORMANCE_TASK, loss=cross_entropy):
    x, y = _batches(task)[-1]
    return summarise(probe(learner, x, y, loss))


@pytest.mark.parametrize("name", ["bp-momentum", "bp-adam"])
def test_backprop_with_an_optimiser_has_direction_one_and_a_lower_applied_cosine(name):
    measured = _measure(_trained(name, steps=10))
    assert all(abs(c - 1) < 1e-5 for c in measured["gradient_cosine_layers"].values())
    assert abs(measured["gradient_cosine"] - 1) < 1e-5 and abs(measured["gradient_cosine_output"] - 1) < 1e-5
    assert measured["gradient_cosine_applied"] < 0.9, measured["gradient_cosine_applied"]


def test_rtrl_and_bptt_show_the_same_number_on_sequences():
    task = RETRIEVAL_CONFORMANCE_TASK
    rtrl, bptt = (_measure(_trained(name, task, steps=3), task) for name in ("rtrl", "bptt"))
    for key in ("gradient_cosine", "gradient_cosine_output"):
        assert rtrl[key] == pytest.approx(1, abs=1e-4) and bptt[key] == pytest.approx(1, abs=1e-4), key
    for name, cosine in bptt["gradient_cosine_layers"].items():
        assert rtrl["gradient_cosine_layers"][name] == pytest.approx(cosine, abs=1e-4), name
    # negative control: truncating the gradient to one step changes the hidden layers' number
    tbptt = _measure(_trained("tbptt", task, steps=3, truncation=1), task)
    assert tbptt["gradient_cosine"] < 0.99, tbptt["gradient_cosine"]


def test_recurrent_output_layer_is_the_readout():
    network = _build("bptt", RETRIEVAL_CONFORMANCE_TASK).surrogate()
    assert output_parameters(network) == {"readout_weight", "readout_bias"}
    assert output_parameters(MLP((4, 5, 3)).build(0)) == {"2.weight", "2.bias"}


def test_a_frozen_layer_counts_zero_not_skipped():
    def first_layer_frozen(model, x, y, loss):
        backprop(model, x, y, loss)
        model[0].weight.grad = None
        model[0].bias.grad = None

    model = CONFORMANCE_TASK.architecture.build(0)
    learner = GradientLearner(model, torch.optim.SGD(model.parameters(), lr=0.1), direction=first_layer_frozen)
    measured = _measure(learner)
    assert measured["gradient_cosine_layers"]["0.weight"] == 0 and measured["gradient_cosine_layers"]["0.bias"] == 0
    assert measured["gradient_cosine_applied_layers"]["0.weight"] == 0
    assert measured["gradient_cosine"] == pytest.approx(0.5, abs=1e-5)  # hidden weights: 0 and 1
    # and a rule that freezes every hidden layer (the random-features control, requires_grad off) scores 0
    control = _measure(_trained("random-features"))
    assert control["gradient_cosine"] == 0 and control["gradient_cosine_output"] == pytest.approx(1, abs=1e-5)


def test_feedback_alignment_is_exact_at_the_output_only():
    measured = _measure(_trained("fa"))
    assert measured["gradient_cosine_output"] == pytest.approx(1, abs=1e-5)
    assert measured["gradient_cosine"] < 0.9, measured["gradient_cosine"]


def test_pc_is_closer_to_its_own_squared_error_than_to_cross_entropy():
    measured = _measure(_trained("pc"))
    assert measured["gradient_cosine_objective"] > 0.9, measured["gradient_cosine_objective"]
    assert measured["gradient_cosine_objective"] > measured["gradient_cosine"] + 0.05, measured
    # negative control: backprop on cross-entropy, declared (wrongly) to descend the squared error
    model = CONFORMANCE_TASK.architecture.build(0)
    backprop_learner = GradientLearner(model, torch.optim.SGD(model.parameters(), lr=0.1))
    backprop_learner.objective = one_hot_squared_error
    control = _measure(backprop_learner)
    assert control["gradient_cosine"] == pytest.approx(1, abs=1e-5)
    assert control["gradient_cosine_objective"] < control["gradient_cosine"] - 0.05, control


def test_a_rule_without_a_direction_shows_none_and_keeps_its_applied_cosine():
    measured = _measure(_trained("ga"))
    assert measured["gradient_cosine"] is None and measured["gradient_cosine_layers"] is None
    assert measured["gradient_cosine_applied"] is not None


def test_es_direction_is_the_draw_its_next_step_makes():
    learner = _trained("es")
    x, y = _batches(CONFORMANCE_TASK)[-1]
    saved = copy.deepcopy(learner.state_dict())
    direction = {name: d.clone() for name, d in learner.update_direction(x, y).items()}
    learner.load_state_dict(saved)
    again = probe(learner, x, y, cross_entropy)
    learner.load_state_dict(saved)
    assert (
        summarise(again)["gradient_cosine_layers"]
        == summarise(probe(learner, x, y, cross_entropy))["gradient_cosine_layers"]
    )
    learner.load_state_dict(saved)
    assert all(torch.equal(direction[n], d) for n, d in learner.update_direction(x, y).items())


def test_a_learner_without_surrogate_has_no_gradient_fidelity():
    class Opaque:
        def surrogate(self):
            return None

    assert probe(Opaque(), torch.zeros(1, 2), torch.zeros(1, dtype=torch.long), cross_entropy) is None
    assert all(value is None for value in summarise(None).values())


@pytest.mark.parametrize("name", ["bp-adam", "es", "fa", "dtp", "pc", "ep", "altmin", "hsic"])
def test_the_probe_restores_a_stateful_rule(name):
    probed, untouched = _trained(name), _trained(name)
    x, y = _batches(CONFORMANCE_TASK)[-1]
    measured = probe(probed, x, y, cross_entropy)
    assert measured["direction"], name
    assert (measured["objective"] is not None) == (name in ("pc", "ep")), name
    assert all(abs(c) <= 1 + 1e-5 for layers in (measured["direction"], measured["applied"]) for c in layers.values())
    probed.train_step(x, y)
    untouched.train_step(x, y)
    assert torch.equal(probed.predict(x), untouched.predict(x)), name


class _WithoutFinishing:
    """The learner as one without ``apply_update_direction``: the probe runs ``train_step`` from the saved state."""

    def __init__(self, learner):
        self.learner = learner

    def __getattr__(self, name):
        if name == "apply_update_direction":
            raise AttributeError(name)
        return getattr(self.learner, name)


@pytest.mark.parametrize(
    ("name", "task"),
    [(name, CONFORMANCE_TASK) for name in ("bp-adam", "es", "ep", "hsic")] + [("uoro", RETRIEVAL_CONFORMANCE_TASK)],
)
def test_a_rule_that_finishes_its_step_from_its_direction_is_measured_alike_with_one_direction(name, task):
    finishing, restarting = _trained(name, task), _WithoutFinishing(_trained(name, task))
    directions = []
    original = finishing.update_direction
    finishing.update_direction = lambda x, y: directions.append(1) or original(x, y)
    x, y = _batches(task)[-1]
    assert probe(finishing, x, y, cross_entropy) == probe(restarting, x, y, cross_entropy)
    assert len(directions) == 1
    finishing.train_step(x, y)
    restarting.train_step(x, y)
    assert torch.equal(finishing.predict(x), restarting.predict(x)), name


def test_a_probe_from_an_older_store_reads_as_applied_cosines_only():
    summary = summarise({"0.weight": 0.5, "0.bias": 0.1, "2.weight": 0.7})
    assert summary["gradient_cosine"] is None and summary["gradient_cosine_applied"] == pytest.approx(0.6)
