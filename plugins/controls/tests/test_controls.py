from harness.testing import parametrize_with_checks


@parametrize_with_checks(["linear", "random-features"])
def test_conformance(algorithm, check):
    check(algorithm)
