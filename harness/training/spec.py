"""One run's specification and identity: (task, algorithm, config, seed) under a budget, and its store key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from harness.contract import Budget
from harness.execution.numerics import PINNED


@dataclass(frozen=True)
class RunSpec:
    """One (task, algorithm, config, seed) under a budget: what a worker needs to run it."""

    task: str
    algorithm: str
    seed: int
    budget: Budget
    config: dict = field(default_factory=dict)  # the user's overrides of the algorithm's defaults
    suite: str = "custom"
    device: str = "cpu"
    numerics: str = PINNED  # pinned to the AVX2 baseline, or "native" (harness.execution.numerics)

    def key(self, code_version: str, resolved_config: dict) -> str:
        """Identity for resuming: same task, algorithm, overrides, resolved config, seed, budget, numerics and code
        version."""
        identity = {
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
