from dataclasses import replace

import numpy as np
import pytest
import torch
from creditbench_prednet import declines
from creditbench_prednet.learner import ErrorUnitLoss, build_prednet, layer_weights
from creditbench_prednet.network import PredNet

from harness.contract import Splits
from harness.registry import registry
from harness.tasks.moving_balls import MOVING_BALLS
from harness.testing import CONFORMANCE_TASK, VIDEO_CONFORMANCE_TASK, parametrize_with_checks


@parametrize_with_checks(["prednet", "prednet-lall"])  # on the kit's video task, the one prednet accepts
def test_conformance(algorithm, check):
    check(algorithm)


def test_the_pixel_layers_errors_are_the_absolute_prediction_error():
    """E_0 = [ReLU(A − Â), ReLU(Â − A)]: its two halves sum to |A − Â|, and each is non-negative."""
    torch.manual_seed(0)
    network = PredNet((1, 4), (2, 4))
    frames = torch.rand(3, 4, 8, 8)
    state = network.initial_state(frames[:, 0])
    prediction, errors, _ = network.step(state, frames[:, 0])
    below, above = errors[0].chunk(2, dim=1)
    assert (below >= 0).all() and (above >= 0).all()
    torch.testing.assert_close(below + above, (frames[:, :1] - prediction).abs())
    assert [tuple(e.shape) for e in errors] == [(3, 2, 8, 8), (3, 8, 4, 4)]


def test_a_prediction_uses_only_the_frames_before_it():
    """Output t predicts frame t + 1 from frames 0 … t: changing later frames leaves it unchanged."""
    torch.manual_seed(0)
    network = PredNet((1, 4, 8), (2, 4, 8))
    x = torch.rand(2, 6, 64)  # 8×8 frames as vectors, the harness's layout
    changed = x.clone()
    changed[:, 3:] = torch.rand(2, 3, 64)
    with torch.no_grad():
        before, after = network(x), network(changed)
    assert before.shape == x.shape
    torch.testing.assert_close(before[:, :3], after[:, :3])
    assert not torch.allclose(before[:, 3], after[:, 3])


def test_loss_settings_weigh_the_upper_layers_errors_as_the_paper_does():
    assert layer_weights("L0", 3) == (1.0, 0.0, 0.0)
    assert layer_weights("L_all", 3) == (1.0, 0.1, 0.1)
    with pytest.raises(ValueError, match="unknown loss"):
        layer_weights("L2", 3)


def test_the_training_loss_is_the_papers_weighted_error_over_the_clip():
    """Under L_0 the loss is the mean of E_0 over steps 1 … T−1, i.e. half the mean absolute error of the
    predictions that ``forward`` makes; L_all adds 0.1 × the mean of each upper layer's errors."""
    torch.manual_seed(0)
    network = PredNet((1, 4), (2, 4))
    clip = torch.rand(2, 5, 64)
    x, y = clip[:, :-1], clip[:, 1:]
    pixel_loss = ErrorUnitLoss(layer_weights("L0", 2)).value(network, x, y)
    torch.testing.assert_close(pixel_loss, (network(x) - y).abs().mean() / 2)
    upper = torch.stack([step[1].mean() for step in network.errors(clip)[1:]]).mean()
    torch.testing.assert_close(ErrorUnitLoss(layer_weights("L_all", 2)).value(network, x, y), pixel_loss + 0.1 * upper)


def test_declines_tasks_that_are_not_video():
    config = registry().algorithm("prednet").config_for("moving-balls")
    assert declines(MOVING_BALLS, config) is None
    assert "classification" in declines(CONFORMANCE_TASK, config)
    series = np.zeros((4, 3, 10), dtype=np.float32)  # sequences of 10 numbers: not square frames
    not_video = replace(VIDEO_CONFORMANCE_TASK, name="series", load=lambda: Splits(*[series] * 6))
    assert "square frames" in declines(not_video, config)
    odd_frames = replace(
        VIDEO_CONFORMANCE_TASK, name="odd", load=lambda: Splits(*[np.zeros((4, 3, 36), np.float32)] * 6)
    )
    assert "divisible by 4" in declines(odd_frames, config)  # 6×6 frames cannot be halved twice


def _skill(learner, x, y) -> float:
    prediction = learner.predict(x)
    return 1.0 - float(((prediction - y) ** 2).mean() / ((x - y) ** 2).mean())


@pytest.mark.parametrize("name", ["prednet", "prednet-lall"])
def test_predicts_the_next_frame_better_than_copying_the_last(name):
    """Lotter, Kreiman & Cox (2017), Tables 1 and 3: PredNet's next-frame MSE is well below copying the last
    frame, with either loss (rotating faces: L_0 0.0152, L_all 0.0157 vs 0.125; KITTI-trained, tested on
    CalTech Pedestrian: L_0 3.13e-3 vs 7.95e-3), i.e. skill 1 − MSE / MSE(copy) of 0.88 and 0.61.

    Ours, far smaller: 60 updates of 8 clips on moving-balls (3-layer PredNet with 4–16 channels, 47k
    weights) reach a test skill of about 0.5 with either loss; the quick suite's runs reach more.
    """
    assert _test_skill_after(name, updates=60) > MIN_SKILL


MIN_SKILL = 0.3  # the claim's bar: the prediction's squared error under 70% of copying the last frame's


def _test_skill_after(name: str, updates: int) -> float:
    algorithm = registry().algorithm(name)
    data = MOVING_BALLS.load()
    x_train, y_train = torch.as_tensor(data.x_train), torch.as_tensor(data.y_train)
    x_test, y_test = torch.as_tensor(data.x_test), torch.as_tensor(data.y_test)
    torch.manual_seed(0)
    learner = build_prednet(MOVING_BALLS, algorithm.config_for(MOVING_BALLS.name), seed=0)
    batch = algorithm.defaults["batch_size"]
    for step in range(updates):
        start = step * batch
        learner.train_step(x_train[start : start + batch], y_train[start : start + batch])
    return _skill(learner, x_test, y_test)


def test_an_untrained_prednet_does_not_pass_the_bar():
    """Negative control of both checks: the same network with no update at all is far below the bar."""
    assert _test_skill_after("prednet", updates=0) < MIN_SKILL


def beats_copying_the_last_frame(entry_of) -> dict:
    """The claim's check on ``entry_of(name)`` (quick-suite entries on moving-balls) for both losses: test skill
    above ``MIN_SKILL``.  Returns the skills."""
    skills = {name: entry_of(name)["test_score_mean"] for name in ("prednet", "prednet-lall")}
    for name, skill in skills.items():
        assert skill > MIN_SKILL, f"{name}: skill {skill:.3f}"
    return skills


@pytest.mark.creditbench_claim(
    rule=["prednet", "prednet-lall"],
    paper="Lotter, Kreiman & Cox 2017",
    claim="PredNet predicts the next frame better than copying the last: test skill above 0.3 on moving-balls for the L_0 and L_all losses",
)
def test_prednet_beats_copying_the_last_frame_in_the_suite(creditbench_results):
    """Lotter, Kreiman & Cox (2017): lower next-frame error than copying the last frame, for both the L_0 and
    the L_all loss (paper's skill: 0.88 / 0.87 on rotating faces; 0.61 with L_0 on CalTech Pedestrian)."""
    beats_copying_the_last_frame(lambda name: creditbench_results.entry("moving-balls", name))


@pytest.mark.creditbench_claim(
    rule=["prednet", "prednet-lall"],
    paper="Lotter, Kreiman & Cox 2017",
    claim="negative control: the skill check fails for PredNet at learning rate 0",
)
def test_the_suite_check_fails_for_a_frozen_prednet(creditbench_results):
    """Negative control: learning rate 0, so the network stays at its initialisation for the whole budget."""
    with pytest.raises(AssertionError, match="skill"):
        beats_copying_the_last_frame(lambda name: creditbench_results.entry("moving-balls", name, {"lr": 0.0}))
