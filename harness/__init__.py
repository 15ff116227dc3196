"""creditbench: a benchmarking harness for neural-network learning rules.

The import package is ``harness``.  This module is the public API: plugins import only from here
(and the conformance kit, ``harness.testing``).

* the contract: ``Algorithm``, ``Task``, ``Metric``, ``Budget``, ``Splits``, ``Plausibility``, ``Learner``;
  the hooks' marker ``hookimpl`` and ``CONTRACT_VERSION``;
* reference architectures: ``MLP``, ``CNN`` (of ``Conv`` layers), ``RNN`` (building a ``RecurrentNetwork``),
  ``ReversibleResidual`` (of ``ReversibleBlock`` modules), ``ResNet`` (``RESNET20``, of ``BasicBlock`` modules with
  batch norm), ``vgg5`` (a ``CNN``), ``activation_module``; ``declines_convolutions``, the ``Algorithm.declines``
  of a rule defined on chains of fully connected layers only (it declines CNNs and residual networks),
  ``declines_residual`` that of a rule defined on chains of layers (it declines architectures with ``residual``
  set), ``declines_batch_norm`` that of a rule that cannot train batch norm (``batch_norm`` set);
* learner building blocks: ``ModelLearner``, ``GradientLearner`` and the task losses; ``layer_blocks``,
  ``leading_modules``, ``apply_modules`` and ``weighted_layers``, which read a network layer by layer (for rules
  that train each weighted layer on its own);
* ``quadratics``: the random-quadratic family that learned optimisers meta-train on; ``few_shot``: the few-shot
  task's base classes, which meta-learners (MAML, ANIL) meta-train on.
"""

from harness.architectures import (
    CNN,
    MLP,
    RESNET20,
    RNN,
    Conv,
    ResNet,
    ReversibleResidual,
    activation_module,
    declines_batch_norm,
    declines_convolutions,
    declines_residual,
    vgg5,
)
from harness.contract import Algorithm, Budget, Learner, Metric, Plausibility, Splits, Task
from harness.hookspecs import CONTRACT_VERSION, hookimpl
from harness.learners import (
    GradientLearner,
    ModelLearner,
    cross_entropy,
    mean_squared_error,
    one_hot_squared_error,
    task_loss,
)
from harness.tasks import few_shot, quadratics

__version__ = "0.3.0"

__all__ = [
    "CNN",
    "CONTRACT_VERSION",
    "MLP",
    "RESNET20",
    "RNN",
    "Algorithm",
    "Budget",
    "Conv",
    "GradientLearner",
    "Learner",
    "Metric",
    "ModelLearner",
    "Plausibility",
    "RecurrentNetwork",
    "ResNet",
    "ReversibleBlock",
    "ReversibleResidual",
    "Splits",
    "Task",
    "__version__",
    "activation_module",
    "apply_modules",
    "cross_entropy",
    "declines_batch_norm",
    "declines_convolutions",
    "declines_residual",
    "few_shot",
    "hookimpl",
    "layer_blocks",
    "leading_modules",
    "mean_squared_error",
    "one_hot_squared_error",
    "quadratics",
    "task_loss",
    "vgg5",
    "weighted_layers",
]


def __dir__():
    return __all__


def __getattr__(name: str):
    # RecurrentNetwork, ReversibleBlock and the layer-block readers import torch; importing them lazily keeps
    # `import harness` (and `creditbench list`) light.
    if name in ("layer_blocks", "leading_modules", "apply_modules", "weighted_layers"):
        from harness.architectures import layer_blocks as readers

        return getattr(readers, name)
    if name == "RecurrentNetwork":
        from harness.architectures.recurrent_networks import RecurrentNetwork

        return RecurrentNetwork
    if name == "ReversibleBlock":
        from harness.architectures.reversible_blocks import ReversibleBlock

        return ReversibleBlock
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
