"""The conformance kit: checks that an algorithm honours the Learner contract.

In a plugin's own test suite::

    from harness.testing import check_algorithm, parametrize_with_checks

    def test_conforms():
        check_algorithm("my-rule")          # raises AssertionError naming every failed check

    @parametrize_with_checks(["my-rule"])   # or one pytest item per check
    def test_contract(algorithm, check):
        check(algorithm)

``creditbench check-plugin NAME`` runs the same checks from the command line.
They run on a tiny synthetic task (unless given another, e.g. ``CONV_CONFORMANCE_TASK`` for a rule on convolutions), so they take seconds: the first of the
kit's classification, reversible residual classification, sequence-classification and video tasks that the
algorithm does not decline.

``accuracy_after_training`` trains a learner on one of them in a plain loop, for tests of "the rule learns it"
(under ``one_thread()``; ``mean_accuracy_after_training`` over seeds).  The kit also has the broken rules that a claim's negative control swaps in (``negative_controls``): noise
updates, a frozen layer, plain backprop in place of the rule, at the level of a direction or of a learner.
"""

from harness.testing.checks import (
    CHECKS,
    check_algorithm,
    check_search_space,
    conformance_task,
    parametrize_with_checks,
    run_checks,
)
from harness.testing.conformance_tasks import (
    CONFORMANCE_TASK,
    CONV_CONFORMANCE_TASK,
    RESNET_CONFORMANCE_TASK,
    RETRIEVAL_CONFORMANCE_TASK,
    REVERSIBLE_CONFORMANCE_TASK,
    VIDEO_CONFORMANCE_TASK,
)
from harness.testing.negative_controls import (
    FrozenParameters,
    NoiseUpdates,
    backprop_in_place,
    broken,
    frozen_direction,
    noise_direction,
)
from harness.testing.tiny_training import accuracy_after_training, mean_accuracy_after_training, one_thread

__all__ = [
    "CHECKS",
    "CONFORMANCE_TASK",
    "CONV_CONFORMANCE_TASK",
    "RESNET_CONFORMANCE_TASK",
    "RETRIEVAL_CONFORMANCE_TASK",
    "REVERSIBLE_CONFORMANCE_TASK",
    "VIDEO_CONFORMANCE_TASK",
    "FrozenParameters",
    "NoiseUpdates",
    "accuracy_after_training",
    "backprop_in_place",
    "broken",
    "check_algorithm",
    "check_search_space",
    "conformance_task",
    "frozen_direction",
    "mean_accuracy_after_training",
    "noise_direction",
    "one_thread",
    "parametrize_with_checks",
    "run_checks",
]
