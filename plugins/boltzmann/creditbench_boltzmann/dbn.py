"""A deep belief net learned greedily, one RBM at a time (Hinton, Osindero & Teh 2006).

The first RBM models the data; once it has seen ``layer_presentations`` examples it is frozen and the next RBM
models its hidden-unit probabilities, and so on up the stack: the top RBM keeps learning until the budget ends.
Each RBM is trained by CD-k exactly as ``rbm-cd``'s (``creditbench_boltzmann.rbm``), with its own momentum
schedule counted from its own first example.  Units above the first are Bernoulli whatever the data's kind
(they model probabilities).  The probe reads the top layer's hidden-unit probabilities.  The paper fine-tunes
the stack afterwards (up-down algorithm, or backprop); that is not part of the greedy rule and is left out.
"""

import torch

from creditbench_boltzmann.rbm import RBM, ContrastiveDivergence
from harness import Learner

LAYER_SEED_STRIDE = 1_000_003  # each layer's weights and sampling come from their own streams


class GreedyStack(Learner):
    """RBMs trained one after another, each on the hidden-unit probabilities of the frozen ones below."""

    def __init__(self, layers: list[ContrastiveDivergence], layer_presentations: int):
        if layer_presentations < 1:
            raise ValueError(f"layer_presentations must be at least 1, got {layer_presentations}")
        self.layers = layers
        self.layer_presentations = layer_presentations
        self.presentations = 0

    def _up(self, x, n_layers: int):
        for layer in self.layers[:n_layers]:
            x = layer.features(x)
        return x

    def train_step(self, x, y) -> None:
        learning = min(self.presentations // self.layer_presentations, len(self.layers) - 1)
        self.layers[learning].train_step(self._up(x, learning), y)
        self.presentations += len(x)

    def features(self, x):
        return self._up(x, len(self.layers))

    def cost_counters(self) -> dict:
        return {"gibbs_steps": sum(layer.gibbs_steps for layer in self.layers)}

    def state_dict(self) -> dict:
        return {"layers": [layer.state_dict() for layer in self.layers], "presentations": self.presentations}

    def load_state_dict(self, state: dict) -> None:
        for layer, layer_state in zip(self.layers, state["layers"], strict=True):
            layer.load_state_dict(layer_state)
        self.presentations = state["presentations"]


def build_dbn_learner(task, config, seed):
    """A stack as deep as ``config["layers"]``, every RBM as wide as the reference architecture's first hidden
    layer, so that its top layer is as wide as ``rbm-cd``'s single RBM."""
    n_layers = int(config["layers"])
    if n_layers < 1:
        raise ValueError(f"layers must be at least 1, got {n_layers}")
    n_visible, width = task.architecture.sizes[:2]
    layers = []
    for index in range(n_layers):
        layer_seed = seed + LAYER_SEED_STRIDE * index
        visible = config["visible"] if index == 0 else "bernoulli"
        rbm = RBM(
            n_visible if index == 0 else width, width, visible, torch.Generator(device="cpu").manual_seed(layer_seed)
        )
        layers.append(
            ContrastiveDivergence(
                rbm,
                layer_seed,
                k=int(config["k"]),
                lr=float(config["lr"] if index == 0 else config["upper_lr"]),
                momentum=float(config["momentum"]),
                momentum_warmup=int(config["momentum_warmup"]),
                weight_decay=float(config["weight_decay"]),
            )
        )
    return GreedyStack(layers, int(config["layer_presentations"]))
