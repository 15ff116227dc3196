import pytest
import torch


@pytest.fixture
def batch():
    """32 random signals of mnist1d's 40 samples and labels: the networks' costs and gradients need no real data."""
    generator = torch.Generator().manual_seed(0)
    return torch.randn(32, 40, generator=generator), torch.randint(0, 10, (32,), generator=generator)
