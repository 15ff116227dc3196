"""The kit must catch the violations it exists for: each bad learner fails exactly its check."""

import os

import pytest
import torch

from harness import Algorithm, Plausibility
from harness.learners import GradientLearner
from harness.testing import check_algorithm, run_checks

PROFILE = Plausibility(weight_transport=True, backward_phase=True, local_updates=False)


class Backprop(GradientLearner):
    def __init__(self, task, seed):
        model = task.architecture.build(seed)
        super().__init__(model, torch.optim.SGD(model.parameters(), lr=0.1))


class MutatesBatch(Backprop):
    def train_step(self, x, y):
        super().train_step(x, y)
        x.mul_(0.5)


class Nondeterministic(Backprop):
    def train_step(self, x, y):
        super().train_step(x, y)
        with torch.no_grad():
            self.model[0].weight.add_(int.from_bytes(os.urandom(2), "little") * 1e-6)


class HoardsExamples(Backprop):
    def __init__(self, task, seed):
        super().__init__(task, seed)
        self.seen = []

    def train_step(self, x, y):
        super().train_step(x, y)
        self.seen.append(x.clone())

    def state_dict(self):
        return {**super().state_dict(), "seen": self.seen}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.seen = list(state["seen"])


class ForgetsOptimiserState(Backprop):
    def __init__(self, task, seed):
        super().__init__(task, seed)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1, momentum=0.9)

    def state_dict(self):
        return {"model": self.model.state_dict()}

    def load_state_dict(self, state):
        self.model.load_state_dict(state["model"])


class CopiedSurrogate(Backprop):
    def surrogate(self):
        import copy

        return copy.deepcopy(self.model)


class MisshapenDirection(Backprop):
    def update_direction(self, x, y):
        return {"0.weight": torch.zeros(3)}


class CountsPerExample(Backprop):
    def __init__(self, task, seed):
        super().__init__(task, seed)
        self.evaluations = 0

    def train_step(self, x, y):
        super().train_step(x, y)
        self.evaluations += 3 * len(x)

    def cost_counters(self):
        return {"evaluations": self.evaluations}

    def state_dict(self):
        return {**super().state_dict(), "evaluations": self.evaluations}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.evaluations = state["evaluations"]


class CountsPerBatch(CountsPerExample):
    def train_step(self, x, y):
        Backprop.train_step(self, x, y)
        self.evaluations += 3


def _algorithm(learner_class, **fields):
    return Algorithm(
        name=learner_class.__name__.lower(),
        family="test",
        citation="test",
        description="test",
        build=lambda task, config, seed: learner_class(task, seed),
        plausibility=PROFILE,
        **fields,
    )


@pytest.mark.parametrize(
    "learner_class, failing",
    [
        (Backprop, set()),
        (MutatesBatch, {"check_batch_not_mutated", "check_respects_budget"}),  # the runner refuses it too
        (Nondeterministic, {"check_deterministic", "check_state_round_trip"}),
        (HoardsExamples, {"check_respects_budget"}),
        (ForgetsOptimiserState, {"check_state_round_trip"}),
        (CopiedSurrogate, {"check_surrogate"}),
        (MisshapenDirection, {"check_update_direction"}),
        (CountsPerExample, set()),
        (CountsPerBatch, {"check_cost_counted_per_example"}),
    ],
)
def test_each_violation_fails_its_check(learner_class, failing):
    results = dict(run_checks(_algorithm(learner_class)))
    assert {name for name, problem in results.items() if problem} == failing, results


def test_missing_metadata_fails_and_check_algorithm_names_every_problem():
    with pytest.raises(AssertionError, match="check_metadata: algorithm has no description"):
        check_algorithm(
            Algorithm(
                name="x", family="test", citation="test", build=lambda t, c, s: Backprop(t, s), plausibility=PROFILE
            )
        )
