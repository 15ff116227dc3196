"""Recurrent networks written as one step, so that learning rules can differentiate a step on its own.

A ``RecurrentNetwork`` maps a batch of sequences ``(n, T, features)`` to predictions: ``(n, outputs)``
from the last step (``readout="last"``) or ``(n, T, outputs)`` from every step (``readout="every"``).
Its forward pass is built from three functions of a parameter dict, pure enough for ``torch.func``
(``jvp``, ``vjp``, ``jacrev``, ``vmap``):

* ``initial_state(n)``: the state before the first input, ``(n, state_size)``;
* ``cell(params, state, x)``: one step, ``(n, state_size)`` and ``(n, features)`` to ``(n, state_size)``;
  a network with ``per_example_parameters`` also takes parameters with a leading example dimension
  ``(n, *shape)``, each example stepping with its own (what ``vmap`` over the examples would compute, without
  its per-call cost), so that reverse mode gives per-example derivatives;
* ``readout(params, state)``: the prediction read from a state, ``(..., state_size)`` to ``(..., outputs)``.

The state is one flat tensor per example (an LSTM's holds h and c side by side).  ``cell`` reads only
the parameters named in ``cell_names`` and ``readout`` only those in ``readout_names``, so forward-mode
rules (RTRL, UORO) track the influence of the cell's parameters on the state and take the readout's
gradient directly; backprop through time just calls the module.
"""

from __future__ import annotations

import torch
from torch import nn


def _uniform(shape, bound: float, generator) -> nn.Parameter:
    """A parameter drawn uniformly in ±bound from a CPU generator (so that it does not depend on the device)."""
    draw = torch.empty(shape, device="cpu").uniform_(-bound, bound, generator=generator)
    return nn.Parameter(draw.to(torch.get_default_device()))


def _apply(vectors, weight):
    """``vectors @ weight.T``; a weight ``(n, out, in)`` applies example k's own to row k of ``vectors`` (as a
    batched matrix product, the one ``vmap`` uses)."""
    if weight.dim() == 2:
        return vectors @ weight.T
    return (vectors[:, None] @ weight.mT)[:, 0]


class RecurrentNetwork(nn.Module):
    """The shared forward pass; subclasses define ``cell``, ``readout``, ``state_size`` and the names."""

    state_size: int
    readout_mode: str  # "last" or "every"
    cell_names: tuple[str, ...]
    readout_names: tuple[str, ...]
    per_example_parameters = False

    def cell(self, params: dict, state, x):
        raise NotImplementedError

    def readout(self, params: dict, state):
        raise NotImplementedError

    def initial_state(self, n: int):
        parameter = next(iter(self.parameters()))
        return torch.zeros(n, self.state_size, dtype=parameter.dtype, device=parameter.device)

    def unroll(self, x, state):
        """The states after each step of ``x`` ``(n, T, features)`` from ``state``: ``(n, T, state_size)``."""
        params = dict(self.named_parameters())
        states = []
        for t in range(x.shape[1]):
            state = self.cell(params, state, x[:, t])
            states.append(state)
        return torch.stack(states, 1)

    def forward(self, x):
        states = self.unroll(x, self.initial_state(len(x)))
        params = dict(self.named_parameters())
        return self.readout(params, states if self.readout_mode == "every" else states[:, -1])


class CellNetwork(RecurrentNetwork):
    """``harness.architectures.RNN``: an Elman (tanh), IRNN or LSTM layer and a linear readout.

    Initialisation, from a CPU generator seeded with ``seed``: every weight and bias uniform in
    ±1/sqrt(hidden) (PyTorch's default for ``nn.RNN`` and ``nn.LSTM``), the readout uniform in
    ±1/sqrt(hidden) (``nn.Linear``'s).  The IRNN (Le, Jaitly & Hinton 2015) starts from an identity
    recurrent matrix and zero biases instead.
    """

    def __init__(self, spec, seed: int):
        super().__init__()
        generator = torch.Generator(device="cpu").manual_seed(seed)
        hidden, gates = spec.hidden_size, spec.hidden_size * (4 if spec.cell == "lstm" else 1)
        bound = hidden**-0.5
        self.kind = spec.cell
        self.hidden_size = hidden
        self.state_size = 2 * hidden if spec.cell == "lstm" else hidden
        self.readout_mode = spec.readout
        self.input_weight = _uniform((gates, spec.input_size), bound, generator)
        self.recurrent_weight = _uniform((gates, hidden), bound, generator)
        self.recurrent_bias = _uniform((gates,), bound, generator)
        if spec.cell == "irnn":
            with torch.no_grad():
                self.recurrent_weight.copy_(torch.eye(hidden))
                self.recurrent_bias.zero_()
        self.readout_weight = _uniform((spec.output_size, hidden), bound, generator)
        self.readout_bias = _uniform((spec.output_size,), bound, generator)
        self.cell_names = ("input_weight", "recurrent_weight", "recurrent_bias")
        self.readout_names = ("readout_weight", "readout_bias")

    per_example_parameters = True

    def cell(self, params, state, x):
        hidden = state[..., : self.hidden_size]
        drive = (
            _apply(x, params["input_weight"]) + _apply(hidden, params["recurrent_weight"]) + params["recurrent_bias"]
        )
        if self.kind == "tanh":
            return torch.tanh(drive)
        if self.kind == "irnn":
            return torch.relu(drive)
        in_gate, forget_gate, candidate, out_gate = drive.chunk(4, dim=-1)
        memory = torch.sigmoid(forget_gate) * state[..., self.hidden_size :] + torch.sigmoid(in_gate) * torch.tanh(
            candidate
        )
        return torch.cat([torch.sigmoid(out_gate) * torch.tanh(memory), memory], dim=-1)

    def readout(self, params, state):
        return state[..., : self.hidden_size] @ params["readout_weight"].T + params["readout_bias"]


class LinearDynamicsNetwork(RecurrentNetwork):
    """``harness.architectures.LinearDynamics``: ``s' = A s + x θ signs``, read out as ``s[0]``.

    The only parameter is the scalar θ (drawn uniformly in [-1, 1] from ``seed``); ``A`` and the signs
    are fixed buffers.
    """

    def __init__(self, spec, seed: int):
        super().__init__()
        generator = torch.Generator(device="cpu").manual_seed(seed)
        self.theta = _uniform((1,), 1.0, generator)
        device = torch.get_default_device()
        self.register_buffer("transition", torch.as_tensor(spec.transition(), dtype=torch.float32, device=device))
        self.register_buffer("signs", torch.as_tensor(spec.signs(), dtype=torch.float32, device=device))
        self.state_size = spec.units
        self.readout_mode = "every"
        self.cell_names = ("theta",)
        self.readout_names = ()

    per_example_parameters = True  # the cell only broadcasts θ

    def cell(self, params, state, x):
        return state @ self.transition.T + x * params["theta"] * self.signs

    def readout(self, params, state):
        return state[..., :1]
