"""The datasets researchers already have on disk: MNIST and Fashion-MNIST (tasks), CIFAR-10 and CIFAR-100 (splits).

Read from the user's data folder (``harness.tasks.data_folder``: ``--data-dir`` or ``CREDITBENCH_DATA``), in the
layouts the official archives and torchvision leave, checked against each dataset's card; nothing is
downloaded.  The test split is the official test set; the validation split is the card's ``validation`` (5,000)
images of the official training set, stratified by class (``harness.tasks.splits.carved``), as mnist1d's is
carved from its generator's training set.  Pixels are divided by 255 and each image is flattened as stored
(row-major; CIFAR's red, green and blue planes one after the other), the input of an MLP.

The loaders are not cached in the process (the data folder may change between calls); a suite's workers share
what the first one loaded (``harness.shared_cache``).

The tasks are the anchors' settings: full MNIST with the MLP 784-256-256-10 (Bartunov et al. 2018) and with
LeNet (BioTorch, Sanfiz & Akrout 2021: test error BP 0.91%, FA 1.70%, DFA 1.61%); Fashion-MNIST with the MLP;
CIFAR-10 with ResNet-20 (BioTorch: top-1 error BP 8.63%, FA 32.16%, DFA 45.94%, uSF 10.05%) and with VGG-5
(PCX, Pinchetti et al. 2024: accuracy BP 89.98%, PC 88.78%); CIFAR-100 with the same two networks.  The
papers train with data augmentation and their own schedules; these tasks present the images as they are,
so the published figures are a comparable setting, not the same one.
"""

from __future__ import annotations

import dataclasses

from harness.architectures import MLP, ResNet, vgg5
from harness.contract import Budget, Splits, Task
from harness.tasks import cards, cifar_batches, idx
from harness.tasks.data_folder import OfficialFiles
from harness.tasks.digits import MNIST5K_CNN
from harness.tasks.splits import as_arrays, carved

IDX_FILES = tuple(
    (stem, f"{stem}.gz")  # the decompressed file is preferred: it is read without inflating
    for stem in (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    )
)
MNIST_FILES = OfficialFiles("mnist", IDX_FILES, idx.read)
FASHION_MNIST_FILES = OfficialFiles("fashion-mnist", IDX_FILES, idx.read)


def _cifar10_batch(name: str, raw: bytes):
    return cifar_batches.read(raw, "labels")


def _cifar100_batch(name: str, raw: bytes):
    return cifar_batches.read(raw, "fine_labels")


CIFAR10_FILES = OfficialFiles(
    "cifar10", [*((f"data_batch_{i}",) for i in range(1, 6)), ("test_batch",)], _cifar10_batch
)
CIFAR100_FILES = OfficialFiles("cifar100", [("train",), ("test",)], _cifar100_batch)


def official_splits(dataset: str, x_train, y_train, x_test, y_test) -> Splits:
    """The splits of a dataset from its official training and test sets (uint8 images, integer labels)."""
    import numpy as np

    def pixels(images):
        return np.divide(images.reshape(len(images), -1), 255, dtype=np.float32)

    x_train, x_val, y_train, y_val = carved(x_train, y_train, cards.card(dataset)["validation"])
    return as_arrays(pixels(x_train), y_train, pixels(x_val), y_val, pixels(x_test), y_test)


def idx_splits(files: OfficialFiles) -> Splits:
    x_train, y_train, x_test, y_test = files.read()
    return official_splits(files.dataset, x_train, y_train, x_test, y_test)


def cifar_splits(files: OfficialFiles) -> Splits:
    import numpy as np

    *train, (x_test, y_test) = files.read()
    x_train, y_train = (np.concatenate(arrays) for arrays in zip(*train))
    return official_splits(files.dataset, x_train, y_train, x_test, y_test)


def load_mnist() -> Splits:
    """MNIST's official files: 55,000 / 5,000 / 10,000."""
    return idx_splits(MNIST_FILES)


def load_fashion_mnist() -> Splits:
    """Fashion-MNIST's official files: 55,000 / 5,000 / 10,000."""
    return idx_splits(FASHION_MNIST_FILES)


def load_cifar10() -> Splits:
    """CIFAR-10's official python batches: 45,000 / 5,000 / 10,000, inputs (n, 3072)."""
    return cifar_splits(CIFAR10_FILES)


def load_cifar100() -> Splits:
    """CIFAR-100's official python batches with the fine labels: 45,000 / 5,000 / 10,000, inputs (n, 3072)."""
    return cifar_splits(CIFAR100_FILES)


# Ten epochs of the 55,000 training images (mnist5k's full budget is 100 epochs of 3,500 images, mnist1d's 171 of
# 3,500); the quick budget is two epochs.  No robustness radii yet: they are chosen on the validation split
# (harness.metrics.robustness.radii) from runs on the real files, which this repository does not hold.
BUDGET = Budget(presentations=550_000)
QUICK_BUDGET = Budget(presentations=110_000)

MNIST = Task(
    name="mnist",
    kind="classification",
    description="MNIST, the 70,000 official 28×28 digits, read from the data folder (--data-dir)",
    load=load_mnist,
    architecture=MLP((784, 256, 256, 10)),
    n_classes=10,
    budget=BUDGET,
    quick_budget=QUICK_BUDGET,
    targets=(0.5, 0.8, 0.9, 0.95),
    dataset="mnist",
    check_files=MNIST_FILES.check,
)

FASHION_MNIST = Task(
    name="fashion-mnist",
    kind="classification",
    description="Fashion-MNIST, the 70,000 official 28×28 article images, read from the data folder (--data-dir)",
    load=load_fashion_mnist,
    architecture=MLP((784, 256, 256, 10)),
    n_classes=10,
    budget=BUDGET,
    quick_budget=QUICK_BUDGET,
    targets=(0.5, 0.7, 0.8, 0.85),
    dataset="fashion-mnist",
    check_files=FASHION_MNIST_FILES.check,
)

MNIST_LENET = dataclasses.replace(
    MNIST,
    name="mnist-lenet",
    description="MNIST, the 70,000 official 28×28 digits, with mnist5k-cnn's LeNet-5-style CNN (BioTorch's setting)",
    architecture=MNIST5K_CNN.architecture,
)

# Fifty epochs of the 45,000 training images (BioTorch and PCX train longer, with augmentation); the quick
# budget is one epoch.  The targets run up to what the anchors' networks reach.
CIFAR_BUDGET = Budget(presentations=2_250_000)
CIFAR_QUICK_BUDGET = Budget(presentations=45_000)


def cifar_task(dataset: str, network: str) -> Task:
    """CIFAR-10 or CIFAR-100 (``dataset``) with ResNet-20 (``network`` "resnet20") or VGG-5 ("vgg")."""
    classes, load, files, targets, title = {
        "cifar10": (10, load_cifar10, CIFAR10_FILES, (0.3, 0.5, 0.7, 0.85), "CIFAR-10, the 60,000 official"),
        "cifar100": (100, load_cifar100, CIFAR100_FILES, (0.1, 0.3, 0.45, 0.6), "CIFAR-100, the 60,000 official"),
    }[dataset]
    architecture, described = {
        "resnet20": (ResNet((3, 32, 32), 3, (16, 32, 64), classes), "ResNet-20 (He et al. 2016)"),
        "vgg": (vgg5(classes), "VGG-5 (as in PCX)"),
    }[network]
    return Task(
        name=f"{dataset}-{network}",
        kind="classification",
        description=f"{title} 32×32 colour images, read from the data folder (--data-dir), with {described}",
        load=load,
        architecture=architecture,
        n_classes=classes,
        budget=CIFAR_BUDGET,
        quick_budget=CIFAR_QUICK_BUDGET,
        targets=targets,
        dataset=dataset,
        check_files=files.check,
    )


CIFAR_TASKS = tuple(
    cifar_task(dataset, network) for dataset in ("cifar10", "cifar100") for network in ("vgg", "resnet20")
)
