import pytest
import torch

from harness.registry import registry
from harness.testing import FrozenParameters, NoiseUpdates, accuracy_after_training, one_thread, parametrize_with_checks

SEEDS = (0, 1, 2)
PRESENTATIONS = 25_600  # 24 epochs of digits' 1,077 training images, a few seconds per rule and seed


@parametrize_with_checks(["dendrites"])
def test_conformance(algorithm, check):
    check(algorithm)


def _mean_accuracy(name: str, wrap=lambda learner: learner) -> float:
    """Each rule at its own digits defaults, batch size included, for the same number of presentations."""
    algorithm, task = registry().algorithm(name), registry().task("digits")
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
