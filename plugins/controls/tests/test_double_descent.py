import pytest
import torch

from harness.registry import registry
from harness.tasks.double_descent import DOUBLE_DESCENT_TASKS, N_TRAIN, WIDTHS
from harness.testing import one_thread, parametrize_with_checks

SEEDS = (0, 1, 2)


@parametrize_with_checks(["random-features-min-norm"])
def test_conformance(algorithm, check):
    check(algorithm)


def test_it_interpolates_its_training_set_once_it_is_wide_enough():
    algorithm, task = registry().algorithm("random-features-min-norm"), DOUBLE_DESCENT_TASKS[-1]
    learner = algorithm.build(task, algorithm.config_for(task.name), 0)
    splits = task.load()
    x, y = torch.from_numpy(splits.x_train), torch.from_numpy(splits.y_train)
    learner.train_step(x, y)
    assert torch.equal(learner.predict(x).argmax(1), y)  # the noisy labels too


def test_ridge_must_not_be_negative():
    algorithm, task = registry().algorithm("random-features-min-norm"), DOUBLE_DESCENT_TASKS[0]
    with pytest.raises(ValueError, match="ridge"):
        algorithm.build(task, algorithm.config_for(task.name, {"ridge": -1.0}), 0)


def error_curve(ridge: float = 0.0) -> dict:
    """Mean test error over ``SEEDS`` per rung of the ladder, one pass over its training split (its budget)."""
    algorithm = registry().algorithm("random-features-min-norm")
    errors = {}
    with one_thread():
        for task in DOUBLE_DESCENT_TASKS:
            splits = task.load()
            x, y = torch.from_numpy(splits.x_train), torch.from_numpy(splits.y_train)
            x_test, y_test = torch.from_numpy(splits.x_test), torch.from_numpy(splits.y_test)
            total = 0.0
            for seed in SEEDS:
                learner = algorithm.build(task, algorithm.config_for(task.name, {"ridge": ridge}), seed)
                for start in range(0, len(x), 32):
                    learner.train_step(x[start : start + 32], y[start : start + 32])
                total += float((learner.predict(x_test).argmax(1) != y_test).float().mean())
            errors[task.architecture.sizes[1]] = total / len(SEEDS)
    return errors


RISE = 0.1  # ten points of test error: the peak stands that far above the curve's best on either side of it


def descends_twice(errors: dict) -> int:
    """The claim's check: the test error peaks within a factor of two of the interpolation threshold (width
    ``N_TRAIN``) and the peak stands ``RISE`` above the best width below it and above the widest.  Returns the
    width of the peak."""
    peak = max(errors, key=errors.get)
    assert N_TRAIN / 2 <= peak <= 2 * N_TRAIN, f"the error peaks at width {peak}, not near {N_TRAIN}: {errors}"
    below = min(error for width, error in errors.items() if width < peak)
    assert errors[peak] > below + RISE, f"no first descent: {errors[peak]:.3f} at {peak} against {below:.3f} below"
    widest = errors[max(WIDTHS)]
    assert errors[peak] > widest + RISE, f"no second descent: {errors[peak]:.3f} at {peak} against {widest:.3f}"
    return peak


def test_the_test_error_peaks_at_the_interpolation_threshold_and_falls_after_it():
    """Belkin, Hsu, Ma & Mandal (2019), Fig. 2: random Fourier features on 10⁴ MNIST images, minimum-norm fit,
    the test error (zero-one and squared) peaks where the number of features reaches the number of examples and
    falls beyond it.  Ours, random ReLU features on 100 digits with 20% of the labels redrawn, seeds 0-2,
    measured (``error_curve()``): 0.373 at width 25, rising to 0.698 at width 125 (0.666 at 100), falling to
    0.362 at 400 and 0.312 at 1,000.  Through the harness: ``creditbench run --suite double-descent
    --algorithm random-features-min-norm`` (test accuracy 0.334 at width 100, 0.688 at 1,000)."""
    descends_twice(error_curve())


def test_the_check_fails_for_a_regularised_fit():
    """Negative control: a ridge of 0.1 stops the fit from interpolating the noisy labels and the peak goes
    (measured: 0.25-0.28 from width 50 to 1,000, its worst width the narrowest, 10, at 0.594)."""
    with pytest.raises(AssertionError, match=r"no first descent|no second descent|not near"):
        descends_twice(error_curve(ridge=0.1))
