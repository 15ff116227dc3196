"""Memory against compute on the RevNet ladder, through the harness's probes: revnet's activation memory does not
grow with depth while backprop's does (Gomez et al. 2017, Table 2 and section 5.3), bp-checkpoint's grows more
slowly than backprop's (Chen et al. 2016: like √n), and revnet pays about one more forward pass in FLOPs (Gomez et
al. 2017, section 4: the backward pass recomputes each block's F and G)."""

import pytest

from harness.metrics import instruments
from harness.registry import registry
from harness.tasks.digits import REVNET_BLOCKS

SHALLOWEST, DEEPEST = REVNET_BLOCKS[0], REVNET_BLOCKS[-1]


def learner(name: str, blocks: int):
    found = registry()
    task, algorithm = found.task(f"mnist1d-revnet-{blocks}"), found.algorithm(name)
    return algorithm.build(task, algorithm.config_for(task.name), 0)


def activation_growth(name: str, batch) -> float:
    """Activation bytes of the deepest rung over the shallowest's."""
    first, last = (instruments.activation_bytes(learner(name, blocks), *batch) for blocks in (SHALLOWEST, DEEPEST))
    return last / first


def flat(growth: float) -> bool:
    """Within 10% from the shallowest network to the deepest (the issue's criterion)."""
    return abs(growth - 1) <= 0.10


def test_revnet_activation_memory_is_flat_in_depth(batch):
    assert flat(activation_growth("revnet", batch))


def test_backprops_activation_memory_grows_with_depth(batch):
    """The flatness check's negative control: backprop fails it, growing nearly in proportion to depth (8×)."""
    growth = activation_growth("bp-sgd", batch)
    assert not flat(growth)
    assert growth > 0.6 * DEEPEST / SHALLOWEST  # measured 7.5


def test_checkpointing_grows_more_slowly_than_backprop(batch):
    checkpoint, backprop = activation_growth("bp-checkpoint", batch), activation_growth("bp-sgd", batch)
    assert not flat(checkpoint)
    assert checkpoint < backprop / 2  # measured 3.4 against 7.5 (√8 = 2.8)


@pytest.mark.parametrize("blocks", REVNET_BLOCKS)
def test_revnet_costs_about_one_more_forward_pass(blocks, batch):
    """A step is a forward and a backward pass (about twice its FLOPs): one more forward is about 4/3 of backprop's
    FLOPs.  Measured 1.32-1.33 over the ladder; plain backprop (1.0) fails the check."""
    revnet, backprop = (instruments.count_flops(learner(name, blocks), *batch) for name in ("revnet", "bp-sgd"))
    assert 1.2 <= revnet / backprop <= 1.45
