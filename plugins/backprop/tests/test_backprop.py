from harness.testing import parametrize_with_checks


@parametrize_with_checks(["bp-sgd", "bp-momentum", "bp-adam"])
def test_conformance(algorithm, check):
    check(algorithm)
