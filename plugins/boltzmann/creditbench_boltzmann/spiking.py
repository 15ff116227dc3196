"""The RBM through time of Hinton & Brown (2000), "Spiking Boltzmann machines", trained by contrastive divergence.

Binary hidden units ``h`` and Bernoulli visible units ``v`` (the pixels of a frame) are connected at every time
step as in an RBM, by the symmetric weights ``W``, and every pair of units is also connected forward in time:
unit ``i``'s state at time ``t − τ`` acts on unit ``j`` at time ``t`` through ``w_ij · r(τ)``, the pair's
weight times a fixed causal kernel ``r(τ) = decay^τ`` (``τ ≥ 1``).  The past therefore enters through the
kernel-filtered histories ``v̄(t) = Σ_{τ≥1} decay^τ v(t − τ)`` and ``h̄(t)`` alike, which one multiply and add
per unit keep up to date, and the delayed weights are four matrices: the paper's prior connections
visible-to-visible ``A`` and hidden-to-hidden ``B``, and the delayed visible-to-hidden ``Q`` and
hidden-to-visible ``P``.  (Tying ``P`` and ``Q`` to ``W`` makes the past only pull each unit towards its own
last state; measured on circling-ball's validation split, seeds 1000-1001, CD-10, 8,000 presentations, with
a hand-written loop over the training split, that tied model scores a skill of −0.77 against the untied one's
0.37 / 0.45.)

The past is treated as data: given ``v̄`` and ``h̄`` (the hidden units' past *samples*), time ``t`` is an RBM
whose biases the past sets,

    visible: b + A v̄ + P h̄        hidden: c + B h̄ + Qᵀ v̄,

trained by CD-k on the frame ``v(t)``.  Each weight moves by the difference of its two units' correlations
in the data and reconstruction phases: ``W`` by ``v hᵀ``, ``A`` by ``v v̄ᵀ``, ``P`` by ``v h̄ᵀ``, ``Q`` by
``v̄ hᵀ`` and ``B`` by ``h h̄ᵀ`` (data minus reconstruction).  The CD details follow ``rbm.py`` (Hinton's
practical guide), with a constant momentum.

The next frame is predicted by a mean-field chain started at the last frame: the hidden units driven by the
last frame and the past's biases for the next time step, then ``prediction_steps`` down-up passes, the
prediction being the last visible probabilities.  With ``decay = 0`` the kernel is ``r(τ ≥ 1) = 0``: the same
RBM without temporal connections, which can only reconstruct the last frame (the claim's negative control).
"""

import torch
from torch import nn

from creditbench_boltzmann.rbm import GibbsSampler


class TemporalRBM(nn.Module):
    """``W`` (visible × hidden), the delayed weights ``A`` (visible × visible), ``B`` (hidden × hidden), ``P``
    and ``Q`` (visible × hidden), the two bias vectors, and the kernel's ``decay``."""

    def __init__(self, n_visible: int, n_hidden: int, decay: float, generator: torch.Generator):
        super().__init__()
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"the kernel's decay must be in [0, 1), got {decay}")
        self.decay = decay

        weight = torch.empty(n_visible, n_hidden, device="cpu").normal_(0.0, 0.01, generator=generator)
        self.weight = nn.Parameter(weight.to(torch.get_default_device()))
        self.visible_prior = nn.Parameter(torch.zeros(n_visible, n_visible))
        self.delayed_hidden_to_visible = nn.Parameter(torch.zeros(n_visible, n_hidden))
        self.delayed_visible_to_hidden = nn.Parameter(torch.zeros(n_visible, n_hidden))
        self.hidden_prior = nn.Parameter(torch.zeros(n_hidden, n_hidden))
        self.visible_bias = nn.Parameter(torch.zeros(n_visible))
        self.hidden_bias = nn.Parameter(torch.zeros(n_hidden))

    def biases(self, v_past, h_past):
        """The visible and hidden biases that the kernel-filtered past sets for the present time step."""
        visible = self.visible_bias + v_past @ self.visible_prior.T + h_past @ self.delayed_hidden_to_visible.T
        hidden = self.hidden_bias + h_past @ self.hidden_prior.T + v_past @ self.delayed_visible_to_hidden
        return visible, hidden

    def remember(self, past, present):
        """The kernel-filtered history one step later: ``decay · (history + present)``."""
        return self.decay * (past + present)

    def empty_past(self, n: int):
        return torch.zeros(n, self.weight.shape[0]), torch.zeros(n, self.weight.shape[1])


class SpikingBoltzmann(GibbsSampler):
    """CD-k through time on a ``TemporalRBM``; ``predict`` returns every next frame of each clip."""

    def __init__(
        self,
        rbm: TemporalRBM,
        seed: int,
        k: int,
        prediction_steps: int,
        lr: float,
        momentum: float,
        weight_decay: float,
    ):
        if k < 1 or prediction_steps < 1:
            raise ValueError(f"k and prediction_steps must be at least 1, got {k} and {prediction_steps}")
        biases = [rbm.visible_bias, rbm.hidden_bias]
        weights = [p for p in rbm.parameters() if all(p is not b for b in biases)]
        optimizer = torch.optim.SGD(
            [{"params": weights, "weight_decay": weight_decay}, {"params": biases, "weight_decay": 0.0}],
            lr=lr,
            momentum=momentum,
        )
        super().__init__(rbm, optimizer, seed)
        self.k = k
        self.prediction_steps = prediction_steps

    def train_step(self, x, y) -> None:
        rbm = self.rbm
        clip = torch.cat([x[:, :1], y], dim=1)  # every frame of each clip, in order
        n, frames = clip.shape[:2]
        grads = {name: torch.zeros_like(p) for name, p in rbm.named_parameters()}
        with torch.no_grad():
            v_past, h_past = rbm.empty_past(n)
            for t in range(frames):
                visible_bias, hidden_bias = rbm.biases(v_past, h_past)
                v0 = clip[:, t]
                h0 = torch.sigmoid(hidden_bias + v0 @ rbm.weight)
                h_sample = torch.bernoulli(h0, generator=self.generator)
                hk, sample = h0, h_sample
                for _ in range(self.k):
                    vk = torch.sigmoid(visible_bias + sample @ rbm.weight.T)
                    hk = torch.sigmoid(hidden_bias + vk @ rbm.weight)
                    sample = torch.bernoulli(hk, generator=self.generator)
                dv, dh = vk - v0, hk - h0  # reconstruction minus data: the gradient's sign
                grads["weight"] += vk.T @ hk - v0.T @ h0
                grads["delayed_hidden_to_visible"] += dv.T @ h_past
                grads["delayed_visible_to_hidden"] += v_past.T @ dh
                grads["visible_prior"] += dv.T @ v_past
                grads["hidden_prior"] += dh.T @ h_past
                grads["visible_bias"] += dv.sum(0)
                grads["hidden_bias"] += dh.sum(0)
                v_past, h_past = rbm.remember(v_past, v0), rbm.remember(h_past, h_sample)
            for name, p in rbm.named_parameters():
                p.grad = grads[name] / (n * frames)
        self.optimizer.step()
        self.gibbs_steps += self.k * n * frames

    def predict(self, x):
        rbm = self.rbm
        n, frames = x.shape[:2]
        predictions = []
        with torch.no_grad():
            v_past, h_past = rbm.empty_past(n)
            for t in range(frames):
                last = x[:, t]
                _, hidden_bias = rbm.biases(v_past, h_past)
                h_last = torch.sigmoid(hidden_bias + last @ rbm.weight)
                v_past, h_past = rbm.remember(v_past, last), rbm.remember(h_past, h_last)
                visible_bias, hidden_bias = rbm.biases(v_past, h_past)
                v = last
                for _ in range(self.prediction_steps):
                    h = torch.sigmoid(hidden_bias + v @ rbm.weight)
                    v = torch.sigmoid(visible_bias + h @ rbm.weight.T)
                predictions.append(v)
        return torch.stack(predictions, dim=1)


def build_spiking_learner(task, config, seed):
    n_visible = task.load().x_train.shape[-1]
    rbm = TemporalRBM(
        n_visible, int(config["hidden"]), float(config["decay"]), torch.Generator(device="cpu").manual_seed(seed)
    )
    return SpikingBoltzmann(
        rbm,
        seed,
        k=int(config["k"]),
        prediction_steps=int(config["prediction_steps"]),
        lr=float(config["lr"]),
        momentum=float(config["momentum"]),
        weight_decay=float(config["weight_decay"]),
    )
