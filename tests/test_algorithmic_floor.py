"""The algorithmic-floor measurement: twins from one seed, the same batches for both sides, rules without a floor."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from harness import GradientLearner, algorithmic_floor
from harness.contract import Algorithm, Learner
from harness.registry import Registry, registry
from harness.testing.conformance_tasks import CONFORMANCE_TASK

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "algorithmic_floors.py"
sys.path.insert(0, str(SCRIPT.parent))
import algorithmic_floors  # noqa: E402


class Recording(Learner):
    def __init__(self, seed_draw):
        self.seed_draw = seed_draw  # what the global generator gave at build: equal for twins of one seed
        self.steps, self.floors = [], []

    def train_step(self, x, y):
        self.steps.append(x.clone())

    def predict(self, x):
        return torch.zeros(len(x), CONFORMANCE_TASK.n_classes)

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


class WithFloor(Recording):
    def floor_step(self, x, y):
        """Nothing at all: the floor of a rule that does nothing.

        A second paragraph that the description leaves out."""
        self.floors.append(x.clone())


BUILT: list = []


def _algorithm(name, learner_class, batch_size=32):
    def build(task, config, seed):
        BUILT.append(learner_class(torch.rand(1).item()))
        return BUILT[-1]

    return Algorithm(name, "test", "none", build, defaults={"batch_size": batch_size})


RULES = Registry(
    algorithms={
        "floored": _algorithm("floored", WithFloor),
        "plain": _algorithm("plain", Recording),
        "plain-16": _algorithm("plain-16", Recording, batch_size=16),
    },
    tasks={CONFORMANCE_TASK.name: CONFORMANCE_TASK},
)


@pytest.fixture(autouse=True)
def _fresh():
    BUILT.clear()


def test_the_step_and_the_floor_run_on_twins_of_one_seed_over_the_same_batches():
    measured = algorithmic_floor.measure(RULES, "floored", CONFORMANCE_TASK.name, steps=4)
    rule, twin = BUILT
    assert rule.seed_draw == twin.seed_draw
    assert len(rule.steps) == len(twin.floors) == algorithmic_floor.WARMUP + 4 and not rule.floors and not twin.steps
    assert all(torch.equal(a, b) for a, b in zip(rule.steps, twin.floors))
    assert not torch.equal(rule.steps[0], rule.steps[1])  # the data order moves on from batch to batch
    assert measured.numerator_seconds > 0 and measured.denominator_seconds > 0
    assert measured.ratio == measured.numerator_seconds / measured.denominator_seconds
    assert measured.floor == "Nothing at all: the floor of a rule that does nothing."


def test_a_learner_without_floor_step_declares_no_floor():
    assert algorithmic_floor.measure(RULES, "plain", CONFORMANCE_TASK.name, steps=2) is None
    assert len(BUILT) == 1  # no twin is built for nothing


def test_compare_times_two_rules_on_the_same_batches_and_refuses_different_batch_sizes():
    algorithmic_floor.compare(RULES, "floored", "plain", CONFORMANCE_TASK.name, steps=3)
    assert all(torch.equal(a, b) for a, b in zip(BUILT[0].steps, BUILT[1].steps)) and len(BUILT[1].steps) == 6
    with pytest.raises(ValueError, match="different batch sizes"):
        algorithmic_floor.compare(RULES, "plain", "plain-16", CONFORMANCE_TASK.name)


class Hebbian:
    """A direction with a floor: the calls it receives are recorded."""

    def __init__(self):
        self.floors = []

    def __call__(self, model, x, y, loss):
        model.weight.grad = torch.ones_like(model.weight)

    def floor(self, model, x, y, loss):
        """The rule's own floor, in its own words.

        Left out of the description."""
        self.floors.append((model, x, loss))


def test_a_gradient_learner_declares_the_floor_of_its_direction_and_runs_it():
    model = torch.nn.Linear(3, 2)
    learner = GradientLearner(model, torch.optim.SGD(model.parameters(), lr=0.1), direction=Hebbian())
    assert algorithmic_floor.has_floor(learner)
    assert algorithmic_floor.floor_description(learner) == "The rule's own floor, in its own words."
    x = torch.ones(4, 3)
    before = model.weight.clone()
    learner.floor_step(x, torch.zeros(4, dtype=torch.long))
    ((floor_model, floor_x, floor_loss),) = learner.direction.floors
    assert floor_model is model and floor_x is x and floor_loss is learner.loss
    assert torch.equal(model.weight, before)  # the floor did not step the optimiser


def test_a_gradient_learner_whose_direction_declares_no_floor_has_none():
    model = torch.nn.Linear(3, 2)
    assert not algorithmic_floor.has_floor(GradientLearner(model, torch.optim.SGD(model.parameters(), lr=0.1)))


def test_a_gradient_learner_subclass_with_its_own_floor_step_declares_that_one():
    class Optimised(GradientLearner):
        def floor_step(self, x, y):
            """The subclass's floor, not its direction's."""

    model = torch.nn.Linear(3, 2)
    learner = Optimised(model, torch.optim.SGD(model.parameters(), lr=0.1))  # backprop's direction: no floor
    assert algorithmic_floor.floor_description(learner) == "The subclass's floor, not its direction's."


def test_the_floors_script_measures_a_named_ladder_rung_and_refuses_an_unknown_task_in_one_line():
    rung = algorithmic_floors._pairs(registry(), ["adding-1000", "digits"], [])
    assert {"bptt", "tbptt", "uoro"} <= {algorithm for algorithm, task in rung if task == "adding-1000"}
    assert ("bp-sgd", "digits") in rung
    assert "adding-1000" not in {task for _, task in algorithmic_floors._pairs(registry(), [], ["uoro"])}
    refused = subprocess.run(
        [sys.executable, str(SCRIPT), "--task", "no-such-task"], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "no-such-task" in refused.stderr, refused.stderr
