"""Reference architectures: specs that tasks declare and every algorithm must use unless it declares it cannot.

A spec is a frozen dataclass with ``build(seed)``, returning a torch module initialised from ``seed``.
"""

from harness.architectures.batch_norm import declines_batch_norm
from harness.architectures.cnn import CNN, Conv, declines_convolutions
from harness.architectures.linear_dynamics import LinearDynamics
from harness.architectures.mlp import ACTIVATIONS, MLP, activation_module
from harness.architectures.resnet import RESNET20, ResNet
from harness.architectures.reversible import ReversibleResidual, declines_residual
from harness.architectures.rnn import CELLS, READOUTS, RNN
from harness.architectures.vgg import vgg5

__all__ = [
    "ACTIVATIONS",
    "CELLS",
    "CNN",
    "MLP",
    "READOUTS",
    "RESNET20",
    "RNN",
    "Conv",
    "LinearDynamics",
    "ResNet",
    "ReversibleResidual",
    "activation_module",
    "declines_batch_norm",
    "declines_convolutions",
    "declines_residual",
    "vgg5",
]
