import torch

from harness import MLP, ReversibleResidual, declines_convolutions, declines_residual
from harness.execution.suites import SUITES
from harness.registry import registry
from harness.tasks.digits import MNIST1D_REVNET_TASKS

SPEC = ReversibleResidual(input_size=40, width=50, hidden=100, blocks=4, outputs=10)


def test_the_network_maps_inputs_to_outputs_and_is_seeded():
    x = torch.randn(5, 40)
    first, again, other = SPEC.build(0), SPEC.build(0), SPEC.build(1)
    assert first(x).shape == (5, 10)
    assert torch.equal(first(x), again(x))
    assert not torch.equal(first(x), other(x))


def test_a_block_is_inverted_from_its_output():
    block = SPEC.build(0)[1][0]
    x = torch.randn(5, 100)
    with torch.no_grad():
        assert torch.allclose(block.inverse(block(x)), x, atol=1e-5)
        assert not torch.allclose(block(x), x, atol=1e-3)  # the block does change its input


def test_rules_on_chains_of_layers_decline_the_residual_network():
    task = MNIST1D_REVNET_TASKS[0]
    assert "residual networks" in declines_convolutions("es has not been validated on convolutional networks")(task, {})
    assert declines_residual("fa's error runs back through a chain of layers")(task, {})
    mlp_task = registry().task("mnist1d")
    assert isinstance(mlp_task.architecture, MLP)
    assert declines_residual("fa's error runs back through a chain of layers")(mlp_task, {}) is None


def test_the_revnet_ladder_is_in_the_ladder_suite_only():
    names = {task.name for task in MNIST1D_REVNET_TASKS}
    assert names == {"mnist1d-revnet-4", "mnist1d-revnet-8", "mnist1d-revnet-16", "mnist1d-revnet-32"}
    found = registry()
    in_suite = {
        suite: {t.name for t in found.tasks.values() if SUITES[suite].includes(t)} for suite in ("quick", "ladder")
    }
    assert names <= in_suite["ladder"]
    assert not names & in_suite["quick"]
