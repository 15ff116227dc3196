"""The conformance kit's tiny tasks: a classification, a convolutional and a residual convolutional
classification, a reversible residual classification, a sequence-classification and a video task.

Each takes seconds to train on, so the checks stay fast.
"""

from __future__ import annotations

from harness.architectures import CNN, MLP, RNN, Conv, ResNet, ReversibleResidual
from harness.contract import Budget, Splits, Task
from harness.tasks import assoc_retrieval
from harness.tasks.moving_balls import copy_last_frame, generate


def _blobs() -> Splits:
    import numpy as np

    rng = np.random.RandomState(0)
    centres = rng.normal(0, 3, size=(3, 8))

    def sample(n):
        labels = np.arange(n) % 3
        return (centres[labels] + rng.normal(size=(n, 8))).astype(np.float32), labels.astype(np.int64)

    return Splits(*sample(96), *sample(48), *sample(48))


CONFORMANCE_TASK = Task(
    name="conformance",
    kind="classification",
    description="three Gaussian blobs in 8 dimensions, for contract checks",
    load=_blobs,
    architecture=MLP((8, 16, 16, 3)),
    n_classes=3,
    budget=Budget(presentations=160),
    quick_budget=Budget(presentations=160),
    targets=(0.5,),
)

REVERSIBLE_CONFORMANCE_TASK = Task(
    name="conformance-reversible",
    kind="classification",
    description="the three Gaussian blobs, on a reversible residual network of three blocks, for checks of rules on it",
    load=_blobs,
    architecture=ReversibleResidual(input_size=8, width=4, hidden=8, blocks=3, outputs=3),
    n_classes=3,
    budget=Budget(presentations=160),
    quick_budget=Budget(presentations=160),
    targets=(0.5,),
)


def _shifted_patterns() -> Splits:
    """16-sample signals: one of three fixed 4-sample patterns, at a random shift, in noise (so that a shared
    kernel helps)."""
    import numpy as np

    rng = np.random.RandomState(0)
    patterns = rng.normal(0, 2, size=(3, 4))

    def sample(n):
        labels = np.arange(n) % 3
        x = rng.normal(0, 0.3, size=(n, 16))
        for row, (label, shift) in enumerate(zip(labels, rng.randint(0, 13, size=n))):
            x[row, shift : shift + 4] += patterns[label]
        return x.astype(np.float32), labels.astype(np.int64)

    return Splits(*sample(240), *sample(60), *sample(60))


CONV_CONFORMANCE_TASK = Task(
    name="conformance-conv",
    kind="classification",
    description="three 4-sample patterns at random shifts in 16-sample signals, for checks on convolutions",
    load=_shifted_patterns,
    architecture=CNN((1, 16), (Conv(4, 3, padding=1, pool=2), Conv(4, 3, stride=2, padding=1)), (8,), 3),
    n_classes=3,
    budget=Budget(presentations=160),
    quick_budget=Budget(presentations=160),
    targets=(0.5,),
)

RESNET_CONFORMANCE_TASK = Task(
    name="conformance-resnet",
    kind="classification",
    description="the shifted patterns' signals read as 4×4 images, on a ResNet of one basic block per stage (4 and 8 "
    "channels, batch norm), for checks of rules on residual networks",
    load=_shifted_patterns,
    architecture=ResNet((1, 4, 4), 1, (4, 8), 3),
    n_classes=3,
    budget=Budget(presentations=160),
    quick_budget=Budget(presentations=160),
    targets=(0.5,),
)


def _tiny_video() -> Splits:
    import numpy as np

    rng = np.random.default_rng(0)
    return Splits(*(array for n in (64, 32, 32) for array in generate(n, rng, frames=5, balls=1, size=8, radius=1.5)))


VIDEO_CONFORMANCE_TASK = Task(
    name="conformance-video",
    kind="sequence",
    description="one bouncing ball, 8×8 frames, 5-frame clips: next-frame prediction, for contract checks of video rules",
    load=_tiny_video,
    architecture=RNN(64, 8, 64, cell="lstm", readout="every"),
    n_classes=0,
    budget=Budget(presentations=64),
    quick_budget=Budget(presentations=64),
    targets=(0.1,),
    objective="regression",
    baseline=copy_last_frame,
)


def _tiny_retrieval() -> Splits:
    import numpy as np

    rng = np.random.default_rng(0)
    arrays = []
    for n in (96, 48, 48):
        codes, targets = assoc_retrieval.generate(n, 2, rng)
        arrays += [assoc_retrieval.one_hot(codes), targets]
    return Splits(*arrays)


RETRIEVAL_CONFORMANCE_TASK = Task(
    name="conformance-retrieval",
    kind="sequence",
    description="associative retrieval with two pairs (7 characters, one digit to name), for contract checks of "
    "sequence classifiers",
    load=_tiny_retrieval,
    architecture=RNN(len(assoc_retrieval.ALPHABET), 8, 10, cell="irnn", readout="last"),
    n_classes=10,
    budget=Budget(presentations=160),
    quick_budget=Budget(presentations=160),
    targets=(0.5,),
)
