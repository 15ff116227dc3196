"""A ball moving along a circular path: the toy video of Hinton & Brown (2000), "Spiking Boltzmann machines".

Each example is a clip of ``FRAMES`` grey-scale ``SIZE``×``SIZE`` frames of one anti-aliased ball of radius
``RADIUS`` pixels (drawn as in ``moving_balls``) whose centre goes round a circle about the frame's centre.
Per clip the orbit's radius is uniform in ``ORBIT``, the starting angle uniform on the circle, the angular
speed uniform in ``ANGULAR_SPEED`` radians per frame and the sense (clockwise or not) a fair coin, so the next
position depends on the ball's direction, which one frame does not show: a predictor must remember.

As in ``moving_balls``, ``x`` is frames ``0 … T−2`` and ``y`` frames ``1 … T−1``, each frame a row-major vector
of ``SIZE²`` pixels, and the baseline is copying the last frame.  The task lives in the ``toys`` suite
(``Task.suite``), not in the quick one: it is there for one rule's claim, not to rank every sequence rule.
"""

from __future__ import annotations

import functools

from harness.architectures import RNN
from harness.contract import Budget, Splits, Task
from harness.tasks.moving_balls import copy_last_frame, render
from harness.tasks.splits import generated_splits

SIZE = 12
FRAMES = 12
RADIUS = 2.0
ORBIT = (3.0, 4.0)  # pixels from the frame's centre; the ball stays inside the frame
ANGULAR_SPEED = (0.2, 0.35)  # radians per frame: about 0.6-1.4 pixels along the orbit
SIZES = {"train": 1_000, "val": 100, "test": 200}
SEED = 0


def trajectories(n: int, frames: int, rng):
    """Ball centres ``(n, frames, 1, 2)`` in pixel coordinates."""
    import numpy as np

    orbit = rng.uniform(*ORBIT, size=(n, 1))
    start = rng.uniform(0, 2 * np.pi, size=(n, 1))
    speed = rng.uniform(*ANGULAR_SPEED, size=(n, 1)) * rng.choice([-1.0, 1.0], size=(n, 1))
    angle = start + speed * np.arange(frames)
    centre = SIZE / 2
    return np.stack([centre + orbit * np.cos(angle), centre + orbit * np.sin(angle)], axis=-1)[:, :, None, :]


def generate(n: int, rng, frames: int = FRAMES):
    """``n`` clips as ``(x, y)``: frames ``0 … frames−2`` and ``1 … frames−1``, each a vector of ``SIZE²`` pixels."""
    import numpy as np

    video = render(trajectories(n, frames, rng), SIZE, RADIUS).reshape(n, frames, SIZE * SIZE)
    return np.ascontiguousarray(video[:, :-1]), np.ascontiguousarray(video[:, 1:])


@functools.cache
def load() -> Splits:
    """1,000 / 100 / 200 clips, drawn in that order from one generator seeded with ``SEED``."""
    return generated_splits("circling-ball", SEED, SIZES, lambda n, rng, _: generate(n, rng))


CIRCLING_BALL = Task(
    name="circling-ball",
    kind="sequence",
    description=f"one ball circling the centre of {SIZE}×{SIZE} frames, {FRAMES}-frame clips: predict the next frame",
    load=load,
    architecture=RNN(SIZE * SIZE, 64, SIZE * SIZE, cell="lstm", readout="every"),
    n_classes=0,
    budget=Budget(presentations=20_000),
    quick_budget=Budget(presentations=8_000),
    targets=(0.1, 0.3, 0.5),
    dataset="circling-ball",
    objective="regression",
    baseline=copy_last_frame,
    suite="toys",
)
