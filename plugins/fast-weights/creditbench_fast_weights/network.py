"""The fast-weights RNN of Ba, Hinton, Mnih, Leibo & Ionescu (2016).

A ReLU RNN whose hidden state h also writes a fast weight matrix A, a decaying sum of its own outer
products, which the next step reads in a short inner loop with layer normalisation (section 3 of the paper)::

    A(t)      = λ A(t−1) + η h(t) h(t)ᵀ
    h₀        = ReLU(W h(t) + C x(t+1) + b)
    hₛ₊₁      = ReLU(LN[W h(t) + C x(t+1) + b + A(t) hₛ]),   s = 0 … S−1
    h(t+1)    = h_S

``A(t) hₛ = η Σ_τ λ^(t−τ) h(τ) (h(τ)·hₛ)`` attends to past hidden states in proportion to their scalar
product with the current one.  A starts at zero in every sequence and lives in the recurrent state
(``h`` and ``vec(A)`` side by side), so backprop through time differentiates through it.  The prediction
is a linear readout of the last h, as in the reference RNN.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from harness import RecurrentNetwork

RECURRENT_SCALE = 0.05  # W starts at 0.05·I: the slow recurrence starts weak, the fast weights carry the memory


@dataclass(frozen=True)
class FastWeightsRNN:
    """The architecture: sizes, decay rate λ, fast learning rate η and inner-loop steps S."""

    input_size: int
    hidden_size: int
    output_size: int
    decay: float = 0.95
    fast_rate: float = 0.5
    inner_steps: int = 1

    def __post_init__(self):
        if not 0.0 <= self.decay <= 1.0:
            raise ValueError(f"decay must lie in [0, 1], not {self.decay}")
        if self.inner_steps < 1:
            raise ValueError(f"inner_steps must be at least 1, not {self.inner_steps}")

    def __str__(self) -> str:
        return (
            f"fast-weights RNN {self.input_size}-{self.hidden_size}-{self.output_size} "
            f"(λ={self.decay}, η={self.fast_rate}, S={self.inner_steps})"
        )

    def build(self, seed: int) -> FastWeightsNetwork:
        return FastWeightsNetwork(self, seed)


def _parameter(draw) -> nn.Parameter:
    return nn.Parameter(draw.to(torch.get_default_device()))


class FastWeightsNetwork(RecurrentNetwork):
    """``FastWeightsRNN`` as a module with the one-step API of ``harness.RecurrentNetwork``.

    Initialisation, from a CPU generator seeded with ``seed``: C normal with unit variance (on one-hot
    inputs C is a table of character embeddings, initialised as ``nn.Embedding`` does; the paper learns an
    embedding too), W = 0.05·I, zero bias, layer-norm gain 1 and bias 0, and the readout uniform in
    ±1/sqrt(hidden) (``nn.Linear``'s default).
    """

    def __init__(self, spec: FastWeightsRNN, seed: int):
        super().__init__()
        generator = torch.Generator(device="cpu").manual_seed(seed)
        hidden, bound = spec.hidden_size, spec.hidden_size**-0.5
        self.spec = spec
        self.hidden_size = hidden
        self.state_size = hidden + hidden * hidden
        self.readout_mode = "last"
        self.input_weight = _parameter(torch.randn((hidden, spec.input_size), generator=generator, device="cpu"))
        self.recurrent_weight = _parameter(RECURRENT_SCALE * torch.eye(hidden))
        self.bias = _parameter(torch.zeros(hidden))
        self.norm_gain = _parameter(torch.ones(hidden))
        self.norm_bias = _parameter(torch.zeros(hidden))
        self.readout_weight = _parameter(
            torch.empty(spec.output_size, hidden, device="cpu").uniform_(-bound, bound, generator=generator)
        )
        self.readout_bias = _parameter(torch.empty(spec.output_size).uniform_(-bound, bound, generator=generator))
        self.cell_names = ("input_weight", "recurrent_weight", "bias", "norm_gain", "norm_bias")
        self.readout_names = ("readout_weight", "readout_bias")

    def split_state(self, state):
        """``(…, state_size)`` → h ``(…, hidden)`` and A ``(…, hidden, hidden)``."""
        hidden = self.hidden_size
        return state[..., :hidden], state[..., hidden:].unflatten(-1, (hidden, hidden))

    def drive(self, params, x):
        """The input's share of the slow pre-activation, C x + b, for one step or (in ``forward``) all at once."""
        return F.linear(x, params["input_weight"], params["bias"])

    def step(self, params, hidden, fast, drive):
        """One time step from h ``(…, hidden)`` and A ``(…, hidden, hidden)``: the next h and the A it read."""
        fast = torch.addcmul(
            self.spec.decay * fast, hidden[..., :, None], hidden[..., None, :], value=self.spec.fast_rate
        )
        slow = drive + hidden @ params["recurrent_weight"].T
        inner = torch.relu(slow)
        for _ in range(self.spec.inner_steps):
            attended = slow + (fast @ inner[..., None])[..., 0]
            inner = torch.relu(F.layer_norm(attended, (self.hidden_size,), params["norm_gain"], params["norm_bias"]))
        return inner, fast

    def cell(self, params, state, x):
        hidden, fast = self.step(params, *self.split_state(state), self.drive(params, x))
        return torch.cat([hidden, fast.flatten(-2)], dim=-1)

    def forward(self, x):
        # The base class's unroll-and-read, without packing A into one state vector at every step and with the
        # input drive of all steps in one product: a third faster on short sequences.
        params = dict(self.named_parameters())
        hidden, fast = self.split_state(self.initial_state(len(x)))
        drives = self.drive(params, x)
        for t in range(x.shape[1]):
            hidden, fast = self.step(params, hidden, fast, drives[:, t])
        return self.readout(params, hidden)

    def readout(self, params, state):
        return state[..., : self.hidden_size] @ params["readout_weight"].T + params["readout_bias"]
