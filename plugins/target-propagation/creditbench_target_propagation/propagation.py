"""Difference target propagation and its gradient-free simplifications on a chain of layers: the reference MLP,
and the reference CNN (its layers convolutional, ``f_l`` then convolution, σ and max-pooling or flattening).

Layers are numbered from 1: ``h_0 = x``, ``h_l = f_l(h_{l-1}) = σ(W_l h_{l-1} + b_l)``,
and layer L is the output.  One step on a batch:

1. forward pass;
2. the output layer's weights get the task loss's own gradient (the delta
   rule: it needs no transported weights);
3. a target ``ĥ_{L-1}`` for the penultimate layer (the variants differ here);
4. targets for the layers below by the difference correction
   ``ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l)``, which cancels the part of the
   inverse's reconstruction error that is the same at ``h_l`` and ``ĥ_l``
   (if ``ĥ_l = h_l`` then ``ĥ_{l-1} = h_{l-1}`` whatever ``g_l``);
5. one optimiser step on the inverses' reconstruction losses (``inverses.py``),
   in parallel with the forward step (Bartunov et al.'s "parallel" schedule);
6. each hidden layer's weights get the gradient of the local loss
   ``½‖f_l(h_{l-1}) − ĥ_l‖²``, with ``h_{l-1}`` held fixed.

Losses are averaged over the batch; targets are per example.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from creditbench_target_propagation.inverses import (
    ConvolutionInverse,
    build_inverse,
    reconstruction,
    reconstruction_loss,
)
from harness import MLP, activation_module, apply_modules, layer_blocks, leading_modules, weighted_layers

INVERSE_SEED_OFFSET = 3_000_017  # inverses must not be correlated with the forward weights
LAYER_SEED_STRIDE = 100_003  # each layer's inverse gets its own seed, distinct for all run seeds below this
NOISE_SEED_OFFSET = 4_000_037
AUXILIARY_SEED_OFFSET = 5_000_011


@dataclass(frozen=True)
class LayerShapes:
    """Shapes without the batch: layer l's input ``h_{l-1}``, its weighted layer's output, and that output after
    pooling (``h_l`` before any flattening)."""

    below: tuple
    convolved: tuple
    pooled: tuple


def layer_shapes(model: nn.Sequential) -> list[LayerShapes]:
    """Every layer's shapes, read off one forward pass of a zero example."""
    first = model[0]
    size = math.prod(first.unflattened_size) if isinstance(first, nn.Unflatten) else first.in_features
    device = weighted_layers(model)[0].weight.device
    shapes = []
    with torch.no_grad():
        h = apply_modules(leading_modules(model), torch.zeros(1, size, device=device))
        for weighted, after in layer_blocks(model):
            below = tuple(h.shape[1:])
            h = weighted(h)
            convolved = pooled = tuple(h.shape[1:])
            for module in after:
                h = module(h)
                if not isinstance(module, nn.Flatten):
                    pooled = tuple(h.shape[1:])
            shapes.append(LayerShapes(below, convolved, pooled))
    return shapes


def difference_target(inverse, below, above, above_target):
    """``ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l)``, the difference target of Lee et al. (2015)."""
    return below + inverse(above_target) - inverse(above)


class TargetPropagation:
    """Writes target-propagation update directions into the model's ``.grad`` and trains the inverses.

    Subclasses say how the penultimate layer gets its target and which layers have inverses.
    """

    inverts_output = False  # does the output layer have an inverse (so its target is propagated, not computed)?
    needs_output_gradient = False  # is the penultimate target computed from the loss's gradient there?
    denoising = False  # de-noising rather than noise-preserving reconstruction loss

    def __init__(self, model: nn.Sequential, activation: str, config: dict, seed: int):
        self.sigma = float(config["sigma"])
        blocks, shapes = layer_blocks(model), layer_shapes(model)
        self.n_layers = len(blocks)
        self.inverted = list(range(2, self.n_layers + (1 if self.inverts_output else 0)))
        self.inverses = nn.ModuleList(
            self.build_inverse(
                l, blocks[l - 1][0], shapes[l - 1], activation, INVERSE_SEED_OFFSET + LAYER_SEED_STRIDE * l + seed
            )
            for l in self.inverted
        )
        self.optimizer = torch.optim.Adam(self.inverses.parameters(), lr=float(config["inverse_lr"]))
        device = blocks[0][0].weight.device
        self.generator = torch.Generator(device=device).manual_seed(NOISE_SEED_OFFSET + seed)
        self.inverse_reconstructions = 0  # what the inverses train on: one per inverse per example

    def build_inverse(self, l: int, weighted, shapes: LayerShapes, activation: str, seed: int) -> nn.Module:
        if isinstance(weighted, nn.Linear):
            width = self.output_code_width(weighted.out_features) if l == self.n_layers else weighted.out_features
            return build_inverse(width, weighted.in_features, activation, seed)
        return ConvolutionInverse(weighted, shapes.pooled, shapes.convolved, shapes.below, activation, seed)

    def inverse(self, layer: int):
        return self.inverses[self.inverted.index(layer)]

    def output_code_width(self, n_classes: int) -> int:
        return n_classes

    def output_code(self, distribution, penultimate):
        """What the output layer's inverse reads: the class distribution (and, in AO-SDTP, more)."""
        return distribution

    def penultimate_target(self, penultimate, logits, y):
        raise NotImplementedError

    def __call__(self, model, x, y, loss) -> None:
        blocks = layer_blocks(model)
        # Each layer sees its input detached, so autograd never carries a signal from one layer to another.
        activities, outputs = [apply_modules(leading_modules(model), x)], []
        for weighted, after in blocks[:-1]:
            outputs.append(apply_modules(after, weighted(activities[-1])))
            activities.append(outputs[-1].detach())
        penultimate = activities[-1].requires_grad_()
        logits = blocks[-1][0](penultimate)
        # .backward() rather than autograd.grad(): the latter cannot run under FlopCounterMode's module tracking.
        loss(logits, y).backward()
        targets = self.targets(activities, penultimate, logits, y)
        self.train_inverses(blocks, [activity.detach() for activity in activities])
        local = sum(
            0.5 * (output - targets[l]).flatten(1).pow(2).sum(1).mean() for l, output in enumerate(outputs, start=1)
        )
        local.backward()

    def floor(self, model, x, y, loss) -> None:
        """The forward pass, the targets down through the inverses, and the inverses' reconstructions g(f(h + ε)).

        No local loss is differentiated and nothing steps (neither the layers nor the inverses): those are the
        updates that read what the floor computes.  The output layer's loss is differentiated in its input only
        where the penultimate target needs it (DTP).

        The step is 2.5-3.7x this floor (thread CPU time): it also backpropagates every local loss and every
        reconstruction loss (one backward pass per layer and per inverse) and steps two optimisers, the inverses'
        Adam and the layers' (Adam for sdtp and ao-sdtp); a torch.profiler run of 20 sdtp steps on mnist5k puts
        26 % of the step in the two Adam steps.  Those are the updates, so no implementation of the rule gets
        closer than that.
        """
        blocks = layer_blocks(model)
        with torch.no_grad():
            activities = [apply_modules(leading_modules(model), x)]
            for weighted, after in blocks[:-1]:
                activities.append(apply_modules(after, weighted(activities[-1])))
        penultimate = activities[-1].requires_grad_(self.needs_output_gradient)
        with torch.set_grad_enabled(self.needs_output_gradient):
            logits = blocks[-1][0](penultimate)
        if self.needs_output_gradient:
            loss(logits, y).backward(inputs=[penultimate])
        self.targets(activities, penultimate, logits.detach(), y)
        with torch.no_grad():
            for l in self.inverted:
                reconstruction(
                    self.inverse(l),
                    self.layer_forward(blocks, l),
                    activities[l - 1].detach(),
                    self.sigma,
                    self.generator,
                )

    def targets(self, activities, penultimate, logits, y) -> dict:
        """The target ``ĥ_l`` of every hidden layer, from the penultimate's down by the difference correction."""
        with torch.no_grad():
            targets = {self.n_layers - 1: self.penultimate_target(penultimate, logits, y)}
            for l in range(self.n_layers - 1, 1, -1):
                targets[l - 1] = difference_target(self.inverse(l), activities[l - 1], activities[l], targets[l])
        return targets

    def layer_forward(self, blocks, l: int):
        """``f_l`` as the inverse of layer l sees it (for the output layer: its output code)."""
        weighted, after = blocks[l - 1]
        if l < self.n_layers:
            return lambda h: apply_modules(after, weighted(h))
        return lambda h: self.output_code(torch.softmax(weighted(h), dim=1), h)

    def train_inverses(self, blocks, activities) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        total = sum(
            reconstruction_loss(
                self.inverse(l),
                self.layer_forward(blocks, l),
                activities[l - 1],
                self.sigma,
                self.generator,
                self.denoising,
            )
            for l in self.inverted
        )
        total.backward()
        self.optimizer.step()
        self.inverse_reconstructions += len(self.inverted) * len(activities[0])

    def cost_counters(self) -> dict:
        return {"inverse_reconstructions": self.inverse_reconstructions}

    def modules(self) -> dict:
        return {"inverses": self.inverses}

    def state_dict(self) -> dict:
        return {
            **{name: module.state_dict() for name, module in self.modules().items()},
            "optimizer": self.optimizer.state_dict(),
            "generator": self.generator.get_state(),
            "inverse_reconstructions": self.inverse_reconstructions,
        }

    def load_state_dict(self, state: dict) -> None:
        for name, module in self.modules().items():
            module.load_state_dict(state[name])
        self.optimizer.load_state_dict(state["optimizer"])
        self.generator.set_state(state["generator"])
        self.inverse_reconstructions = state["inverse_reconstructions"]


class DifferenceTargetPropagation(TargetPropagation):
    """DTP (Lee et al. 2015, Algorithm 1): the penultimate target is a gradient step on the task loss,

    ``ĥ_{L-1} = h_{L-1} − α ∂ℓ/∂h_{L-1}`` (ℓ the example's loss), so the
    penultimate layer's update is α times backprop's.  Inverses exist for
    layers 2..L-1 and are trained noise-preserving.
    """

    needs_output_gradient = True

    def __init__(self, model, activation, config, seed):
        super().__init__(model, activation, config, seed)
        self.alpha = float(config["alpha"])

    def penultimate_target(self, penultimate, logits, y):
        # penultimate.grad is the gradient of the batch-mean loss: len(y) times smaller than the example's.
        return penultimate.detach() - self.alpha * len(y) * penultimate.grad


class SimplifiedDTP(TargetPropagation):
    """SDTP (Bartunov et al. 2018, Algorithm 1): no gradient anywhere but the output layer's own.

    The output target is the loss minimiser, the correct label's one-hot
    distribution ``ô``, and it is propagated like every other target:
    ``ĥ_{L-1} = h_{L-1} + g_L(ô) − g_L(o)``, with ``o = softmax(W_L h_{L-1} + b_L)``.
    Inverses exist for layers 2..L and are trained de-noising.
    """

    inverts_output = True
    denoising = True

    def penultimate_target(self, penultimate, logits, y):
        below = penultimate.detach()
        label = F.one_hot(y, logits.shape[1]).to(logits.dtype)
        return difference_target(
            self.inverse(self.n_layers),
            below,
            self.output_code(torch.softmax(logits, dim=1), below),
            self.output_code(label, below),
        )


class AuxiliaryOutputSDTP(SimplifiedDTP):
    """AO-SDTP (Bartunov et al. 2018, Algorithm 2 and eq. 3): the output layer is ``h_L = [o, z]``.

    ``z = σ(R h_{L-1} + r)`` are fixed random features of the penultimate layer
    (never trained), so the output inverse reads ``g_L(o, z)`` and the target
    ``ĥ_{L-1} = h_{L-1} − g_L(o, z) + g_L(ô, z)`` can differ between examples
    of the same class.
    """

    def __init__(self, model, activation, config, seed):
        features = MLP((layer_blocks(model)[-1][0].in_features, int(config["auxiliary_units"]))).build(
            AUXILIARY_SEED_OFFSET + seed
        )
        self.auxiliary = nn.Sequential(*features, activation_module(activation)).requires_grad_(False)
        super().__init__(model, activation, config, seed)

    def output_code_width(self, n_classes: int) -> int:
        return n_classes + self.auxiliary[0].out_features

    def output_code(self, distribution, penultimate):
        return torch.cat([distribution, self.auxiliary(penultimate)], dim=1)

    def modules(self) -> dict:
        return {**super().modules(), "auxiliary": self.auxiliary}
