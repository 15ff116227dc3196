"""The forward-forward algorithm (Hinton 2022), supervised variant.

The label is part of the input: a one-hot code of the class, scaled by
``label_scale``, is appended to the example (overwriting pixels, as the paper
does on MNIST, would erase signal on mnist1d, whose 40 samples all carry it).
A positive example carries the true label, a negative one a wrong label drawn
uniformly.  Each layer l computes ``h_l = relu(W_l ĥ_{l-1} + b_l)`` where
``ĥ_{l-1} = h_{l-1} / rms(h_{l-1})`` is the previous layer's activity,
length-normalised (so a layer cannot read the previous layer's goodness) and
detached, and minimises its own logistic loss on the goodness
``G_l = Σ_j h_{l,j}²``:

    L_l = softplus(−(G_l⁺ − θ)) + softplus(G_l⁻ − θ),      θ = threshold_per_unit · width_l,

so no gradient ever passes between layers.  The paper normalises to unit
length; dividing by the root-mean-square instead (length √width) only rescales
the next layer's input, so that with the reference initialisation its goodness
starts within reach of θ (quick suite, digits: 0.92 with unit length, 0.97
with RMS).  To classify, every label is tried and the goodness of all layers
but the first is accumulated: the score of class c is ``Σ_{l≥2} G_l(x, c)``.

On a CNN a layer is a convolution with its ReLU and pooling (``harness.layer_blocks``),
its goodness the sum over channels and positions of what it hands on, and the
label enters as one constant input channel per class (scaled by ``label_scale``),
the convolutional form of appending it to the input.
"""

import dataclasses

import torch
import torch.nn.functional as F
from torch import nn

from harness import CNN, Learner, apply_modules, layer_blocks, leading_modules

NEGATIVE_SEED_OFFSET = 3_000_017  # negative labels must not be correlated with the initial weights
NORM_EPSILON = 1e-8


def goodness(activity: torch.Tensor) -> torch.Tensor:
    return activity.flatten(1).square().sum(1)


class ForwardForward(Learner):
    def __init__(
        self,
        model: nn.Sequential,
        input_shape: tuple[int, ...] | None,
        n_classes: int,
        lr: float,
        threshold_per_unit: float,
        label_scale: float,
        seed: int,
    ):
        blocks = layer_blocks(model)[:-1]  # the readout is not used: classes are scored by goodness
        self.layers = nn.ModuleList(layer for layer, _ in blocks)
        self.following = [following for _, following in blocks]
        self.leading = leading_modules(model)
        self.input_shape = input_shape  # (channels, *spatial) of a CNN's input; None for an MLP's flat one
        self.n_classes = n_classes
        self.threshold_per_unit = threshold_per_unit
        self.label_scale = label_scale
        self.optimizer = torch.optim.Adam(self.layers.parameters(), lr=lr)
        self.generator = torch.Generator(device=self.layers[0].weight.device).manual_seed(NEGATIVE_SEED_OFFSET + seed)

    def embed(self, x, labels):
        code = self.label_scale * F.one_hot(labels, self.n_classes).to(x.dtype)
        if self.input_shape is None:
            return torch.cat([x.flatten(1), code], 1)
        channels, *spatial = self.input_shape
        planes = code.view(*code.shape, *[1] * len(spatial)).expand(-1, -1, *spatial)
        return torch.cat([x.view(len(x), channels, *spatial), planes], 1).flatten(1)

    def activities(self, inputs) -> list[torch.Tensor]:
        """Each layer's activity; every layer reads the previous one detached and RMS-normalised."""
        activities = []
        signal = apply_modules(self.leading, inputs)
        for index, (layer, following) in enumerate(zip(self.layers, self.following)):
            if index:
                rms = signal.detach().flatten(1).square().mean(1).sqrt() + NORM_EPSILON
                signal = signal.detach() / rms.view(-1, *[1] * (signal.dim() - 1))
            signal = apply_modules(following, layer(signal))
            activities.append(signal)
        return activities

    def layer_losses(self, x, y, wrong) -> list[torch.Tensor]:
        """Each layer's logistic goodness loss on positives (label y) and negatives (label ``wrong``)."""
        batch = len(y)
        inputs = torch.cat([self.embed(x, y), self.embed(x, wrong)])
        sign = torch.cat([torch.ones(batch, device=x.device), -torch.ones(batch, device=x.device)])
        losses = []
        for activity in self.activities(inputs):
            threshold = self.threshold_per_unit * activity[0].numel()
            losses.append(F.softplus(-sign * (goodness(activity) - threshold)).mean())
        return losses

    def draw_wrong_labels(self, y):
        """For each example, a label drawn uniformly from the classes other than ``y``."""
        offset = torch.randint(1, self.n_classes, y.shape, generator=self.generator, device=y.device)
        return (y + offset) % self.n_classes

    def train_step(self, x, y) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        sum(self.layer_losses(x, y, self.draw_wrong_labels(y))).backward()
        self.optimizer.step()

    def predict(self, x):
        n = len(x)
        labels = torch.arange(self.n_classes, device=x.device).repeat_interleave(n)
        with torch.no_grad():
            activities = self.activities(self.embed(x.repeat(self.n_classes, 1), labels))
        scored = activities[1:] or activities  # a single layer has nothing after the first
        return sum(goodness(activity) for activity in scored).view(self.n_classes, n).T

    def state_dict(self) -> dict:
        return {
            "layers": self.layers.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "generator": self.generator.get_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.layers.load_state_dict(state["layers"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.generator.set_state(state["generator"])


def with_label_inputs(architecture, n_classes: int):
    """The reference architecture with ReLU throughout and room for the label: an MLP's input widened by one unit
    per class, a CNN's by one input channel per class."""
    if isinstance(architecture, CNN):
        channels, *spatial = architecture.input_shape
        return dataclasses.replace(architecture, input_shape=(channels + n_classes, *spatial), activation="relu")
    sizes = architecture.sizes
    return dataclasses.replace(architecture, sizes=(sizes[0] + n_classes, *sizes[1:]), activation="relu")


def build_ff_learner(task, config, seed):
    """FF layers with the reference network's hidden layers; the first also reads the label."""
    architecture = task.architecture
    return ForwardForward(
        with_label_inputs(architecture, task.n_classes).build(seed),
        architecture.input_shape if isinstance(architecture, CNN) else None,
        task.n_classes,
        lr=float(config["lr"]),
        threshold_per_unit=float(config["threshold_per_unit"]),
        label_scale=float(config["label_scale"]),
        seed=seed,
    )
