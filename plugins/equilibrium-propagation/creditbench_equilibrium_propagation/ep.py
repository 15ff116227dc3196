"""Equilibrium propagation in discrete time, optionally with symmetric nudging.

Ernoult, Grollier, Querlioz, Bengio & Scellier (2019), NeurIPS: relax freely for
T steps to s⁰ (the network's prediction), then nudge the output towards the
target for K steps from there, to s^β, and update

    ΔW ∝ (1/β) (∂Φ/∂W(x, s^β, θ) − ∂Φ/∂W(x, s⁰, θ)).

For a small β this matches minus the gradient of ``ℓ(s_T)`` computed by BPTT
through the last K free steps (the GDU property, their Theorem 1).

Laborieux, Ernoult, Scellier, Bengio, Grollier & Querlioz (2021). Scaling
Equilibrium Propagation to Deep ConvNets by Drastically Reducing Its Gradient
Estimator Bias. Frontiers in Neuroscience 15, 633674: nudge twice from s⁰, with
+β and with −β, and update

    ΔW ∝ (1/2β) (∂Φ/∂W(x, s^{+β}, θ) − ∂Φ/∂W(x, s^{−β}, θ)),

which cancels the estimate's O(β) bias, and also any drift left by a free phase
that has not quite settled (it moves both nudged phases alike).

Φ is bilinear in the weights, so ``∂Φ/∂W`` at fixed states is a local Hebbian
product (``s_{l+1} s_lᵀ``); the rule writes it by differentiating
``−(Φ(s^β) − Φ(s⁰)) / β`` with the states held fixed.
"""

import torch

from creditbench_equilibrium_propagation.dynamics import RelaxationCounter, build_learner, one_hot


class EquilibriumPropagation(RelaxationCounter):
    """Writes minus the EP update into ``.grad`` (the cost is the squared error: ``loss`` is not used)."""

    def __init__(self, nudged_steps: int, beta: float, symmetric: bool):
        super().__init__()
        self.nudged_steps = nudged_steps
        self.beta = beta
        self.symmetric = symmetric

    def __call__(self, model, x, y, loss) -> None:
        nudged, reference, span = self.relaxations(model, x, y)
        model.write_primitive_difference_gradient(x, nudged, reference, span * len(x))
        phases = 2 if self.symmetric else 1
        self.count(model.free_steps + phases * self.nudged_steps, len(x))

    def floor(self, model, x, y, loss) -> None:
        """The free relaxation and the nudged ones (+β, and −β when symmetric) alone: no Hebbian update, no step.

        The same relaxations as the rule's; the update that follows them reads the states (two local products
        per layer) and is what the floor leaves out.
        """
        self.relaxations(model, x, y)

    def relaxations(self, model, x, y) -> tuple[list, list, float]:
        """The nudged states, the states they are compared with (free, or nudged by −β) and the span (β or 2β)."""
        with torch.no_grad():
            drive = model.input_drive(x)
            free = model.relax(drive, model.rest(x), model.free_steps)
            target = one_hot(y, free[-1].shape[1], x)
            nudged = model.relax(drive, free, self.nudged_steps, target, self.beta)
            if self.symmetric:
                return nudged, model.relax(drive, free, self.nudged_steps, target, -self.beta), 2 * self.beta
            return nudged, free, self.beta


def build_ep_learner(task, config, seed):
    rule = EquilibriumPropagation(int(config["nudged_steps"]), float(config["beta"]), bool(config["symmetric_nudging"]))
    return build_learner(task, config, seed, rule)
