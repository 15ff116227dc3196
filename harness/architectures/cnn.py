"""The convolutional reference architecture."""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.architectures.mlp import activation_module, seeded_default_init
from harness.architectures.reversible import declines_residual
from harness.architectures.shaped_input import ShapedInput


@dataclass(frozen=True)
class Conv:
    """One convolutional layer: ``channels`` output channels, a square (or, in 1-D, a plain) kernel, then the
    activation and, when ``pool`` > 1, a max-pool of that window and stride."""

    channels: int
    kernel: int
    stride: int = 1
    padding: int = 0
    pool: int = 1

    def __str__(self) -> str:
        """E.g. ``c25k5s2p1`` (25 channels, kernel 5, stride 2, padding 1), ``c6k5p2/mp2`` (then a 2-max-pool)."""
        stride = f"s{self.stride}" if self.stride > 1 else ""
        padding = f"p{self.padding}" if self.padding else ""
        pool = f"/mp{self.pool}" if self.pool > 1 else ""
        return f"c{self.channels}k{self.kernel}{stride}{padding}{pool}"

    def output_length(self, length: int) -> int:
        convolved = (length + 2 * self.padding - self.kernel) // self.stride + 1
        return convolved // self.pool


@dataclass(frozen=True)
class CNN(ShapedInput):
    """A convolutional network on flat inputs: reshaped to ``input_shape`` (channels, length) for a 1-D net or
    (channels, height, width) for a 2-D one, then ``convs``, flattened, then fully connected layers of widths
    ``hidden`` and a linear readout of ``outputs``.  E.g. MNIST-1D's CNN (Greydanus 2020):
    ``CNN((1, 40), (Conv(25, 5, 2, 1), Conv(25, 3, 2, 1), Conv(25, 3, 2, 1)), (), 10)``.
    """

    input_shape: tuple[int, ...]
    convs: tuple[Conv, ...]
    hidden: tuple[int, ...]
    outputs: int
    activation: str = "relu"

    def __post_init__(self):
        if len(self.input_shape) not in (2, 3):
            raise ValueError(
                f"a CNN's input shape is (channels, length) or (channels, height, width), not {self.input_shape}"
            )

    def __str__(self) -> str:
        layers = [*map(str, self.convs), *map(str, self.hidden), str(self.outputs)]
        return f"CNN {'×'.join(map(str, self.input_shape))} {'-'.join(layers)} ({self.activation})"

    def flat_size(self) -> int:
        """The number of features the last convolution hands to the fully connected layers."""
        spatial = self.input_shape[1:]
        for conv in self.convs:
            spatial = tuple(conv.output_length(length) for length in spatial)
        return self.convs[-1].channels * math.prod(spatial) if self.convs else self.input_size

    def build(self, seed: int):
        """An ``nn.Sequential``: ``Unflatten``, then per convolution ``ConvNd``, activation (and ``MaxPoolNd``),
        ``Flatten``, then Linear and activation layers, the readout last.

        Every weighted layer's initialisation is PyTorch's default (uniform in ±1/sqrt(fan_in)), drawn in order
        from a generator seeded here, as ``MLP.build`` does.
        """
        import torch
        from torch import nn

        dimensions = len(self.input_shape) - 1
        conv_type, pool_type = (nn.Conv1d, nn.MaxPool1d) if dimensions == 1 else (nn.Conv2d, nn.MaxPool2d)
        generator = torch.Generator(device="cpu").manual_seed(seed)
        layers: list[nn.Module] = [nn.Unflatten(1, self.input_shape)]
        channels = self.input_shape[0]
        for conv in self.convs:
            layer = conv_type(channels, conv.channels, conv.kernel, stride=conv.stride, padding=conv.padding)
            seeded_default_init(layer, channels * conv.kernel**dimensions, generator)
            layers += [layer, activation_module(self.activation)]
            if conv.pool > 1:
                layers.append(pool_type(conv.pool))
            channels = conv.channels
        layers.append(nn.Flatten())
        widths = (self.flat_size(), *self.hidden, self.outputs)
        for index, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
            layer = nn.Linear(fan_in, fan_out)
            seeded_default_init(layer, fan_in, generator)
            layers.append(layer)
            if index < len(widths) - 2:
                layers.append(activation_module(self.activation))
        return nn.Sequential(*layers)


def declines_convolutions(why: str):
    """An ``Algorithm.declines`` for a rule not defined on convolutional layers: it declines every task whose
    reference architecture is a ``CNN``, giving ``why`` (one clause, e.g. "hsic trains fully connected
    layers here"), and every task whose architecture has skip connections (``residual``: a
    ``ReversibleResidual`` network, a ``ResNet``; such rules read a network as a chain of layers, which a
    residual block is not), and no other."""

    on_residual = declines_residual(f"{why}, nor on residual networks")

    def declines(task, config) -> str | None:
        if isinstance(task.architecture, CNN):
            return f"{why}; {task.name} asks for a {task.architecture}"
        return on_residual(task, config)

    return declines
