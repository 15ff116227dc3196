"""The convolutional layered network of Laborieux et al. (2021): ``dynamics.py``'s, with convolutions.

Laborieux, Ernoult, Scellier, Bengio, Grollier & Querlioz (2021). Scaling Equilibrium Propagation to Deep
ConvNets by Drastically Reducing Its Gradient Estimator Bias. Frontiers in Neuroscience 15, 633674, Eq. (9).

The states are the reference CNN's weighted layers' outputs, each after its pooling (and flattening, before a
fully connected layer): ``s_l = σ(·)`` of ``t_l(s_{l-1}) = P(W_l ∗ s_{l-1} + b_l)``, the transition that the
network's layer ``l`` and the pooling after it compute (its activation left out: σ takes its place).  The
primitive function is

    Φ(x, s, θ) = Σ_l s_l · t_l(s_{l-1}),        s_0 = x,

and every layer steps at once, ``s_{t+1} = σ(∂Φ/∂s(x, s_t, θ))``: the drive from below, ``t_l(s_{l-1})``, plus
the transposed convolution of the layer above's state through the pooling's switches, which autograd gives as
the pullback of ``s_{l+1}`` through ``t_{l+1}``, as the paper's code computes it.  On an MLP (no pooling) this is
``dynamics.EquilibriumNetwork``'s step exactly, which computes the same sums by hand.
"""

import torch
from torch import nn

from creditbench_equilibrium_propagation.dynamics import sigma
from harness import apply_modules, layer_blocks, leading_modules

SHAPING = (nn.MaxPool1d, nn.MaxPool2d, nn.Flatten)  # what a transition keeps of the modules after its layer


class ConvEquilibriumNetwork(nn.Module):
    """The layered network on a reference CNN; ``forward(x)`` is the output after the free phase."""

    def __init__(self, model: nn.Sequential, free_steps: int):
        super().__init__()
        blocks = layer_blocks(model)
        self.layers = nn.ModuleList(layer for layer, _ in blocks)
        self.shaping = [[module for module in following if isinstance(module, SHAPING)] for _, following in blocks]
        self.leading = leading_modules(model)
        self.free_steps = free_steps

    def transition(self, index: int, below: torch.Tensor) -> torch.Tensor:
        """``t_l``: layer ``index`` and the pooling after it, on the state (or input) below."""
        return apply_modules(self.shaping[index], self.layers[index](below))

    def rest(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The initial state of every relaxation: all layers at zero."""
        with torch.no_grad():
            signal, states = apply_modules(self.leading, x), []
            for index in range(len(self.layers)):
                signal = self.transition(index, signal)
                states.append(torch.zeros_like(signal))
        return states

    def input_drive(self, x: torch.Tensor) -> torch.Tensor:
        """``t_1(x)``: the input is static, so one drive serves every step of every relaxation on ``x``."""
        return self.transition(0, apply_modules(self.leading, x))

    def primitive_from(self, input_drive, states) -> torch.Tensor:
        """Φ given ``t_1(x)``, summed over the batch."""
        total = (states[0] * input_drive).sum()
        for index in range(1, len(self.layers)):
            total = total + (states[index] * self.transition(index, states[index - 1])).sum()
        return total

    def primitive(self, x, states) -> torch.Tensor:
        """Φ(x, s, θ), summed over the batch."""
        return self.primitive_from(self.input_drive(x), states)

    def step(self, input_drive, states, target=None, beta: float = 0.0) -> list[torch.Tensor]:
        """One synchronous step ``s ← σ(∂Φ/∂s)``, plus the nudge ``β (y − s_L)`` on the output if β ≠ 0.

        ∂Φ/∂s by autograd; recorded (for BPTT through the steps) when gradients are enabled, else not."""
        recording = torch.is_grad_enabled()
        drive = input_drive if recording else input_drive.detach()  # unrecorded, a step must not free its graph
        with torch.enable_grad():
            held = [s if recording and s.requires_grad else s.detach().requires_grad_() for s in states]
            drives = torch.autograd.grad(self.primitive_from(drive, held), held, create_graph=recording)
        following = [sigma(drive) for drive in drives]
        if beta:
            following[-1] = following[-1] + (target - states[-1]) * beta
        return following

    def relax(self, input_drive, states, steps: int, target=None, beta: float = 0.0) -> list[torch.Tensor]:
        """``steps`` synchronous steps from ``states``, on the input whose ``input_drive`` is given."""
        for _ in range(steps):
            states = self.step(input_drive, states, target, beta)
        return states

    def write_primitive_difference_gradient(self, x, states, reference, scale: float) -> None:
        """Add ``∂/∂θ −(Φ(x, states, θ) − Φ(x, reference, θ)) / scale`` to each ``.grad``, the states held fixed."""
        with torch.enable_grad():
            held, compared = ([s.detach() for s in side] for side in (states, reference))
            drive = self.input_drive(x)
            (-(self.primitive_from(drive, held) - self.primitive_from(drive, compared)) / scale).backward()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relax(self.input_drive(x), self.rest(x), self.free_steps)[-1]
