from harness.testing import parametrize_with_checks


@parametrize_with_checks(["revnet", "bp-checkpoint"])
def test_conformance(algorithm, check):
    check(algorithm)
