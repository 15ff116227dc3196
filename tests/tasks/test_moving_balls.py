"""The bouncing-ball video task: physically sensible (test_video_tasks checks what every video task must be)."""

import numpy as np

from harness.tasks import moving_balls


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
