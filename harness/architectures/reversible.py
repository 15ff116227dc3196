"""The reversible residual reference architecture (Gomez, Ren, Urtasun & Grosse 2017), on flat inputs."""

from __future__ import annotations

from dataclasses import dataclass

from harness.architectures.mlp import activation_module, seeded_default_init


@dataclass(frozen=True)
class ReversibleResidual:
    """A linear stem from ``input_size`` to ``2 * width`` features, ``blocks`` reversible residual blocks on them,
    and a linear readout of ``outputs``.  A block splits its input into halves ``(x1, x2)`` of ``width`` features
    and returns ``(y1, y2) = (x1 + F(x2), x2 + G(y1))``, where F and G are each a ``width``-``hidden``-``width``
    MLP; its input is therefore a function of its output, ``x2 = y2 - G(y1)``, ``x1 = y1 - F(x2)``.
    E.g. ``ReversibleResidual(40, 50, 100, 8, 10)``.
    """

    input_size: int
    width: int
    hidden: int
    blocks: int
    outputs: int
    activation: str = "relu"
    residual = True  # it has skip connections: rules defined on a chain of layers decline it

    def __str__(self) -> str:
        return (
            f"RevNet {self.input_size}-{2 * self.width}-{self.outputs}, {self.blocks} reversible blocks of "
            f"{self.width}-{self.hidden}-{self.width} ({self.activation})"
        )

    @property
    def output_size(self) -> int:
        return self.outputs

    def build(self, seed: int):
        """``nn.Sequential(stem, nn.Sequential(*ReversibleBlock), readout)``, every Linear initialised with PyTorch's
        default (uniform in ±1/sqrt(fan_in)) in that order, from a generator seeded here, as ``MLP.build`` does."""
        import torch
        from torch import nn

        from harness.architectures.reversible_blocks import ReversibleBlock

        generator = torch.Generator(device="cpu").manual_seed(seed)

        def linear(fan_in, fan_out):
            layer = nn.Linear(fan_in, fan_out)
            seeded_default_init(layer, fan_in, generator)
            return layer

        def residual_function():
            return nn.Sequential(
                linear(self.width, self.hidden), activation_module(self.activation), linear(self.hidden, self.width)
            )

        stem = linear(self.input_size, 2 * self.width)
        blocks = nn.Sequential(*(ReversibleBlock(residual_function(), residual_function()) for _ in range(self.blocks)))
        return nn.Sequential(stem, blocks, linear(2 * self.width, self.outputs))


def declines_residual(why: str):
    """An ``Algorithm.declines`` for a rule that reads a network as a chain of layers: it declines every task whose
    reference architecture has skip connections (``residual`` set: ``ReversibleResidual``, ``ResNet``), giving
    ``why`` (one clause), and no other."""

    def declines(task, config) -> str | None:
        if getattr(task.architecture, "residual", False):
            return f"{why}; {task.name} asks for a {task.architecture}"
        return None

    return declines
