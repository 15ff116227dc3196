"""revnet's and bp-checkpoint's directions (the loss's gradient, each computed its own way) and their learner."""

from __future__ import annotations

import math

import torch
from torch.utils.checkpoint import checkpoint_sequential

from creditbench_reversible.reversible import reversible_forward
from harness import GradientLearner, task_loss


def reversible_backprop(model, x, y, loss) -> None:
    """The gradient through ``ReversibleStack``: nothing per block is kept between the passes."""
    loss(reversible_forward(model, x), y).backward()


def checkpoint_segments(blocks: int) -> int:
    """A checkpoint every √n blocks: round(√n) segments."""
    return max(1, round(math.sqrt(blocks)))


def checkpointed_backprop(model, x, y, loss) -> None:
    """The gradient with the blocks checkpointed in ``checkpoint_segments`` segments.

    The re-entrant variant saves each segment's input through autograd and recomputes the segment inside its
    backward pass, so what it holds passes through autograd's saved-tensor hooks, where the activation probe
    counts it; the stem's output, each segment's first input, requires grad, as that variant needs.
    """
    stem, blocks, readout = model
    hidden = checkpoint_sequential(blocks, checkpoint_segments(len(blocks)), stem(x), use_reentrant=True)
    loss(readout(hidden), y).backward()


def build_learner(task, config, seed, direction):
    model = task.architecture.build(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=config["lr"])
    return GradientLearner(model, optimizer, direction=direction, loss=task_loss(task))
