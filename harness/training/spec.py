"""One run's specification and identity: (task, algorithm, config, seed) under a budget, and its store key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from harness.contract import Budget
from harness.execution.numerics import PINNED

FULL_BUDGET_TIME_LIMIT = 6 * 3600.0  # seconds; suites with quick budgets set less (harness.execution.suites)
LEAN_METRICS = ("score",)  # the metrics a lean run computes: its final validation score and loss


@dataclass(frozen=True)
class RunSpec:
    """One (task, algorithm, config, seed) under a budget: what a worker needs to run it.

    ``time_limit`` is the run's safety limit in seconds (``harness.execution.suites``): the executor kills a
    run that passes it and records it as failed.  It is not part of the run's identity.

    A **lean** run (``lean=True``, ``creditbench run --lean``) exists for its validation score only, as a
    tuner needs: it trains exactly as the full run does, but its evaluations score the validation split
    alone (the test split is not loaded), it runs no gradient-fidelity or cost probes, and of the metrics
    only ``score`` (``LEAN_METRICS``), which then holds the final validation score and loss.  Its
    validation curve is the full run's, bit for bit.  It is a run of its own in the store (lean is part of
    the key) and never an entry of the leaderboard (``harness.report.aggregate``).

    ``trial`` (tuning's, lean runs only) names the Optuna trial the run reports its validation evaluations to
    while it trains, which may stop it early (``harness.tuning.pruning``).  It is not part of the run's identity:
    the run is the configuration's, whichever trial asked for it.

    ``tuning`` is the provenance of a run of the ``tuned`` suite (``harness.tuning.tuned``): the study whose best
    configuration it runs, with the study's counted trials, sampler and budget.  It is part of the identity.
    """

    task: str
    algorithm: str
    seed: int
    budget: Budget
    config: dict = field(default_factory=dict)  # the user's overrides of the algorithm's defaults
    suite: str = "custom"
    device: str = "cpu"
    numerics: str = PINNED  # pinned to the AVX2 baseline, or "native" (harness.execution.numerics)
    time_limit: float = FULL_BUDGET_TIME_LIMIT
    lean: bool = False
    trial: dict | None = None
    tuning: dict | None = None

    def __post_init__(self):
        if self.trial is not None and not self.lean:
            raise ValueError("only a lean run reports to a tuning trial (it may be stopped early)")

    def key(self, code_version: str, resolved_config: dict) -> str:
        """Identity for resuming: same suite, task, algorithm, overrides, resolved config, seed, budget, numerics,
        device (a GPU's result is not the CPU's) and code version.

        The suite is part of it because a stored run belongs to one suite: a run that two suites plan alike (the
        adding-10 rung is in the quick and the ladder suites) is run and stored in each.  The time limit is not:
        a finished run finished within any limit that let it finish, and one that exceeded its limit is rerun
        under a larger one (``harness.execution.matrix``).
        """
        identity = {
            "suite": self.suite,
            "task": self.task,
            "algorithm": self.algorithm,
            "seed": self.seed,
            "budget": asdict(self.budget),
            "config": self.config,
            "resolved_config": resolved_config,
            "numerics": self.numerics,
            "code": code_version,
        }
        if not self.device.startswith("cpu"):  # only then: the keys of CPU runs stay what they were before
            identity["device"] = self.device
        if self.lean:  # only then: the keys of full runs stay what they were before lean runs existed
            identity["lean"] = True
        if self.tuning is not None:
            identity["tuning"] = self.tuning
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()

    def label(self) -> str:
        return f"{self.task}::{self.algorithm}::seed{self.seed}" + ("::lean" if self.lean else "")

    def splits(self) -> tuple[str, ...]:
        """The splits this run reads: a lean run never the test split."""
        return ("train", "val") if self.lean else ("train", "val", "test")

    def fields(self) -> dict:
        """The spec as plain data (for a worker process); ``from_fields`` inverts it."""
        return asdict(self)

    @classmethod
    def from_fields(cls, fields: dict) -> RunSpec:
        return cls(**{**fields, "budget": Budget(**fields["budget"])})


def code_version(registry, spec: RunSpec) -> str:
    """The versions a result depends on: the harness and the algorithm's distribution."""
    from harness import __version__

    return f"creditbench=={__version__};{registry.versions.get(spec.algorithm, '?')}"


def run_key(registry, spec: RunSpec) -> str:
    """The store key of a run.  It includes the algorithm's resolved config (defaults included), so that a
    changed default is a new run even if the plugin's version was not bumped."""
    resolved = registry.algorithm(spec.algorithm).config_for(spec.task, spec.config)
    return spec.key(code_version(registry, spec), resolved)
