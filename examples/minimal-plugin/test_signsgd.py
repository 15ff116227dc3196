from harness.testing import check_algorithm


def test_signsgd_honours_the_contract():
    check_algorithm("signsgd")
