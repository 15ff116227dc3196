"""The coordinatewise LSTM optimiser of Andrychowicz et al. (2016) and its meta-training.

One small two-layer LSTM is applied to every coordinate of the optimisee's
parameters independently (a batch of coordinates), each with its own hidden
state: it reads the coordinate's gradient and outputs the coordinate's update,
θ ← θ + m(∇f(θ)).  Meta-training unrolls that optimisation on random
quadratics (``harness.tasks.quadratics``) and trains the LSTM's weights by truncated
backpropagation through time on the sum of the losses along the trajectory,
with the optimisee's gradients treated as inputs (no second derivatives), as
in the paper.

One change from the paper, ours, on by default except on the quadratics
themselves (config ``odd``): the update is made odd in the gradient,
m(−∇) = −m(∇), by running the LSTM on ∇ and on −∇ (each with its own state)
and halving the difference of the read-outs.  The two run as separate calls of
one shape, not one batch, so that they go through the same kernels and a zero
gradient gives exactly zero on every CPU.
The quadratic family is symmetric under (W, y) → (W, −y), which flips θ's
whole trajectory and every gradient, so the ideal rule is odd; a plain LSTM
meta-trained for a few seconds is not, and its non-zero update at zero
gradient is a drift.  Within 100 steps on a quadratic the drift costs little,
but on a network's weights, over hundreds of steps, it walks them away (see
the README).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from harness import quadratics

PREPROCESSING_P = 10.0  # the paper's p (appendix A)


def preprocess(gradient, p: float = PREPROCESSING_P):
    """The paper's gradient preprocessing: (log|g| / p, sign g) if |g| ≥ e^−p, else (−1, e^p g).

    Puts gradients of any magnitude on a common scale, so an optimiser
    meta-trained on one family of problems sees familiar inputs on another.
    """
    magnitude = gradient.abs()
    large = magnitude >= math.exp(-p)
    log_part = torch.where(large, magnitude.clamp_min(math.exp(-p)).log() / p, -torch.ones_like(gradient))
    sign_part = torch.where(large, gradient.sign(), math.exp(p) * gradient)
    return torch.stack((log_part, sign_part), dim=-1)


class CoordinatewiseLSTM(nn.Module):
    """m(∇, h): two LSTM layers and a linear read-out, shared by all coordinates; optionally odd in ∇.

    The state of ``n`` coordinates is a tuple with one entry per LSTM run (for ∇, then for −∇ if ``odd``),
    each both layers' hidden and cell states ``(h1, c1, h2, c2)``, each ``(n, hidden)``: the tensors the
    LSTM cells returned, carried as they are rather than packed into one.  ``output_scale`` multiplies the
    read-out, so that an untrained optimiser takes small steps.
    """

    def __init__(self, hidden: int, preprocessing: bool, output_scale: float, odd: bool, seed: int):
        super().__init__()
        self.hidden = hidden
        self.odd = odd
        self.preprocessing = preprocessing
        self.output_scale = output_scale
        self.layer1 = nn.LSTMCell(2 if preprocessing else 1, hidden)
        self.layer2 = nn.LSTMCell(hidden, hidden)
        self.readout = nn.Linear(hidden, 1)
        # PyTorch's LSTM initialisation, U(±1/√hidden), drawn from the seed rather than the global generator.
        generator = torch.Generator(device="cpu").manual_seed(seed)
        bound = hidden**-0.5
        with torch.no_grad():
            for parameter in self.parameters():
                draw = torch.empty(parameter.shape, device="cpu").uniform_(-bound, bound, generator=generator)
                parameter.copy_(draw)

    def initial_state(self, n: int):
        device = self.readout.weight.device
        return tuple(
            tuple(torch.zeros(n, self.hidden, device=device) for _ in range(4)) for _ in range(2 if self.odd else 1)
        )

    def _step(self, gradient, state):
        """Read-outs ``(n,)`` for gradients ``(n,)`` and one run's state ``(h1, c1, h2, c2)``, and its next state."""
        inputs = preprocess(gradient) if self.preprocessing else gradient.unsqueeze(-1)
        h1, c1 = self.layer1(inputs, state[:2])
        h2, c2 = self.layer2(h1, state[2:])
        return self.readout(h2).squeeze(-1), (h1, c1, h2, c2)

    def readouts(self, gradient, state):
        """The LSTM's read-outs for gradients ``(n,)``, one ``(n,)`` per run (∇, then −∇ if ``odd``), and the next state."""
        if not self.odd:
            out, next_state = self._step(gradient, state[0])
            return (out,), (next_state,)
        # ∇ and −∇ as two calls of one shape on fresh contiguous tensors, not one batch of 2n rows: rows of one batch
        # (or a view at an offset) can take different kernels, and then a zero gradient would move.  The states are
        # the cells' own outputs, so fresh too.
        plus, plus_state = self._step(gradient.clone(memory_format=torch.contiguous_format), state[0])
        minus, minus_state = self._step(-gradient, state[1])
        return (plus, minus), (plus_state, minus_state)

    def forward(self, gradient, state):
        """Updates ``(n,)`` for gradients ``(n,)``, and the next state."""
        outs, state = self.readouts(gradient, state)
        if not self.odd:
            return outs[0] * self.output_scale, state
        plus, minus = outs
        return (plus - minus) / 2 * self.output_scale, state


def detached(state):
    """A state cut from the graph that computed it (truncated BPTT)."""
    return tuple(tuple(tensor.detach() for tensor in run) for run in state)


def optimise_quadratics(network: CoordinatewiseLSTM, w, y, steps: int):
    """Run the learned optimiser from θ = 0 on a batch of quadratics; f after each step, ``(steps, B)``."""
    theta = w.new_zeros(len(w), quadratics.DIMENSION)
    state = network.initial_state(theta.numel())
    losses = []
    with torch.no_grad():
        for _ in range(steps):
            update, state = network(quadratics.quadratic_gradient(w, y, theta).reshape(-1), state)
            theta = theta + update.view_as(theta)
            losses.append(quadratics.quadratic_loss(w, y, theta))
    return torch.stack(losses)


def meta_train(config, seed: int) -> CoordinatewiseLSTM:
    """An optimiser meta-trained on the quadratics of ``seed``, deterministic given ``config`` and ``seed``.

    Each iteration optimises a fresh batch of quadratics for ``unroll_steps``
    steps from θ = 0; every ``truncation`` steps the loss summed along the
    truncation (mean over the batch) is backpropagated into the LSTM and Adam steps it (truncated
    BPTT), then the trajectory continues from where it was, detached.  Adam's
    rate follows a cosine decay to zero over the meta-training (ours: with a
    budget of a few seconds, it makes the result depend less on the last
    batches).
    """
    network = CoordinatewiseLSTM(config["hidden"], config["preprocessing"], config["output_scale"], config["odd"], seed)
    batch, steps, truncation = config["meta_batch"], config["unroll_steps"], config["truncation"]
    meta_optimiser = torch.optim.Adam(network.parameters(), lr=config["meta_lr"])
    meta_steps = config["meta_iterations"] * math.ceil(steps / truncation)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(meta_optimiser, T_max=meta_steps)
    device = network.readout.weight.device
    w_all, y_all = (
        torch.as_tensor(a, device=device) for a in quadratics.sample_quadratics(config["meta_iterations"] * batch, seed)
    )
    for iteration in range(config["meta_iterations"]):
        w, y = w_all[iteration * batch : (iteration + 1) * batch], y_all[iteration * batch : (iteration + 1) * batch]
        theta = w.new_zeros(batch, quadratics.DIMENSION)
        state = network.initial_state(theta.numel())
        for start in range(0, steps, truncation):
            meta_loss = 0.0
            for _ in range(min(truncation, steps - start)):
                gradient = quadratics.quadratic_gradient(w, y, theta.detach())  # an input: no second derivatives
                update, state = network(gradient.reshape(-1), state)
                theta = theta + update.view_as(theta)
                meta_loss = meta_loss + quadratics.quadratic_loss(w, y, theta).mean()
            meta_optimiser.zero_grad()
            meta_loss.backward()
            meta_optimiser.step()
            schedule.step()
            theta, state = theta.detach(), detached(state)
    return network.requires_grad_(False)


class LearnedOptimizer(torch.optim.Optimizer):
    """A torch optimiser whose step is the meta-trained LSTM, coordinate by coordinate.

    Each parameter tensor keeps the LSTM state of its coordinates in the
    optimiser state; ``state_dict`` carries the LSTM's weights too, so a
    restored learner needs nothing from its own build.
    """

    def __init__(self, params, network: CoordinatewiseLSTM):
        super().__init__(params, {})
        self.network = network
        for group in self.param_groups:
            for parameter in group["params"]:
                self.state[parameter]["lstm_state"] = network.initial_state(parameter.numel())

    @torch.no_grad()
    def step(self, closure=None):
        for parameter, state in self._with_gradients():
            update, state["lstm_state"] = self.network(parameter.grad.reshape(-1), state["lstm_state"])
            parameter.add_(update.view_as(parameter))

    @torch.no_grad()
    def advance_lstm(self) -> None:
        """Run the LSTM on every coordinate's gradient and keep its next state, without updating anything."""
        for parameter, state in self._with_gradients():
            _, state["lstm_state"] = self.network.readouts(parameter.grad.reshape(-1), state["lstm_state"])

    def _with_gradients(self):
        for group in self.param_groups:
            for parameter in group["params"]:
                if parameter.grad is not None:
                    yield parameter, self.state[parameter]

    def state_dict(self):
        return {**super().state_dict(), "network": self.network.state_dict()}

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        self.network.load_state_dict(state_dict.pop("network"))
        super().load_state_dict(state_dict)
