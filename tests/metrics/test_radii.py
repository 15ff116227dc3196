"""Choosing robustness radii on the validation split: the procedure never reads the test split."""

import dataclasses
import math

import pytest

from harness.contract import Splits
from harness.metrics.robustness import metric, radii
from harness.registry import registry
from harness.testing import CONFORMANCE_TASK


class TestSplit:
    """Stands in for the test split: any use of it fails the test."""

    __test__ = False

    def __getattr__(self, name):
        raise AssertionError(f"the test split was read ({name})")

    def __len__(self):
        raise AssertionError("the test split was read (len)")

    def __getitem__(self, index):
        raise AssertionError("the test split was read (indexing)")

    def __array__(self, *args, **kwargs):
        raise AssertionError("the test split was read (as an array)")


def _without_test_split(task):
    def load():
        splits = task.load()
        return Splits(splits.x_train, splits.y_train, splits.x_val, splits.y_val, TestSplit(), TestSplit())

    return dataclasses.replace(task, load=load)


def test_the_radii_come_from_validation_points_only():
    task = _without_test_split(CONFORMANCE_TASK)
    chosen = radii.choose_radii(task, registry(), seeds=(1000,), count=6)
    assert set(chosen) == {"l2", "linf"} and all(0 < value < math.inf for value in chosen.values())


def test_the_stand_in_catches_a_procedure_that_reads_the_test_split():
    """The negative control: the metric's own point subset is drawn from the test split, and fails here."""
    with pytest.raises(AssertionError, match="test split was read"):
        metric.fixed_test_points(_without_test_split(CONFORMANCE_TASK), 8)


def test_the_radius_is_half_the_median_to_one_significant_figure():
    assert radii.radius([0.1, 0.62, 0.9]) == 0.3
    assert radii.radius([0.04, 0.05, 0.06, 0.08]) == 0.03
