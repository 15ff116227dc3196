"""Learned approximate inverses of a layer and the reconstruction losses that train them.

The inverse of layer l is parametrised like a forward layer,
``g_l(h_l) = σ(V_l h_l + c_l) ≈ f_l^{-1}(h_l)``, with σ the activation of the
layer it reconstructs.  A convolutional layer's (convolution, σ, then max-pooling or flattening) is a
transposed convolution of the same kernel, stride and padding, after un-pooling by repetition (nearest
neighbour) and unflattening, as Ernoult et al. (2022) invert the convolutional layers of their DTP.  It is
trained on noise-corrupted activities
``h̃_{l-1} = h_{l-1} + ε``, ε ~ N(0, σ_noise²), in one of two ways:

* noise-preserving (Lee et al. 2015, DTP): ``½‖h̃_{l-1} − g_l(f_l(h̃_{l-1}))‖²``;
* de-noising (Bartunov et al. 2018, SDTP): ``½‖h_{l-1} − g_l(f_l(h̃_{l-1}))‖²``.

Only ``V_l, c_l`` learn from these losses; the forward weights are held fixed.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from harness import MLP, activation_module

TRANSPOSED = {nn.Conv1d: nn.ConvTranspose1d, nn.Conv2d: nn.ConvTranspose2d}


def build_inverse(n_in: int, n_out: int, activation: str, seed: int) -> nn.Sequential:
    """``σ(V h + c)`` from ``n_in`` to ``n_out`` units, initialised like a reference layer from ``seed``."""
    linear = MLP((n_in, n_out)).build(seed)
    return nn.Sequential(*linear, activation_module(activation))


class ConvolutionInverse(nn.Module):
    """``g_l`` of a convolutional layer: ``h_l`` reshaped to the pooled maps, repeated back to the convolution's
    output size, a transposed convolution of the layer's kernel, stride and padding to ``h_{l-1}``'s shape, σ.

    Its weights are drawn from ``seed`` like a reference layer's (uniform in ±1/sqrt(fan-in), the fan-in being
    its input channels times the kernel's size).
    """

    def __init__(self, conv, pooled: tuple, convolved: tuple, below: tuple, activation: str, seed: int):
        super().__init__()
        self.pooled, self.convolved, self.below = pooled, convolved, below
        self.transposed = TRANSPOSED[type(conv)](
            conv.out_channels, conv.in_channels, conv.kernel_size, stride=conv.stride, padding=conv.padding
        )
        generator = torch.Generator().manual_seed(seed)  # drawn on the CPU: the same weights on every device
        bound = 1 / math.sqrt(conv.out_channels * math.prod(conv.kernel_size))
        with torch.no_grad():
            for parameter in self.transposed.parameters():
                parameter.copy_(torch.empty(parameter.shape).uniform_(-bound, bound, generator=generator))
        self.activation = activation_module(activation)

    def forward(self, above):
        return self.activation(self.transposed(self.unpooled(above), output_size=self.below[1:]))

    def unpooled(self, above):
        """``h_l`` as maps of the convolution's output size: each pooled value repeated over its pooling window,
        and the rows the pooling's floor dropped given the last window's value."""
        maps = above.reshape(len(above), *self.pooled)
        remainders = []
        for dimension, (pooled, convolved) in enumerate(zip(self.pooled[1:], self.convolved[1:]), start=2):
            maps = maps.repeat_interleave(convolved // pooled, dim=dimension)
            remainders.append(convolved % pooled)
        if any(remainders):
            maps = F.pad(
                maps, [side for remainder in reversed(remainders) for side in (0, remainder)], mode="replicate"
            )
        return maps


def reconstruction(inverse, forward, below, sigma: float, generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``g(f(below + ε))`` and the corrupted ``below + ε``."""
    noise = torch.randn(below.shape, generator=generator, device=below.device).mul_(sigma)
    corrupted = below + noise
    with torch.no_grad():
        image = forward(corrupted)
    return inverse(image), corrupted


def reconstruction_loss(inverse, forward, below, sigma: float, generator, denoising: bool):
    """Mean over the batch of ½‖goal − g(f(below + ε))‖², the goal being ``below`` or ``below + ε``."""
    reconstructed, corrupted = reconstruction(inverse, forward, below, sigma, generator)
    goal = below if denoising else corrupted
    return 0.5 * (reconstructed - goal).flatten(1).pow(2).sum(1).mean()
