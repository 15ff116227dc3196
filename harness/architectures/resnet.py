"""The CIFAR residual reference architecture: ResNet-20 and its siblings (He, Zhang, Ren & Sun 2016, section 4.2)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.architectures.mlp import seeded_default_init
from harness.architectures.shaped_input import ShapedInput


@dataclass(frozen=True)
class ResNet(ShapedInput):
    """A residual network on flat inputs reshaped to ``input_shape`` (channels, height, width): a 3×3 convolution to
    ``widths[0]`` channels, batch norm and ReLU, then per width a stage of ``blocks_per_stage`` basic blocks
    (``harness.architectures.resnet_blocks.BasicBlock``; every stage after the first halves the resolution in
    its first block), global average pooling and a linear readout of ``outputs``.  ``ResNet((3, 32, 32), 3,
    (16, 32, 64), 10)`` is ResNet-20 (6·3 + 2 weighted layers, 272,474 parameters).
    """

    input_shape: tuple[int, int, int]
    blocks_per_stage: int
    widths: tuple[int, ...]
    outputs: int
    residual = True  # it has skip connections: rules defined on a chain of layers decline it
    batch_norm = True

    def __str__(self) -> str:
        depth = 6 * self.blocks_per_stage + 2 if len(self.widths) == 3 else None
        name = f"ResNet-{depth}" if depth else "ResNet"
        stages = "/".join(map(str, self.widths))
        return f"{name} {'×'.join(map(str, self.input_shape))} {stages} channels, {self.outputs} outputs (batch norm)"

    def build(self, seed: int):
        """``nn.Sequential(Unflatten, stem conv, BatchNorm2d, ReLU, *BasicBlock, AdaptiveAvgPool2d, Flatten,
        Linear)``.  Convolutions are initialised as in the paper (He et al. 2015: normal with standard deviation
        sqrt(2 / fan_in)), batch norm to the identity, the readout with PyTorch's default, in that order from a
        generator seeded here on the CPU, as ``MLP.build`` does."""
        import torch
        from torch import nn

        from harness.architectures.resnet_blocks import BasicBlock

        layers: list[nn.Module] = [
            nn.Unflatten(1, self.input_shape),
            nn.Conv2d(self.input_shape[0], self.widths[0], 3, padding=1, bias=False),
            nn.BatchNorm2d(self.widths[0]),
            nn.ReLU(),
        ]
        channels = self.widths[0]
        for stage, width in enumerate(self.widths):
            for block in range(self.blocks_per_stage):
                layers.append(BasicBlock(channels, width, 2 if stage > 0 and block == 0 else 1))
                channels = width
        readout = nn.Linear(channels, self.outputs)
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), readout]
        network = nn.Sequential(*layers)
        generator = torch.Generator(device="cpu").manual_seed(seed)
        with torch.no_grad():
            for module in network.modules():
                if isinstance(module, nn.Conv2d):
                    fan_in = module.in_channels * math.prod(module.kernel_size)
                    module.weight.copy_(
                        torch.randn(module.weight.shape, generator=generator, device="cpu") * (2 / fan_in) ** 0.5
                    )
        seeded_default_init(readout, channels, generator)
        return network


RESNET20 = ResNet((3, 32, 32), 3, (16, 32, 64), 10)
