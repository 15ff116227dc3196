"""The backward pass of a stack of reversible blocks that reconstructs activations instead of storing them
(Gomez et al. 2017, Algorithm 1)."""

from __future__ import annotations

import torch


def reverse_block(block, y, grad_y):
    """From a block's output ``y`` and the loss's gradient ``grad_y`` there: the block's input, the gradient at
    the input, and the gradients of the block's parameters (F's, then G's, in ``block.parameters()`` order).

    Only F and G of this one block are run again, with autograd on, and what they saved is freed on return.
    """
    y1, y2 = y.chunk(2, dim=-1)
    grad_y1, grad_y2 = grad_y.chunk(2, dim=-1)
    with torch.enable_grad():
        z1 = y1.detach().requires_grad_()
        g = block.g(z1)
        grad_z1, *grad_g = torch.autograd.grad(g, (z1, *block.g.parameters()), grad_y2)
    grad_z1 = grad_y1 + grad_z1  # y1 reaches the loss directly and through G
    x2 = (y2 - g.detach()).requires_grad_()
    with torch.enable_grad():
        f = block.f(x2)
        grad_x2, *grad_f = torch.autograd.grad(f, (x2, *block.f.parameters()), grad_z1)
    x1 = y1 - f.detach()
    return torch.cat((x1, x2.detach()), dim=-1), torch.cat((grad_z1, grad_y2 + grad_x2), dim=-1), [*grad_f, *grad_g]


class ReversibleStack(torch.autograd.Function):
    """``blocks(x)``, saving only its output; the backward pass walks the blocks from the last, reconstructing
    each one's input with ``reverse_block``.  The blocks' parameters are passed after ``blocks`` so that autograd
    accumulates their gradients."""

    @staticmethod
    def forward(ctx, x, blocks, *parameters):
        for block in blocks:
            x = block(x)
        ctx.blocks = blocks
        ctx.save_for_backward(x)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        gradients: list = []
        for block in reversed(ctx.blocks):
            y, grad_output, block_gradients = reverse_block(block, y, grad_output)
            gradients = block_gradients + gradients
        return grad_output, None, *gradients


def reversible_forward(model, x):
    """The reference network's output on ``x``, its blocks run through ``ReversibleStack``."""
    stem, blocks, readout = model
    return readout(ReversibleStack.apply(stem(x), blocks, *blocks.parameters()))
