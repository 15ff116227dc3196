"""What every generated video task must be: deterministic, faithful to its card, with a non-trivial baseline."""

import warnings

import numpy as np
import pytest

from harness.errors import DatasetDriftWarning
from harness.tasks import circling_ball, moving_balls
from harness.tasks.cards import checksum

VIDEO_TASKS = pytest.mark.parametrize("video", [moving_balls, circling_ball], ids=lambda module: module.__name__)


@VIDEO_TASKS
def test_generator_is_deterministic_under_a_seed(video):
    first = video.generate(8, np.random.default_rng(3))
    second = video.generate(8, np.random.default_rng(3))
    other = video.generate(8, np.random.default_rng(4))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


@VIDEO_TASKS
def test_the_task_matches_its_card(video):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DatasetDriftWarning)
        splits = video.load.__wrapped__()
    assert checksum(splits) == checksum(video.load())
    clip = (video.FRAMES - 1, video.SIZE**2)
    for split, n in video.SIZES.items():
        x, y = getattr(splits, f"x_{split}"), getattr(splits, f"y_{split}")
        assert x.shape == y.shape == (n, *clip) and x.dtype == y.dtype == np.float32
        np.testing.assert_array_equal(x[:, 1:], y[:, :-1])  # y is x one frame later
        assert x.min() >= 0.0 and x.max() <= 1.0


@VIDEO_TASKS
def test_copying_the_last_frame_is_a_non_trivial_baseline(video):
    """Balls move about a pixel a frame, so the copy baseline errs, but far less than predicting blank frames."""
    splits = video.load()
    copy = ((moving_balls.copy_last_frame(splits.x_test) - splits.y_test) ** 2).mean()
    blank = (splits.y_test**2).mean()
    assert 0.2 * blank < copy < 0.8 * blank
