"""The circling-ball video task: a ball that keeps to its circle (test_video_tasks checks the rest)."""

import numpy as np

from harness.tasks import circling_ball


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
