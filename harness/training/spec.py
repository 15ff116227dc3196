"""One run's specification and identity: (task, algorithm, config, seed) under a budget, and its store key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from harness.contract import Budget
from harness.execution.numerics import PINNED

FULL_BUDGET_TIME_LIMIT = 6 * 3600.0  # seconds; suites with quick budgets set less (harness.execution.suites)


@dataclass(frozen=True)
class RunSpec:
    """One (task, algorithm, config, seed) under a budget: what a worker needs to run it.

    ``time_limit`` is the run's safety limit in seconds (``harness.execution.suites``): the executor kills a
    run that passes it and records it as failed.  It is not part of the run's identity.
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

    def key(self, code_version: str, resolved_config: dict) -> str:
        """Identity for resuming: same suite, task, algorithm, overrides, resolved config, seed, budget, numerics and
        code version.

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
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()

    def label(self) -> str:
        return f"{self.task}::{self.algorithm}::seed{self.seed}"

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
