import torch
from creditbench_evolution.es import centred_ranks

from harness.testing import parametrize_with_checks


@parametrize_with_checks(["es"])
def test_conformance(algorithm, check):
    check(algorithm)


def test_centred_ranks_span_minus_half_to_half_in_loss_order():
    ranks = centred_ranks(torch.tensor([3.0, -1.0, 10.0, 0.5]))
    torch.testing.assert_close(ranks, torch.tensor([1 / 6, -0.5, 0.5, -1 / 6]))
