"""The bouncing-ball video task: deterministic, faithful to its card, physically sensible."""

import warnings

import numpy as np

from harness.errors import DatasetDriftWarning
from harness.tasks import moving_balls
from harness.tasks.cards import checksum


def test_generator_is_deterministic_under_a_seed():
    first = moving_balls.generate(8, np.random.default_rng(3))
    second = moving_balls.generate(8, np.random.default_rng(3))
    other = moving_balls.generate(8, np.random.default_rng(4))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_the_task_matches_its_card():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DatasetDriftWarning)
        splits = moving_balls.load.__wrapped__()
    assert checksum(splits) == checksum(moving_balls.load())
    clip = (moving_balls.FRAMES - 1, moving_balls.SIZE**2)
    for split, n in moving_balls.SIZES.items():
        x, y = getattr(splits, f"x_{split}"), getattr(splits, f"y_{split}")
        assert x.shape == y.shape == (n, *clip) and x.dtype == y.dtype == np.float32
        np.testing.assert_array_equal(x[:, 1:], y[:, :-1])  # y is x one frame later
        assert x.min() >= 0.0 and x.max() <= 1.0


def test_balls_stay_inside_the_frame_and_keep_their_speed():
    rng = np.random.default_rng(0)
    centres = moving_balls.trajectories(50, 40, 2, 16, 2.0, rng)
    assert centres.min() >= 2.0 and centres.max() <= 14.0
    steps = np.linalg.norm(np.diff(centres, axis=1), axis=-1)
    # A bounce folds the step at the wall, so a step's length is at most the speed, and equal away from walls.
    speed = steps.max(axis=1, keepdims=True)
    assert (steps <= speed + 1e-9).all()
    assert np.median(np.abs(steps - speed)) < 1e-9
    assert moving_balls.SPEED[0] - 1e-9 <= speed.min() and speed.max() <= moving_balls.SPEED[1] + 1e-9


def test_a_rendered_ball_has_the_area_of_its_disc():
    centres = np.array([[[[8.0, 8.0]]]])  # one clip, one frame, one ball in the middle of a 16×16 frame
    frame = moving_balls.render(centres, 16, 2.0)[0, 0]
    assert abs(frame.sum() - np.pi * 2.0**2) < 1.0
    assert frame[7, 7] == 1.0 and frame[0, 0] == 0.0


def test_copying_the_last_frame_is_a_non_trivial_baseline():
    """Balls move about a pixel a frame, so the copy baseline errs, but far less than predicting blank frames."""
    splits = moving_balls.load()
    copy = ((moving_balls.copy_last_frame(splits.x_test) - splits.y_test) ** 2).mean()
    blank = (splits.y_test**2).mean()
    assert 0.2 * blank < copy < 0.8 * blank
