import dataclasses

import pytest
import torch

from harness.architectures import MLP
from harness.registry import registry
from harness.testing import FrozenParameters, NoiseUpdates, accuracy_after_training, one_thread, parametrize_with_checks

SEEDS = (0, 1, 2)
PRESENTATIONS = 25_600  # 24 epochs of digits' 1,077 training images, a few seconds per rule and seed


@parametrize_with_checks(["dendrites"])
def test_conformance(algorithm, check):
    check(algorithm)


def _mean_accuracy(name: str, wrap=lambda learner: learner, task_name="digits", hidden_layers=None) -> float:
    """Each rule at its own defaults on the task (digits unless given), batch size included, for the same number of
    presentations; on the reference MLP, or on one of the same width with ``hidden_layers`` hidden layers."""
    algorithm, task = registry().algorithm(name), registry().task(task_name)
    if hidden_layers is not None:
        sizes = task.architecture.sizes
        task = dataclasses.replace(task, architecture=MLP((sizes[0], *[sizes[1]] * hidden_layers, sizes[-1])))
    config = algorithm.config_for(task.name)
    batch = config["batch_size"]
    with one_thread():
        return sum(
            accuracy_after_training(wrap(algorithm.build(task, config, seed)), task, PRESENTATIONS // batch, batch)
            for seed in SEEDS
        ) / len(SEEDS)


MARGIN = 0.005  # half a point (~2 of digits' 360 test images) above each control


def learns_its_hidden_layers(dendrites_accuracy: float) -> dict:
    """The claim's check: the rule beats a network without the hidden layers (``linear``) and the same network with
    them frozen at initialisation and only the readout trained (``random-features``), each trained as long."""
    controls = {name: _mean_accuracy(name) for name in ("linear", "random-features")}
    for name, accuracy in controls.items():
        assert dendrites_accuracy > accuracy + MARGIN, f"{dendrites_accuracy:.3f} is not above {name}'s {accuracy:.3f}"
    return controls


def test_it_learns_its_hidden_layers():
    """Guerguiev, Lillicrap & Richards (2017), Fig. 5: with its hidden layer learning from apical plateaus, the
    network "learns to categorize images better than a single layer network" (on MNIST after 60 epochs; the
    paper's figure puts the hidden-layer networks near 2% test error against about 8% for the network without one;
    read off the figure, not a reported table).  Ours, digits, 25,600 presentations at each rule's tuned defaults
    (dendrites in batches of 8), seeds 0-2, measured: 0.967 against ``linear``'s 0.955 and ``random-features``'
    0.873.  Negative controls below: hidden layers frozen (0.103: the readout's large step cannot use frozen
    sigmoid features near 0.5) and noise updates (0.100)."""
    learns_its_hidden_layers(_mean_accuracy("dendrites"))


def _hidden_parameters(learner):
    linears = [module for module in learner.model if isinstance(module, torch.nn.Linear)]
    return [p for layer in linears[:-1] for p in layer.parameters()]


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda learner: FrozenParameters(learner, _hidden_parameters(learner)), id="frozen-hidden"),
        pytest.param(lambda learner: NoiseUpdates(learner, seed=0), id="noise-updates"),
    ],
)
def test_the_check_fails_when_the_hidden_layers_do_not_learn_from_their_plateaus(wrap):
    with pytest.raises(AssertionError, match="is not above"):
        learns_its_hidden_layers(_mean_accuracy("dendrites", wrap))


def test_the_teaching_signal_reaches_the_hidden_layers_only_through_the_apical_compartment():
    """Segregation: the forward pass (what ``predict`` reads) does not depend on the apical weights, and a step
    on a batch changes every hidden layer's weights (their only error signal is the plateau difference)."""
    algorithm, task = registry().algorithm("dendrites"), registry().task("digits")
    learner = algorithm.build(task, algorithm.config_for(task.name), 0)
    x = torch.from_numpy(task.load().x_train[:32]).float()
    y = torch.from_numpy(task.load().y_train[:32])
    before = learner.predict(x).clone()
    for weight in learner.direction.apical:
        weight.mul_(-1.0)
    assert torch.equal(learner.predict(x), before)
    hidden_before = [p.clone() for p in _hidden_parameters(learner)]
    learner.train_step(x, y)
    assert all(not torch.equal(p, q) for p, q in zip(_hidden_parameters(learner), hidden_before, strict=True))
    assert learner.cost_counters() == {"plateau_potentials": 2 * 32 * (128 + 128)}


def a_second_hidden_layer_helps(one: float, two: float) -> float:
    """The claim's check: the network with two hidden layers beats the one with one by ``MARGIN``; returns the gain."""
    assert two > one + MARGIN, f"two hidden layers give {two:.3f}, one gives {one:.3f}"
    return two - one


@pytest.mark.xfail(
    strict=True,
    reason="measured on seeds 0-2, 25,600 presentations at the tuned defaults: two hidden layers 0.334 against one's "
    "0.372 on mnist1d (on digits 0.967 both, on mnist5k 0.916 against 0.920)",
)
def test_a_second_hidden_layer_helps():
    """Guerguiev, Lillicrap & Richards (2017), Fig. 5: on MNIST the network with two hidden layers ends below the
    one with one (about 1.5% against 2% test error, read off the figure), evidence that the hidden layers
    coordinate their learning.  Ours, mnist1d (where depth should matter most among our tasks), each network as
    wide as the reference's hidden layers: it does not reproduce, and backprop itself gains only 0.5 points
    there from the second layer (bp-sgd 0.554 against 0.549) at this budget."""
    a_second_hidden_layer_helps(*(_mean_accuracy("dendrites", task_name="mnist1d", hidden_layers=n) for n in (1, 2)))


def _second_hidden_layer(learner):
    return list(learner.model[2].parameters())  # Linear, soma, Linear: the second hidden layer


def test_the_second_layer_check_fails_when_the_second_hidden_layer_is_frozen():
    """Negative control: the two-layer network with its second hidden layer frozen at initialisation."""
    one = _mean_accuracy("dendrites", task_name="mnist1d", hidden_layers=1)
    frozen = _mean_accuracy(
        "dendrites",
        lambda learner: FrozenParameters(learner, _second_hidden_layer(learner)),
        task_name="mnist1d",
        hidden_layers=2,
    )
    with pytest.raises(AssertionError, match="two hidden layers"):
        a_second_hidden_layer_helps(one, frozen)
