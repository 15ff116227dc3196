"""The conformance kit: checks that an algorithm honours the Learner contract.

In a plugin's own test suite::

    from harness.testing import check_algorithm, parametrize_with_checks

    def test_conforms():
        check_algorithm("my-rule")          # raises AssertionError naming every failed check

    @parametrize_with_checks(["my-rule"])   # or one pytest item per check
    def test_contract(algorithm, check):
        check(algorithm)

``creditbench check-plugin NAME`` runs the same checks from the command line.
They run on a tiny synthetic task (unless given another), so they take seconds: the first of the
kit's classification, sequence-classification and video tasks that the algorithm does not decline.
"""

from harness.testing.checks import CHECKS, check_algorithm, conformance_task, parametrize_with_checks, run_checks
from harness.testing.conformance_tasks import CONFORMANCE_TASK, RETRIEVAL_CONFORMANCE_TASK, VIDEO_CONFORMANCE_TASK

__all__ = [
    "CHECKS",
    "CONFORMANCE_TASK",
    "RETRIEVAL_CONFORMANCE_TASK",
    "VIDEO_CONFORMANCE_TASK",
    "check_algorithm",
    "conformance_task",
    "parametrize_with_checks",
    "run_checks",
]
