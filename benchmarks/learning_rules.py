"""asv benchmarks: every installed algorithm on the shipped tasks' reference architectures (``TASKS``), per device.

``time_`` benchmarks time one training step and one evaluation pass;
``track_`` benchmarks record FLOPs and activation bytes per step (counted, so
they do not drift with machine load) and the test score after a small fixed
budget, so a change that silently breaks a learning rule shows on the
dashboard like a slowdown.  ``peakmem_`` is whole-process memory (importing
torch alone is about 160 MB) and is kept only as a coarse signal.
"""

import sklearn.linear_model  # noqa: F401  (the probe of a rule without a classifier, harness.training.evaluation)
import torch

from harness import algorithmic_floor
from harness.contract import Budget
from harness.metrics import instruments
from harness.registry import registry
from harness.training.loop import synchronize, train
from harness.training.order import DEFAULT_BATCH_SIZE
from harness.training.spec import RunSpec

from . import DEVICES

SMALL_BUDGET = Budget(presentations=3_000)  # or a tenth of the task's quick budget, if smaller
EVALUATION_EXAMPLES = 1024

# The tasks whose data ships with creditbench (the scale suite's datasets on disk are not on a fresh clone), less
# the tasks of the scale questions (the standard suite's CNN tasks, the mnist1d depth ladder's rungs): asv's quick
# pass over them took CI past its time limit; the ladder suite and the standard suite measure them.  Nor the toys
# kept for one rule's claim (``Task.suite``: circling-ball, digits-few-shot), which their own suite runs.
TASKS = sorted(
    name
    for name, task in registry().tasks.items()
    if task.check_files is None
    and not task.standard_only
    and not task.suite
    and not (task.ladder_only and task.ladder[0] != "adding")
)
for _name in TASKS:
    registry().task(_name).load()  # cached in the forkserver, so that each forked benchmark starts with the data loaded


# One asv parameter per (algorithm, task) pair that runs, not the product of the two: asv forks a process for every
# combination of parameter values, and two thirds of the product are pairs a rule declines (a recurrent rule on an
# image task), which made the quick pass spend most of its time starting processes that skipped.
CASE_SEPARATOR = " on "


def case_names(case: str) -> tuple[str, str]:
    """The algorithm and the task of a case written "algorithm on task"."""
    algorithm, task = case.split(CASE_SEPARATOR)
    return algorithm, task


def _declines(algorithm_name: str, task_name: str) -> bool:
    algorithm = registry().algorithm(algorithm_name)
    return algorithm.declined(registry().task(task_name), algorithm.config_for(task_name)) is not None


def _built_once(cases: list[str]) -> dict:
    """Each case's learner, built here in asv's forkserver on every device, so that every forked benchmark inherits
    what a build does once per process instead of redoing it: import the rule's modules, and with a torch
    optimiser torch._dynamo (about 2 s, in each of the quick pass's ~900 benchmarks), and l2l's meta-training
    (cached by the plugin per device)."""
    torch.set_num_threads(1)
    learners = {}
    for case in cases:
        algorithm_name, task_name = case_names(case)
        algorithm = registry().algorithm(algorithm_name)
        for device in DEVICES:
            with torch.device(device):
                learners[case] = algorithm.build(registry().task(task_name), algorithm.config_for(task_name), 0)
    return learners


CASES = [
    f"{algorithm}{CASE_SEPARATOR}{task}"
    for algorithm in sorted(registry().algorithms)
    for task in TASKS
    if not _declines(algorithm, task)
]
FLOORED_CASES = [case for case, learner in _built_once(CASES).items() if algorithmic_floor.has_floor(learner)]


class _Rule:
    """Shared parameters: every (algorithm, task) pair that runs, written "algorithm on task", per device."""

    params = (CASES, DEVICES)
    param_names = ["case", "device"]

    def _setup(self, case, device):
        torch.set_num_threads(1)  # comparable across machines with different core counts
        algorithm_name, task_name = case_names(case)
        self.algorithm = registry().algorithm(algorithm_name)
        self.task = registry().task(task_name)
        self.device = device


class Step(_Rule):
    """Cost of one training step and one evaluation pass of a freshly built learner."""

    timeout = 120

    def setup(self, case, device):
        self._setup(case, device)
        config = self.algorithm.config_for(self.task.name)
        splits = self.task.load()
        batch = int(config.get("batch_size", DEFAULT_BATCH_SIZE))
        torch.manual_seed(0)
        with torch.device(device):
            self.learner = self.algorithm.build(self.task, config, 0)
        self.x = torch.as_tensor(splits.x_train[:batch]).to(device)
        self.y = torch.as_tensor(splits.y_train[:batch]).to(device)
        self.x_eval = torch.as_tensor(splits.x_test[:EVALUATION_EXAMPLES]).to(device)
        self.learner.train_step(self.x, self.y)  # warm-up: lazily built state, first-call dispatch

    def time_train_step(self, case, device):
        self.learner.train_step(self.x, self.y)
        synchronize(torch.device(device))

    def time_evaluation(self, case, device):
        with torch.no_grad():
            if self.algorithm.supervised:
                self.learner.predict(self.x_eval)
            else:
                self.learner.features(self.x_eval)
        synchronize(torch.device(device))

    def track_flops_per_step(self, case, device):
        return instruments.count_flops(self.learner, self.x, self.y)

    track_flops_per_step.unit = "FLOP"

    def track_activation_bytes(self, case, device):
        return instruments.activation_bytes(self.learner, self.x, self.y)

    track_activation_bytes.unit = "bytes"

    def peakmem_train_step(self, case, device):
        self.learner.train_step(self.x, self.y)


class SmallBudget(_Rule):
    """The test score after a small fixed budget, through the harness's own runner."""

    timeout = 300

    def setup(self, case, device):
        self._setup(case, device)

    def track_test_score(self, case, device):
        presentations = min(SMALL_BUDGET.presentations, self.task.quick_budget.presentations // 10)
        budget = Budget(presentations)
        spec = RunSpec(self.task.name, self.algorithm.name, seed=0, budget=budget, device=device)
        return train(spec, registry()).curve[-1]["test_score"]

    track_test_score.unit = "score"
