"""A chain of layers read layer by layer: what rules that train each weighted layer on its own step through.

A reference ``MLP``, ``CNN`` (``vgg5`` included) is an ``nn.Sequential`` in which every weighted layer
(``Linear``, ``Conv1d``, ``Conv2d``) is followed by the parameter-free modules that shape its output
(activation, pooling, flattening).  ``layer_blocks`` pairs each weighted layer with them; ``leading_modules``
are those before the first weighted layer (a CNN's ``Unflatten``).
"""

from __future__ import annotations

from torch import nn

WEIGHTED = (nn.Linear, nn.Conv1d, nn.Conv2d)


def layer_blocks(model: nn.Sequential) -> list[tuple[nn.Module, list[nn.Module]]]:
    """(weighted layer, the parameter-free modules after it) per weighted layer, in order."""
    blocks = []
    for module in model:
        if isinstance(module, WEIGHTED):
            blocks.append((module, []))
        elif blocks:
            blocks[-1][1].append(module)
    return blocks


def weighted_layers(model: nn.Module) -> list[nn.Module]:
    """Every ``Linear``, ``Conv1d`` and ``Conv2d`` in ``model``, in module order (a chain's: ``layer_blocks``')."""
    return [module for module in model.modules() if isinstance(module, WEIGHTED)]


def leading_modules(model: nn.Sequential) -> list[nn.Module]:
    """The modules before the first weighted layer."""
    leading = []
    for module in model:
        if isinstance(module, WEIGHTED):
            return leading
        leading.append(module)
    return leading


def apply_modules(modules, signal):
    """``signal`` through ``modules`` in turn."""
    for module in modules:
        signal = module(signal)
    return signal
