import pytest
import torch

from harness import CNN, MLP, RESNET20, ResNet, declines_batch_norm, declines_convolutions, declines_residual, vgg5
from harness.contract import Budget, Task


def task_with(architecture):
    return Task(
        name="t",
        kind="classification",
        description="",
        load=lambda: None,
        architecture=architecture,
        n_classes=10,
        budget=Budget(presentations=1),
        quick_budget=Budget(presentations=1),
        targets=(0.5,),
    )


def parameters(network) -> int:
    return sum(p.numel() for p in network.parameters())


def test_resnet20_has_the_papers_shape():
    network = RESNET20.build(0)
    assert 265_000 < parameters(network) < 280_000  # He et al. 2016, Table 6: 0.27 M
    weighted = [m for m in network.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    assert len(weighted) == 20
    assert network(torch.rand(4, 3072)).shape == (4, 10)
    assert str(RESNET20).startswith("ResNet-20 3×32×32 16/32/64")


def test_resnet_is_seeded():
    x = torch.rand(3, 3072)
    first, again, other = (RESNET20.build(seed).eval() for seed in (0, 0, 1))
    assert torch.equal(first(x), again(x))
    assert not torch.allclose(first(x), other(x))


def test_the_skip_connection_carries_the_input():
    block = RESNET20.build(0)[4]  # the first basic block: same shape in and out
    for parameter in (block.bn2.weight, block.bn2.bias):
        torch.nn.init.zeros_(parameter)  # the residual branch outputs zero: the block is relu(x)
    x = torch.randn(2, 16, 8, 8)
    assert torch.allclose(block.eval()(x), torch.relu(x))
    shrinking = RESNET20.build(0)[7]  # the first block of the second stage: 16 -> 32 channels, half the resolution
    assert shrinking(torch.randn(2, 16, 8, 8)).shape == (2, 32, 4, 4)


def test_vgg5_is_the_pcx_chain_of_conv_pool_stacks():
    spec = vgg5(100)
    assert isinstance(spec, CNN)
    assert [conv.channels for conv in spec.convs] == [128, 256, 512, 512]
    assert all(conv.pool == 2 and conv.kernel == 3 and conv.padding == 1 for conv in spec.convs)
    assert spec.flat_size() == 512 * 2 * 2 and spec.hidden == ()
    assert spec.build(0)(torch.rand(2, 3072)).shape == (2, 100)
    assert 3_850_000 < parameters(vgg5(10).build(0)) < 3_870_000


@pytest.mark.parametrize("architecture", [RESNET20, ResNet((3, 32, 32), 1, (8, 16, 32), 100)])
def test_rules_on_chains_of_layers_and_population_rules_decline_the_resnet(architecture):
    task = task_with(architecture)
    assert "nor on residual networks" in declines_convolutions("slide hashes the neurons of fully connected layers")(
        task, {}
    )
    assert "chain of layers" in declines_residual("pc predicts each layer from the one before, a chain of layers")(
        task, {}
    )
    assert "batch-norm" in declines_batch_norm("no batch-norm statistics")(task, {})


@pytest.mark.parametrize("architecture", [vgg5(10), MLP((3072, 10))])
def test_chains_without_batch_norm_are_not_declined_for_skips_or_batch_norm(architecture):
    task = task_with(architecture)
    assert declines_residual("a chain of layers")(task, {}) is None
    assert declines_batch_norm("no batch-norm statistics")(task, {}) is None
