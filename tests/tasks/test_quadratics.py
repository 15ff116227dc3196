"""The quadratics task: a validation quadratic and a test quadratic, optimised side by side."""

import numpy as np
import torch

from harness.tasks.cards import card, checksum
from harness.tasks.quadratics import (
    DIMENSION,
    QUADRATICS,
    SCALE,
    TASK_SEED,
    TASK_VALIDATION_SEED,
    sample_quadratics,
)


def _skill(predictions, targets, baseline):
    return 1 - np.mean((predictions - targets) ** 2) / np.mean((baseline - targets) ** 2)


def test_validation_and_test_are_different_problems_and_training_holds_both():
    splits = QUADRATICS.load()
    (w_val, y_val), (w_test, y_test) = (sample_quadratics(1, seed) for seed in (TASK_VALIDATION_SEED, TASK_SEED))
    np.testing.assert_allclose(splits.x_val[:, :DIMENSION], SCALE * w_val[0], rtol=1e-6)
    np.testing.assert_allclose(splits.x_test[:, DIMENSION:], SCALE * w_test[0], rtol=1e-6)
    np.testing.assert_allclose(splits.y_test, SCALE * y_test[0][:, None], rtol=1e-6)
    assert not splits.x_val[:, DIMENSION:].any() and not splits.x_test[:, :DIMENSION].any()
    assert not np.allclose(w_val, w_test) and not np.allclose(y_val, y_test)
    np.testing.assert_array_equal(splits.x_train, np.concatenate([splits.x_val, splits.x_test]))
    np.testing.assert_array_equal(splits.y_train, np.concatenate([splits.y_val, splits.y_test]))
    assert QUADRATICS.architecture.sizes == (2 * DIMENSION, 1)
    assert checksum(splits) == card("quadratics")["sha256"]


def test_each_score_is_its_own_problem_minimised():
    """The least-squares solution of the training rows minimises both problems (skill 1 on each); the test
    problem's half alone, with the validation half left at zero, scores 1 on test but not on validation."""
    splits = QUADRATICS.load()
    design = np.hstack([splits.x_train, np.ones((len(splits.x_train), 1), dtype=np.float32)]).astype(np.float64)
    solution = np.linalg.lstsq(design, splits.y_train.astype(np.float64), rcond=None)[0]
    mean = splits.y_train.mean()

    def scores(weights):
        model = torch.nn.Linear(2 * DIMENSION, 1).double()
        with torch.no_grad():
            model.weight.copy_(torch.as_tensor(weights[:-1, 0])[None])
            model.bias.fill_(float(weights[-1, 0]))
            return [
                _skill(model(torch.as_tensor(x, dtype=torch.float64)).numpy(), y, mean)
                for x, y in ((splits.x_val, splits.y_val), (splits.x_test, splits.y_test))
            ]

    assert np.allclose(scores(solution), 1.0, atol=1e-6)
    test_only = solution.copy()
    test_only[:DIMENSION] = 0
    val_score, test_score = scores(test_only)
    assert abs(test_score - 1) < 1e-6 and val_score < 0.9
