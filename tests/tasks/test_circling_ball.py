"""The circling-ball video task: deterministic, faithful to its card, a ball that keeps to its circle."""

import warnings

import numpy as np

from harness.errors import DatasetDriftWarning
from harness.tasks import circling_ball
from harness.tasks.cards import checksum


def test_generator_is_deterministic_under_a_seed():
    first = circling_ball.generate(8, np.random.default_rng(3))
    second = circling_ball.generate(8, np.random.default_rng(3))
    other = circling_ball.generate(8, np.random.default_rng(4))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_the_task_matches_its_card():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DatasetDriftWarning)
        splits = circling_ball.load.__wrapped__()
    assert checksum(splits) == checksum(circling_ball.load())
    clip = (circling_ball.FRAMES - 1, circling_ball.SIZE**2)
    for split, n in circling_ball.SIZES.items():
        x, y = getattr(splits, f"x_{split}"), getattr(splits, f"y_{split}")
        assert x.shape == y.shape == (n, *clip) and x.dtype == y.dtype == np.float32
        np.testing.assert_array_equal(x[:, 1:], y[:, :-1])  # y is x one frame later
        assert x.min() >= 0.0 and x.max() <= 1.0


def test_the_ball_keeps_its_orbit_and_angular_speed_in_either_sense():
    centres = circling_ball.trajectories(200, 12, np.random.default_rng(0))[:, :, 0]
    offset = centres - circling_ball.SIZE / 2
    orbit = np.linalg.norm(offset, axis=-1)
    assert np.allclose(orbit, orbit[:, :1])
    assert circling_ball.ORBIT[0] <= orbit.min() and orbit.max() <= circling_ball.ORBIT[1]
    turn = np.diff(np.unwrap(np.arctan2(offset[..., 1], offset[..., 0]), axis=1), axis=1)
    assert np.allclose(turn, turn[:, :1])
    low, high = circling_ball.ANGULAR_SPEED
    assert ((low - 1e-9 <= np.abs(turn)) & (np.abs(turn) <= high + 1e-9)).all()
    assert 0.3 < (turn[:, 0] > 0).mean() < 0.7  # both senses, so one frame does not tell where the ball goes next


def test_copying_the_last_frame_is_a_non_trivial_baseline():
    """The ball moves about a pixel a frame, so the copy baseline errs, but far less than predicting blank frames."""
    splits = circling_ball.load()
    copy = ((circling_ball.copy_last_frame(splits.x_test) - splits.y_test) ** 2).mean()
    blank = (splits.y_test**2).mean()
    assert 0.2 * blank < copy < 0.8 * blank
