"""The reversible residual block of Gomez, Ren, Urtasun & Grosse (2017) as a torch module."""

from __future__ import annotations

import torch
from torch import nn


class ReversibleBlock(nn.Module):
    """``(x1, x2) -> (y1, y2) = (x1 + F(x2), x2 + G(y1))`` on the two halves of its input's features.

    ``inverse`` recovers the input from the output, ``x2 = y2 - G(y1)``, ``x1 = y1 - F(x2)``, which is what lets a
    learning rule recompute activations in its backward pass instead of storing them.
    """

    def __init__(self, f: nn.Module, g: nn.Module):
        super().__init__()
        self.f, self.g = f, g

    def forward(self, x):
        x1, x2 = x.chunk(2, dim=-1)
        y1 = x1 + self.f(x2)
        return torch.cat((y1, x2 + self.g(y1)), dim=-1)

    def inverse(self, y):
        y1, y2 = y.chunk(2, dim=-1)
        x2 = y2 - self.g(y1)
        return torch.cat((y1 - self.f(x2), x2), dim=-1)
