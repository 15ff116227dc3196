"""A restricted Boltzmann machine trained by contrastive divergence (CD-k).

Energy, with binary hidden units ``h`` and visible units ``v`` that are either

* Bernoulli: ``E(v, h) = -b·v - c·h - v W h``, so ``p(v_i = 1 | h) = σ(b_i + W_i h)``;
* Gaussian with unit variance: ``E(v, h) = ½‖v - b‖² - c·h - v W h``, so ``v | h ~ N(b + W h, I)``;

and in both cases ``p(h_j = 1 | v) = σ(c_j + v W_j)``.

CD-k (Hinton 2002) replaces the model's expectation in the log-likelihood
gradient by that of a k-step Gibbs chain started at the data:
``ΔW ∝ <v hᵀ>_data − <v hᵀ>_k`` (likewise ``Δb ∝ v_0 − v_k``, ``Δc ∝ h_0 − h_k``).
The details follow Hinton's practical guide (2010): hidden states driven by
data are sampled, visible reconstructions are probabilities (Bernoulli) or
noise-free means (Gaussian), the last hidden update and both statistics use
probabilities; SGD with momentum 0.5 switched to ``momentum`` after
``momentum_warmup`` presentations; L2 weight decay on ``W`` only; weights
start from N(0, 0.01²), biases at 0 (the learner sees no data before training,
so the guide's data-dependent visible biases are not used).
"""

import torch
from torch import nn

from harness import Learner

SAMPLING_SEED_OFFSET = 3_000_017  # Gibbs sampling must not be correlated with the initial weights
INITIAL_MOMENTUM = 0.5
VISIBLE_UNITS = ("bernoulli", "gaussian")


class RBM(nn.Module):
    """The machine: weights ``W`` (visible × hidden) and the two bias vectors."""

    def __init__(self, n_visible: int, n_hidden: int, visible: str, generator: torch.Generator):
        super().__init__()
        if visible not in VISIBLE_UNITS:
            raise ValueError(f"visible units must be one of {VISIBLE_UNITS}, got {visible!r}")
        self.visible = visible
        weight = torch.empty(n_visible, n_hidden, device="cpu").normal_(0.0, 0.01, generator=generator)
        self.weight = nn.Parameter(weight.to(torch.get_default_device()))
        self.visible_bias = nn.Parameter(torch.zeros(n_visible))
        self.hidden_bias = nn.Parameter(torch.zeros(n_hidden))

    def hidden_probabilities(self, v):
        return torch.sigmoid(v @ self.weight + self.hidden_bias)

    def visible_mean(self, h):
        """``E[v | h]``: Bernoulli probabilities, or the Gaussian's mean."""
        activation = h @ self.weight.T + self.visible_bias
        return torch.sigmoid(activation) if self.visible == "bernoulli" else activation


class GibbsSampler(Learner):
    """What the CD learners of this plugin share: their machine, optimiser, sampling generator and Gibbs-step count."""

    def __init__(self, rbm: nn.Module, optimizer, seed: int):
        self.rbm = rbm
        self.optimizer = optimizer
        self.generator = torch.Generator(device=rbm.weight.device).manual_seed(SAMPLING_SEED_OFFSET + seed)
        self.gibbs_steps = 0  # chain steps (v → h → v), one chain per example (and frame)

    def cost_counters(self) -> dict:
        return {"gibbs_steps": self.gibbs_steps}

    def state_dict(self) -> dict:
        return {
            "rbm": self.rbm.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "generator": self.generator.get_state(),
            "gibbs_steps": self.gibbs_steps,
        }

    def load_state_dict(self, state: dict) -> None:
        self.rbm.load_state_dict(state["rbm"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.generator.set_state(state["generator"])
        self.gibbs_steps = state["gibbs_steps"]


class ContrastiveDivergence(GibbsSampler):
    """CD-k on an RBM; the features a probe reads are the hidden-unit probabilities ``p(h = 1 | v)``."""

    def __init__(
        self, rbm: RBM, seed: int, k: int, lr: float, momentum: float, momentum_warmup: int, weight_decay: float
    ):
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        optimizer = torch.optim.SGD(
            [
                {"params": [rbm.weight], "weight_decay": weight_decay},
                {"params": [rbm.visible_bias, rbm.hidden_bias], "weight_decay": 0.0},
            ],
            lr=lr,
            momentum=INITIAL_MOMENTUM,
        )
        super().__init__(rbm, optimizer, seed)
        self.k = k
        self.momentum = momentum
        self.momentum_warmup = momentum_warmup
        self.presentations = 0

    def train_step(self, x, y) -> None:
        if self.presentations >= self.momentum_warmup:
            for group in self.optimizer.param_groups:
                group["momentum"] = self.momentum
        with torch.no_grad():
            v0 = x
            h0 = self.rbm.hidden_probabilities(v0)
            hk = h0
            for _ in range(self.k):
                vk = self.rbm.visible_mean(torch.bernoulli(hk, generator=self.generator))
                hk = self.rbm.hidden_probabilities(vk)
            n = len(x)
            # Minus the CD estimate of the log-likelihood gradient, averaged over the batch.
            self.rbm.weight.grad = (vk.T @ hk - v0.T @ h0) / n
            self.rbm.visible_bias.grad = (vk - v0).mean(0)
            self.rbm.hidden_bias.grad = (hk - h0).mean(0)
        self.optimizer.step()
        self.presentations += len(x)
        self.gibbs_steps += self.k * len(x)

    def features(self, x):
        with torch.no_grad():
            return self.rbm.hidden_probabilities(x)

    def state_dict(self) -> dict:
        return {**super().state_dict(), "presentations": self.presentations}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.presentations = state["presentations"]


def build_rbm_learner(task, config, seed):
    """An RBM as wide as the reference architecture's first hidden layer."""
    n_visible, n_hidden = task.architecture.sizes[:2]
    rbm = RBM(n_visible, n_hidden, config["visible"], torch.Generator(device="cpu").manual_seed(seed))
    return ContrastiveDivergence(
        rbm,
        seed,
        k=int(config["k"]),
        lr=float(config["lr"]),
        momentum=float(config["momentum"]),
        momentum_warmup=int(config["momentum_warmup"]),
        weight_decay=float(config["weight_decay"]),
    )
