"""Reference architectures: specs that tasks declare and every algorithm must use unless it declares it cannot.

A spec is a frozen dataclass with ``build(seed)``, returning a torch module initialised from ``seed``.
"""

from harness.architectures.cnn import CNN, Conv, declines_convolutions
from harness.architectures.linear_dynamics import LinearDynamics
from harness.architectures.mlp import ACTIVATIONS, MLP, activation_module
from harness.architectures.reversible import ReversibleResidual, declines_residual
from harness.architectures.rnn import CELLS, READOUTS, RNN

__all__ = [
    "ACTIVATIONS",
    "CELLS",
    "CNN",
    "MLP",
    "READOUTS",
    "RNN",
    "Conv",
    "LinearDynamics",
    "ReversibleResidual",
    "activation_module",
    "declines_convolutions",
    "declines_residual",
]
