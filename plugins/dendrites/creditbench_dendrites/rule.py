"""Segregated dendrites (Guerguiev, Lillicrap & Richards 2017, eLife 6:e22901), in its rate form.

Each hidden unit has a basal compartment fed by the layer below, ``B = W r_below + b``, and an apical one fed by
the output layer through fixed random weights, ``A = Y r_out + c`` (the paper's "broadcast" feedback: every hidden
layer hears the output layer).  The apical compartment is electrically segregated from the soma (the paper's
``g_A = 0``), so the somatic voltage is ``C = k_B B`` and the rate ``r = σ(C)`` whatever the feedback; the apical
input acts only through its **plateau potential** ``α = σ(A)``, averaged over a phase.  The output units' voltage is
``C = k_D B``.  Each example has two phases:

* **forward**: the output runs free; the plateaus are ``α^f = σ(Y r_out^f + c)``;
* **target**: teaching input drives each output soma toward the excitatory reversal potential (the label's unit) or
  the inhibitory one (the others), ``C^t = (1 − teaching) C^f + teaching E``; the plateaus are ``α^t``.

Updates use only what a synapse sees (its presynaptic rate, its unit's voltage, its unit's plateaus or teaching):
``ΔW_out ∝ k_D (σ(C^t) − σ(C^f)) σ'(C^f) r_belowᵀ`` for the output layer and ``ΔW ∝ k_B (α^t − α^f) σ'(C^f)
r_belowᵀ`` for every hidden layer (the paper's local losses' gradients).  The paper simulates spikes and
dendritic dynamics over 50 + 50 ms phases; here every compartment sits at its phase's steady state, which is what
the paper's averages estimate (its non-spiking variant learns as well).
"""

import torch
from torch import nn

from harness import MLP

FEEDBACK_SEED_OFFSET = 5_000_011  # the apical weights must not be correlated with the forward ones
# The paper's conductances: basal 0.6, dendritic (output) 0.6, leak 1/10 ms, apical-to-soma 0 (segregated).
G_BASAL, G_DENDRITIC, G_LEAK = 0.6, 0.6, 0.1
K_BASAL = G_BASAL / (G_LEAK + G_BASAL)
K_DENDRITIC = G_DENDRITIC / (G_LEAK + G_DENDRITIC)
REVERSAL_EXCITATORY, REVERSAL_INHIBITORY = 8.0, -8.0  # the paper's E_E and E_I


class Soma(nn.Module):
    """A hidden unit's soma: voltage ``k_B × basal``, rate ``σ(voltage)`` (the paper's φ with φ_max = 1)."""

    def forward(self, basal):
        return torch.sigmoid(K_BASAL * basal)


class OutputSoma(nn.Module):
    """An output unit's forward-phase voltage ``k_D × basal``; its rate is ``σ`` of it, so the voltage is the logit."""

    def forward(self, basal):
        return K_DENDRITIC * basal


def build_network(sizes, seed: int) -> nn.Sequential:
    """The reference sizes with somata in place of the activations (Linear layers at PyTorch's default init)."""
    layers = []
    for module in MLP(tuple(sizes), "tanh").build(seed):
        layers.append(Soma() if isinstance(module, nn.Tanh) else module)
    return nn.Sequential(*layers, OutputSoma())


class SegregatedDendrites:
    """The rule as a ``GradientLearner`` direction: writes minus each layer's local update into ``.grad``."""

    def __init__(self, model: nn.Sequential, seed: int, teaching: float):
        if not 0.0 < teaching <= 1.0:
            raise ValueError(f"teaching must lie in (0, 1], got {teaching}")
        self.teaching = teaching
        self.linears = [module for module in model if isinstance(module, nn.Linear)]
        n_out = self.linears[-1].out_features
        generator = torch.Generator(device="cpu").manual_seed(FEEDBACK_SEED_OFFSET + seed)
        # Apical weights and biases, one pair per hidden layer, N(0, 1): a plateau then spans σ's sensitive range.
        self.apical = [
            torch.randn(layer.out_features, n_out, generator=generator, device="cpu") for layer in self.linears[:-1]
        ]
        self.apical_bias = [
            torch.randn(layer.out_features, generator=generator, device="cpu") for layer in self.linears[:-1]
        ]
        self.apical = [weight.to(torch.get_default_device()) for weight in self.apical]
        self.apical_bias = [bias.to(torch.get_default_device()) for bias in self.apical_bias]
        self.plateaus = 0

    def __call__(self, model, x, y, loss) -> None:
        with torch.no_grad():
            rates, voltages = [x], []
            for layer in self.linears[:-1]:
                voltage = K_BASAL * layer(rates[-1])
                voltages.append(voltage)
                rates.append(torch.sigmoid(voltage))
            out_forward = K_DENDRITIC * self.linears[-1](rates[-1])
            reversal = torch.full_like(out_forward, REVERSAL_INHIBITORY)
            reversal[torch.arange(len(y)), y] = REVERSAL_EXCITATORY
            out_target = (1 - self.teaching) * out_forward + self.teaching * reversal
            rate_forward, rate_target = torch.sigmoid(out_forward), torch.sigmoid(out_target)
            signals = []
            for weight, bias in zip(self.apical, self.apical_bias, strict=True):
                plateau_forward = torch.sigmoid(rate_forward @ weight.T + bias)
                plateau_target = torch.sigmoid(rate_target @ weight.T + bias)
                signals.append(K_BASAL * (plateau_target - plateau_forward))
            signals.append(K_DENDRITIC * (rate_target - rate_forward))
            voltages.append(out_forward)
            n = len(x)
            for layer, signal, voltage, below in zip(self.linears, signals, voltages, rates, strict=True):
                slope = torch.sigmoid(voltage) * (1 - torch.sigmoid(voltage))
                change = signal * slope
                layer.weight.grad = -(change.T @ below) / n
                layer.bias.grad = -change.mean(0)
        self.plateaus += 2 * n * sum(weight.shape[0] for weight in self.apical)

    def cost_counters(self) -> dict:
        return {"plateau_potentials": self.plateaus}

    def state_dict(self) -> dict:
        return {"apical": self.apical, "apical_bias": self.apical_bias, "plateaus": self.plateaus}

    def load_state_dict(self, state: dict) -> None:
        for mine, saved in zip(self.apical + self.apical_bias, state["apical"] + state["apical_bias"], strict=True):
            mine.copy_(saved)
        self.plateaus = state["plateaus"]


def build_dendrites_learner(task, config, seed):
    from harness import GradientLearner

    model = build_network(task.architecture.sizes, seed)
    linears = [module for module in model if isinstance(module, nn.Linear)]
    hidden = [p for layer in linears[:-1] for p in layer.parameters()]
    optimizer = torch.optim.SGD(
        [{"params": hidden, "lr": float(config["hidden_lr"])}, {"params": linears[-1].parameters()}],
        lr=float(config["lr"]),
    )
    return GradientLearner(model, optimizer, SegregatedDendrites(model, seed, float(config["teaching"])))
