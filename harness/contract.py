"""What plugins register (Algorithm, Task, Metric) and what algorithms build (Learner).

The harness owns the training loop, the data order, the budget, the clock and
the evaluation schedule.  A plugin owns only its update rule, which lives in
``Learner.train_step``.  The same contract carries every family of learning rule:

* **Backprop and its relatives** (feedback alignment, DFA, sign symmetry, target
  propagation): ``train_step`` computes an update from the batch and applies it.
  ``harness.GradientLearner`` covers the common case of "estimate a
  gradient, hand it to a torch optimiser".
* **Relaxation dynamics** (equilibrium propagation, predictive coding): the
  free and nudged phases run inside ``train_step``; ``predict`` runs the free
  phase; ``surrogate()`` returns a differentiable module (the unrolled
  dynamics) for gradient-fidelity and robustness metrics.
* **Population methods** (evolution strategies, genetic algorithms): the
  population lives inside the learner.  Every member is scored on the batch the
  harness hands over, so presentations count examples drawn from the data, not
  forward passes; the extra compute shows up in FLOPs per step.
* **Unsupervised learners** (RBMs trained by contrastive divergence): declare
  ``supervised=False``; ``train_step`` receives labels but must not use them,
  and ``features(x)`` returns the representation that the harness's linear probe
  reads out.
* **Recurrent learning on sequences** (BPTT, fast weights, PredNet): a task of
  kind ``"sequence"`` has one whole sequence per example, ``x`` of shape
  ``(n, T, *features)``; batches of sequences go to ``train_step`` like any batch.
* **Online recurrent learning on streams** (RTRL, UORO, truncated BPTT): a task
  of kind ``"stream"`` hands consecutive chunks of one stream to ``train_step``;
  the learner carries its hidden state from chunk to chunk, and presentations
  count time steps.  Its validation and test splits are held-out sequences,
  which ``predict`` runs from the initial state without disturbing the state
  it carries in training.
* **Learned optimisers** (meta-trained first): the meta-training happens in
  ``build`` within the declared ``pretraining_presentations``, which the
  leaderboard reports apart from the task budget; the harness times ``build``
  separately as set-up time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

TASK_KINDS = ("classification", "regression", "sequence", "stream")
OBJECTIVES = ("classification", "regression")


@dataclass(frozen=True)
class Plausibility:
    """How biologically plausible a learning rule is, on three common axes."""

    weight_transport: bool  # does the backward signal reuse the forward weights?
    backward_phase: bool  # does it need a separate backward (or nudged) phase?
    local_updates: bool  # does each layer update from locally available signals only?


@dataclass(frozen=True)
class Algorithm:
    """A named learning rule.

    ``build(task, config, seed)`` returns a fresh ``Learner`` for the task's
    reference architecture (``task.architecture``), initialised from ``seed``.
    The harness calls it inside a ``torch.device`` context, so tensors made by
    factory functions land on the run's device.  ``config`` is ``defaults``
    overlaid with ``task_defaults[task.name]`` and with the user's overrides.
    """

    name: str
    family: str
    citation: str
    build: Callable[..., Learner]
    description: str = ""
    task_kinds: tuple[str, ...] = ("classification",)
    plausibility: Plausibility | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    task_defaults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # setting -> where `creditbench tune` looks, in the one form of harness.tuning.space, e.g. ("log-uniform", 1e-4, 1.0)
    search_space: Mapping[str, Any] = field(default_factory=dict)
    # setting -> why tuning leaves its default alone (e.g. "the paper's architecture"); every default is searched
    # or fixed (the conformance kit's check_search_space)
    fixed: Mapping[str, str] = field(default_factory=dict)
    uses_reference_architecture: bool = True
    supervised: bool = True
    pretraining_presentations: int = 0
    floors: Mapping[str, float] = field(default_factory=dict)  # task -> least quick-suite test score expected
    # (task, config) -> why this rule will not run it (e.g. a size limit), or None; declined runs are not planned
    declines: Callable[[Any, Mapping[str, Any]], str | None] | None = None
    # task -> why a quick-budget run of this rule on it is too slow for the quick suite's 10 minutes; the extended
    # suite runs those pairs, with the same budgets and seeds
    slow_tasks: Mapping[str, str] = field(default_factory=dict)
    # task -> (test accuracy the paper reports in a comparable setting, "source and setting"); shown beside ours
    published: Mapping[str, tuple[float, str]] = field(default_factory=dict)

    def config_for(self, task_name: str, overrides: Mapping[str, Any] | None = None) -> dict:
        return {**self.defaults, **self.task_defaults.get(task_name, {}), **(overrides or {})}

    def declined(self, task: Task, config: Mapping[str, Any]) -> str | None:
        """Why this rule does not run ``task``, or None if it does."""
        if task.kind not in self.task_kinds:
            return f"{self.name} does not support {task.kind} tasks"
        return self.declines(task, config) if self.declines else None


@dataclass(frozen=True)
class Budget:
    """What every rule gets on a task: a number of presentations, never a time, so that a score does not depend on
    the machine's speed.  The executor's time limit (``harness.execution.protocol``) is a safety limit, not a budget:
    a run that reaches it fails."""

    presentations: int  # examples (or stream time steps) shown to the learner


@dataclass(frozen=True)
class Splits:
    """Arrays as numpy: inputs float32 ``(n, *shape)``; labels int64 ``(n,)`` (classification) or
    float32 targets ``(n, *target_shape)`` (regression).  A stream task's training split is one
    stream, ``(T, *shape)``, and its other splits are held-out sequences ``(n, T, *shape)``."""

    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any
    x_test: Any
    y_test: Any


@dataclass(frozen=True)
class Task:
    """A dataset with fixed splits, an objective, a reference architecture, a budget, targets.

    The task's **score** (higher is better) is test accuracy for a classification
    objective and, for regression, the skill ``1 - MSE / MSE(baseline)``: 0 is as
    good as ``baseline`` (a function from inputs to predictions; by default the
    training targets' mean), 1 is perfect.  ``targets`` are score thresholds.
    """

    name: str
    kind: str
    description: str
    load: Callable[[], Splits]
    architecture: Any  # a spec from harness.architectures, e.g. MLP
    n_classes: int
    budget: Budget  # the standard budget
    quick_budget: Budget
    targets: tuple[float, ...]
    dataset: str = ""  # name of the dataset card in datasets/
    objective: str = "classification"
    baseline: Callable[[Any], Any] | None = None  # regression only
    # Tasks that differ in one parameter form a scaling ladder, e.g. ("adding", "sequence length", 100):
    # the report shows each rule's cost per step as that parameter grows.
    ladder: tuple[str, str, float] | None = None
    # A rung whose quick budget measures cost, not learning (nothing learns adding-1000 in 8 updates): the quick
    # suite leaves it out, the ladder suite runs it, the standard suite trains it on its full budget.
    ladder_only: bool = False
    # A task that only a full budget can show what it is for (the convolutional twins of the MLP tasks: a CNN's step
    # costs several MLP steps, and the quick suite's 10 minutes have no room for them): only the standard suite runs
    # it, not the quick, extended or selection suites; the ladder suite runs it when it is a rung of a ``ladder``.
    standard_only: bool = False
    # A toy that is there for one rule's claim (circling-ball, for spiking-rbm) rather than to rank every rule of its
    # kind: only the named suite runs it (and the selection suite, at quick budgets), not quick, extended or standard.
    suite: str = ""
    # norm ("l2", "linf") -> the radius at which the robustness metric reports robust accuracy
    robustness_radii: Mapping[str, float] = field(default_factory=dict)
    # A dataset read from the user's data folder (harness.tasks.data_folder) rather than shipped: raises
    # harness.errors.DatasetFilesError (one line) unless its files are there and official.  Only the scale suite runs
    # such tasks, and it leaves out those whose files are absent.
    check_files: Callable[[], None] | None = None

    @property
    def chance(self) -> float:
        """The score of guessing: uniform over classes, or the baseline's skill (0)."""
        return 1.0 / self.n_classes if self.objective == "classification" else 0.0

    @property
    def score_name(self) -> str:
        return "accuracy" if self.objective == "classification" else "skill"


@dataclass(frozen=True)
class Metric:
    """A metric computed after training from the run's trajectory and final learner.

    ``compute(run)`` receives a ``harness.training.loop.FinishedRun`` and returns a
    mapping of metric names to JSON values.
    """

    name: str
    description: str
    compute: Callable[[Any], Mapping[str, Any]]


class Learner(ABC):
    """The only object the training loop talks to while training.

    Subclasses implement ``train_step``, ``state_dict`` and ``load_state_dict``, and ``predict``
    (supervised) or ``features`` (unsupervised); ``surrogate``, ``update_direction``,
    ``apply_update_direction``, ``objective``, ``cost_counters`` and ``floor_step`` are optional.
    """

    @abstractmethod
    def train_step(self, x, y) -> None:
        """Consume one batch (inputs ``x``, labels ``y``) and update. Never modify ``x`` or ``y``."""

    def predict(self, x):
        """Class scores (logits) ``(n, n_classes)``, or regression predictions shaped like the targets,
        without updating anything.  Every supervised learner implements it; an unsupervised one
        (``Algorithm.supervised=False``) implements ``features`` instead."""
        raise NotImplementedError

    def surrogate(self):
        """A differentiable ``torch.nn.Module`` computing the forward pass, or None.

        Its parameters must be the learner's weights themselves (not copies),
        so the harness can compare the learner's update with backprop's gradient.
        """
        return None

    # (outputs, y) -> scalar loss, for a rule that descends a loss other than the task's (pc and ep: the squared
    # error on the one-hot target); gradient fidelity is then measured against both.
    objective: Callable | None = None

    def update_direction(self, x, y) -> dict | None:
        """The rule's update direction on a batch, before any optimiser state (momentum, Adam, clipping) touches it.

        Per name of a ``surrogate()`` parameter, a tensor shaped like it, with a gradient's sign (the rule
        steps along minus it); a parameter the rule does not update may be left out.  None (the default)
        when the rule has no direction, e.g. a genetic algorithm's selection.  The harness saves the
        learner's state before the call and restores it after, so the call may change it.
        """
        return None

    def apply_update_direction(self) -> bool:
        """Finish the training step that the preceding ``update_direction(x, y)`` began; False if the rule cannot.

        For a rule whose ``train_step`` is "compute the direction, then let the optimiser step along it",
        this is the second half (clipping and the optimiser step), so that ``update_direction`` followed by
        it is ``train_step``.  The gradient-fidelity probe then measures the applied update without
        computing the direction twice.  The default returns False and does nothing; the probe then runs
        ``train_step`` from the saved state instead.
        """
        return False

    def features(self, x):
        """The representation a linear probe reads (unsupervised learners)."""
        raise NotImplementedError

    def floor_step(self, x, y) -> None:
        """Only the work the algorithm cannot do without on this batch: its *algorithmic floor*.

        Say in the docstring what the floor is (EP: its free and nudged relaxations; UORO: one forward pass,
        one JVP and one VJP per time step); ``harness.algorithmic_floor`` times ``train_step`` over it, on a
        twin learner built from the same seed, so the call may change that learner's state.  Not
        implementing it (the default) declares no floor.
        """
        raise NotImplementedError

    def cost_counters(self) -> dict:
        """Cumulative counts of the rule's own cost units since ``build``, each counted per example.

        A unit spent on every example of a batch counts once per example: a relaxation step of a
        batch of 32 is 32 ``relaxation_iterations`` (EP) and an inference step 32
        ``inference_iterations`` (PC), scoring a population of 50 on it is 1,600
        ``population_evaluations`` (ES, GA), and training 2 inverses on it is 64
        ``inverse_reconstructions`` (DTP).  The leaderboard reports each per presentation, beside
        wall time and FLOPs, so the count does not depend on the batch size (the conformance kit
        checks that).
        """
        return {}

    @abstractmethod
    def state_dict(self) -> dict:
        """Everything needed to resume bit-for-bit: tensors, numbers, strings only.

        Return the live tensors (as ``nn.Module.state_dict`` does), not copies.
        """

    @abstractmethod
    def load_state_dict(self, state: dict) -> None:
        """Restore the state ``state_dict`` returned."""
