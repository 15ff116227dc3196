"""Bouncing-ball video for next-frame prediction (the setting of PredNet, Lotter, Kreiman & Cox 2016).

Each example is a clip of ``FRAMES`` grey-scale ``SIZE``×``SIZE`` frames in which ``BALLS`` balls of
radius ``RADIUS`` pixels move at constant speed and bounce elastically off the walls (not off each
other; where two balls overlap the brighter pixel wins).  Balls are drawn as anti-aliased discs: a
pixel's intensity is the fraction of a one-pixel-wide ramp at the disc's edge that it covers, so
sub-pixel motion changes the frame.  Speeds are uniform in ``SPEED`` pixels per frame, directions
uniform on the circle, starting positions uniform inside the walls.

The objective is regression: ``x`` is frames ``0 … T−2`` and ``y`` frames ``1 … T−1`` of the same
clip, so ``y[:, t]`` is the frame after ``x[:, t]`` and a learner's ``predict(x)[:, t]`` may use frames
``0 … t``.  Each frame is stored as a row-major vector of ``SIZE²`` pixels, so ``x`` and ``y`` are
``(n, T−1, SIZE²)`` like any other sequence task's and every sequence rule can read them; a
convolutional rule reshapes each vector into its square frame.  The baseline is copying the last frame
(``prediction = x``), the usual reference for next-frame prediction, so a positive skill means the
learner predicts motion better than assuming none.
"""

from __future__ import annotations

import functools

from harness.architectures import RNN
from harness.contract import Budget, Splits, Task
from harness.tasks.splits import generated_splits

SIZE = 16
FRAMES = 12
BALLS = 2
RADIUS = 2.0
SPEED = (0.75, 1.5)
SIZES = {"train": 1_000, "val": 100, "test": 200}
SEED = 0


def trajectories(n: int, frames: int, balls: int, size: int, radius: float, rng):
    """Ball centres ``(n, frames, balls, 2)`` in pixel coordinates, reflected at the walls."""
    import numpy as np

    low, high = radius, size - radius
    position = rng.uniform(low, high, size=(n, balls, 2))
    angle = rng.uniform(0, 2 * np.pi, size=(n, balls))
    speed = rng.uniform(*SPEED, size=(n, balls))
    velocity = speed[..., None] * np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    centres = np.empty((n, frames, balls, 2))
    for t in range(frames):
        centres[:, t] = position
        position = position + velocity
        below, above = position < low, position > high
        position = np.where(below, 2 * low - position, np.where(above, 2 * high - position, position))
        velocity = np.where(below | above, -velocity, velocity)
    return centres


def render(centres, size: int, radius: float):
    """Frames ``(n, frames, size, size)`` in [0, 1] from ball centres ``(n, frames, balls, 2)``."""
    import numpy as np

    pixel = np.arange(size) + 0.5
    rows = (pixel[:, None] - centres[..., 0, None, None]) ** 2  # (n, frames, balls, size, 1)
    columns = (pixel[None, :] - centres[..., 1, None, None]) ** 2  # (n, frames, balls, 1, size)
    distance = np.sqrt(rows + columns)
    discs = np.clip(radius + 0.5 - distance, 0.0, 1.0)
    return discs.max(axis=2).astype(np.float32)


def generate(n: int, rng, frames: int = FRAMES, balls: int = BALLS, size: int = SIZE, radius: float = RADIUS):
    """``n`` clips as ``(x, y)``: frames ``0 … frames−2`` and ``1 … frames−1``, each frame a vector of ``size²`` pixels."""
    import numpy as np

    video = render(trajectories(n, frames, balls, size, radius, rng), size, radius).reshape(n, frames, size * size)
    return np.ascontiguousarray(video[:, :-1]), np.ascontiguousarray(video[:, 1:])


def copy_last_frame(x):
    """The baseline: the next frame is predicted to equal the current one."""
    return x


@functools.cache
def load() -> Splits:
    """1,000 / 100 / 200 clips, drawn in that order from one generator seeded with ``SEED``."""
    return generated_splits("moving-balls", SEED, SIZES, lambda n, rng, _: generate(n, rng))


MOVING_BALLS = Task(
    name="moving-balls",
    kind="sequence",
    description=f"bouncing balls, {BALLS} per clip, {SIZE}×{SIZE} frames, {FRAMES}-frame clips: predict the next frame",
    load=load,
    # A generic sequence model for rules that use the reference architecture: an LSTM reading each frame as
    # a vector of SIZE² pixels and writing the next one; PredNet declares its own convolutional network.
    architecture=RNN(SIZE * SIZE, 64, SIZE * SIZE, cell="lstm", readout="every"),
    n_classes=0,
    budget=Budget(presentations=8_000),
    quick_budget=Budget(presentations=1_600),
    targets=(0.1, 0.3, 0.5),
    dataset="moving-balls",
    objective="regression",
    baseline=copy_last_frame,
)
