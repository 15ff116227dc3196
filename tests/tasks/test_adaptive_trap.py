"""The trap of Wilson et al. (2017), section 3.3: the construction and the paper's least-squares analysis."""

import warnings

import numpy as np

from harness.errors import DatasetDriftWarning
from harness.tasks import adaptive_trap
from harness.tasks.cards import checksum


def test_generator_is_deterministic_under_a_seed():
    first = adaptive_trap.generate(10, 0, 60, np.random.default_rng(5))
    second = adaptive_trap.generate(10, 0, 60, np.random.default_rng(5))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_the_task_matches_its_card_and_the_construction():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DatasetDriftWarning)
        splits = adaptive_trap.load.__wrapped__()
    assert checksum(splits) == checksum(adaptive_trap.load())
    x = np.concatenate([splits.x_train, splits.x_val, splits.x_test])
    y = np.concatenate([splits.y_train, splits.y_val, splits.y_test])
    sign = 2 * y - 1
    np.testing.assert_array_equal(x[:, 0], sign)
    assert (x[:, 1:3] == 1).all()
    private = x[:, adaptive_trap.SHARED :]
    np.testing.assert_array_equal(private.sum(1), np.where(sign > 0, 1, adaptive_trap.BLOCK))
    assert private.sum(0).max() == 1  # no private feature is shared by two examples, in any split
    assert 0.55 < y.mean() < 0.85


def test_least_squares_analysis_of_the_paper():
    """Section 3.3: the minimum-norm least-squares fit (where gradient descent from zero converges) labels
    every test point correctly; the fit proportional to sign(Xᵀy) (where AdaGrad, RMSProp and Adam from zero
    converge) also fits the training set but labels every test point positive."""
    splits = adaptive_trap.load()
    sign_train, sign_test = 2 * splits.y_train - 1, 2 * splits.y_test - 1
    minimum_norm = np.linalg.pinv(splits.x_train) @ sign_train
    adaptive = np.sign(splits.x_train.T @ sign_train)
    for w in (minimum_norm, adaptive):
        assert (np.sign(splits.x_train @ w) == sign_train).all()
    assert (np.sign(splits.x_test @ minimum_norm) == sign_test).all()
    assert (splits.x_test @ adaptive > 0).all()
