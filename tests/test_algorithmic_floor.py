"""The algorithmic-floor measurement: twins from one seed, the same batches for both sides, rules without a floor."""

import pytest
import torch

from harness import algorithmic_floor
from harness.contract import Algorithm, Learner
from harness.registry import Registry
from harness.testing.conformance_tasks import CONFORMANCE_TASK


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
