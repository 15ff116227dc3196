"""The influence-balancing task's model: a linear dynamical system with one scalar parameter θ
(Tallec & Ollivier 2017; see ``harness.tasks.influence_balancing``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LinearDynamics:
    """The influence-balancing model: ``units`` linear units, the first ``positive`` driven by +θ, the rest by −θ."""

    units: int = 23
    positive: int = 10
    input_size = 1
    output_size = 1

    def __str__(self) -> str:
        return f"linear dynamics, {self.units} units ({self.positive} driven by +θ), one parameter θ"

    def transition(self):
        import numpy as np

        return 0.5 * (np.eye(self.units) + np.eye(self.units, k=1))

    def signs(self):
        import numpy as np

        return np.where(np.arange(self.units) < self.positive, 1.0, -1.0)

    def optimum(self) -> float:
        """θ* such that the steady state's read-out unit is exactly 1."""
        import numpy as np

        steady_per_theta = np.linalg.solve(np.eye(self.units) - self.transition(), self.signs())[0]
        return float(1.0 / steady_per_theta)

    def build(self, seed: int):
        from harness.architectures.recurrent_networks import LinearDynamicsNetwork

        return LinearDynamicsNetwork(self, seed)
