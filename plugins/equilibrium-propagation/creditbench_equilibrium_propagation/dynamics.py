"""The discrete-time layered network of Ernoult et al. (2019), "prototypical" setting: Φ and its relaxation.

Ernoult, Grollier, Querlioz, Bengio & Scellier (2019). Updates of Equilibrium Prop
Match Gradients of Backprop Through Time in an RNN with Static Input. NeurIPS.

The input ``x = s_0`` is clamped; the states ``s_1 … s_L`` (hidden layers, then
the output) evolve.  With weights ``W_l`` from layer ``l`` to ``l+1`` and biases
``b_l``, the primitive function is

    Φ(x, s, θ) = Σ_l s_{l+1} · (W_l s_l + b_l)

and every layer steps at once, ``s_{t+1} = σ(∂Φ/∂s(x, s_t, θ))``:

    s_{l,t+1} = σ(W_{l-1} s_{l-1,t} + b_{l-1} + W_lᵀ s_{l+1,t}),

with σ(u) = 1 / (1 + exp(−4(u − ½))), the smooth counterpart of the hard
sigmoid (same range, slope 1 at ½) used for MLPs by both papers' code.  With
the hard sigmoid an output unit clamped at 0 for every input has σ' = 0: BPTT
can never revive it (EP can, its nudge is added outside σ), and on some seeds
the baseline lost whole classes.  The cost is the paper's squared
error ``ℓ = ½‖s_L − y‖²`` on the one-hot target; nudging with strength β adds
``−β ∂ℓ/∂s_L = β (y − s_L)`` to the output's step.
"""

import torch
import torch.nn.functional as F
from torch import nn

from harness import CNN, GradientLearner, one_hot_squared_error


def sigma(drive: torch.Tensor) -> torch.Tensor:
    return (drive - 0.5).mul_(4).sigmoid_()  # σ(u) = sigmoid(4(u − ½)), one allocation


def one_hot(labels: torch.Tensor, n_classes: int, like: torch.Tensor) -> torch.Tensor:
    return F.one_hot(labels, n_classes).to(like.dtype)


class EquilibriumNetwork(nn.Module):
    """The layered network; ``forward(x)`` is the output after the free phase (``free_steps`` steps from rest)."""

    def __init__(self, layers: list[nn.Linear], free_steps: int):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.free_steps = free_steps

    def rest(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The initial state of every relaxation: all layers at zero."""
        return [x.new_zeros(len(x), layer.out_features) for layer in self.layers]

    def input_drive(self, x: torch.Tensor) -> torch.Tensor:
        """``W_0 x + b_0``: the input is static, so one drive serves every step of every relaxation on ``x``."""
        return self.layers[0](x)

    def step(self, input_drive, states, target=None, beta: float = 0.0) -> list[torch.Tensor]:
        """One synchronous step ``s ← σ(∂Φ/∂s)``, plus the nudge ``β (y − s_L)`` on the output if β ≠ 0."""
        # The relaxation is nearly all of EP's time: functional calls rather than modules', and each sum written
        # as `fresh.add_(other)` (addition commutes exactly, so the values are those of `other + fresh`).
        weights = [layer.weight for layer in self.layers]
        top = len(weights) - 1
        following = []
        for index, weight in enumerate(weights):
            if index == 0:
                drive = input_drive
            else:
                drive = F.linear(states[index - 1], weight, self.layers[index].bias)
            if index < top:
                drive = torch.mm(states[index + 1], weights[index + 1]).add_(drive)
            following.append(sigma(drive))
        if beta:
            following[-1].add_((target - states[-1]).mul_(beta))
        return following

    def relax(self, input_drive, states, steps: int, target=None, beta: float = 0.0) -> list[torch.Tensor]:
        """``steps`` synchronous steps from ``states``, on the input whose ``input_drive`` is given."""
        for _ in range(steps):
            states = self.step(input_drive, states, target, beta)
        return states

    def primitive(self, x, states) -> torch.Tensor:
        """Φ(x, s, θ), summed over the batch."""
        below = [x, *states[:-1]]
        return sum((above * layer(inputs)).sum() for layer, inputs, above in zip(self.layers, below, states))

    def write_primitive_difference_gradient(self, x, states, reference, scale: float) -> None:
        """Add ``∂/∂θ −(Φ(x, states, θ) − Φ(x, reference, θ)) / scale`` to each ``.grad``, the states held fixed.

        Φ is bilinear, so the gradient is the local products ``s_{l+1} s_lᵀ``; they are written directly,
        with the very operations (and so the values) that autograd's backward through ``primitive`` performs,
        without its forward pass.
        """
        seed = x.new_ones(()).div(scale).neg()  # what autograd's backward reaches Φ(states) with
        for held, sign in ((states, seed), (reference, seed.neg())):
            for index, layer in enumerate(self.layers):
                above = held[index] * sign
                below = x if index == 0 else held[index - 1]
                for parameter, gradient in ((layer.weight, torch.mm(above.t(), below)), (layer.bias, above.sum(0))):
                    parameter.grad = gradient if parameter.grad is None else parameter.grad + gradient

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relax(self.input_drive(x), self.rest(x), self.free_steps)[-1]


class RelaxationCounter:
    """Counts relaxation steps, one per example per step, for ``cost_counters``."""

    def __init__(self):
        self.iterations = 0

    def count(self, steps: int, batch_size: int) -> None:
        self.iterations += steps * batch_size

    def cost_counters(self) -> dict:
        return {"relaxation_iterations": self.iterations}

    def state_dict(self) -> dict:
        return {"relaxation_iterations": self.iterations}

    def load_state_dict(self, state: dict) -> None:
        self.iterations = state["relaxation_iterations"]


def build_learner(task, config, seed, rule) -> GradientLearner:
    """The reference architecture's weights and initialisation, relaxed (an MLP's as here, a CNN's as in
    ``conv_dynamics``); SGD with one learning rate per weighted layer."""
    model = task.architecture.build(seed)
    if isinstance(task.architecture, CNN):
        from creditbench_equilibrium_propagation.conv_dynamics import ConvEquilibriumNetwork

        network = ConvEquilibriumNetwork(model, int(config["free_steps"]))
    else:
        network = EquilibriumNetwork([m for m in model if isinstance(m, nn.Linear)], int(config["free_steps"]))
    rates = list(config["lrs"])
    if len(rates) != len(network.layers):
        raise ValueError(f"lrs has {len(rates)} learning rates for {len(network.layers)} layers")
    groups = [{"params": layer.parameters(), "lr": rate} for layer, rate in zip(network.layers, rates)]
    # Both rules descend the squared error ℓ = ½‖s_L − y‖², so gradient fidelity is measured against it too.
    return GradientLearner(network, torch.optim.SGD(groups), direction=rule, objective=one_hot_squared_error)
