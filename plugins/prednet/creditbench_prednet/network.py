"""PredNet (Lotter, Kreiman & Cox 2016, ICLR 2017; section 2 and Algorithm 1) for grey-scale video.

Layer ``l`` has four kinds of units: the target ``A_l`` (the frame for ``l = 0``, else
``MaxPool(ReLU(Conv(E_{l-1})))``), the prediction ``Â_l = ReLU(Conv(R_l))`` (clipped at the
maximum pixel value for ``l = 0``), the error ``E_l = [ReLU(A_l − Â_l), ReLU(Â_l − A_l)]`` and the
representation ``R_l``, a convolutional LSTM fed by ``E_l`` of the previous time step and by the
upsampled ``R_{l+1}`` of the current one.  Each time step first updates the representations from
the top layer down, then computes predictions, targets and errors from the bottom up.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

KERNEL = 3  # every convolution is 3×3, as in the paper
PIXEL_MAX = 1.0


class ConvLSTMCell(nn.Module):
    """An LSTM whose gates are convolutions over its input and its previous output (Shi et al. 2015)."""

    def __init__(self, in_channels: int, channels: int):
        super().__init__()
        self.gates = nn.Conv2d(in_channels + channels, 4 * channels, KERNEL, padding=KERNEL // 2)

    def forward(self, inputs, state):
        hidden, cell = state
        i, f, o, g = self.gates(torch.cat([inputs, hidden], dim=1)).chunk(4, dim=1)
        cell = torch.sigmoid(f) * cell + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(cell), cell


class PredNet(nn.Module):
    """``stack[l]`` channels of ``A_l`` (``stack[0]`` is the frame's) and ``r_stack[l]`` of ``R_l``.

    ``forward(x)`` maps clips ``(n, T, H·W)`` of square frames stored as row-major vectors (the harness's
    layout of video) to the predictions of frames ``1 … T`` in the same layout: output ``t`` is ``Â_0``
    at step ``t + 1``, made from frames ``0 … t``.  The side must be divisible by ``2 ** (len(stack) - 1)``.
    """

    def __init__(self, stack: tuple[int, ...], r_stack: tuple[int, ...]):
        super().__init__()
        if len(stack) != len(r_stack):
            raise ValueError(f"stack {stack} and r_stack {r_stack} must have one entry per layer")
        if stack[0] != 1:
            raise ValueError(f"stack[0] is the frame's channels, 1 for grey-scale video; got {stack[0]}")
        self.stack, self.r_stack = tuple(stack), tuple(r_stack)
        layers = len(stack)
        self.cells = nn.ModuleList(
            ConvLSTMCell(2 * stack[l] + (r_stack[l + 1] if l + 1 < layers else 0), r_stack[l]) for l in range(layers)
        )
        self.predictions = nn.ModuleList(
            nn.Conv2d(r_stack[l], stack[l], KERNEL, padding=KERNEL // 2) for l in range(layers)
        )
        self.targets = nn.ModuleList(
            nn.Conv2d(2 * stack[l], stack[l + 1], KERNEL, padding=KERNEL // 2) for l in range(layers - 1)
        )
        for module in self.modules():  # zero biases, so the rectified predictions are not dead from the start
            if isinstance(module, nn.Conv2d):
                nn.init.zeros_(module.bias)

    def initial_state(self, frames):
        """Zero representations, cells and errors for a batch of frames ``(n, H, W)``."""
        n, height, width = frames.shape
        zeros = []
        for l, (channels, r_channels) in enumerate(zip(self.stack, self.r_stack)):
            h, w = height >> l, width >> l
            zeros.append(
                (
                    frames.new_zeros(n, r_channels, h, w),
                    frames.new_zeros(n, r_channels, h, w),
                    frames.new_zeros(n, 2 * channels, h, w),
                )
            )
        return zeros

    def step(self, state, frame):
        """One time step: returns ``(Â_0, errors E_l per layer or None, new state)``.

        ``frame`` ``(n, H, W)`` is the target of this step's prediction; with ``frame=None`` only the
        prediction is made (the errors of a frame not yet seen cannot be computed).
        """
        layers = len(self.stack)
        representations = [None] * layers
        above = None
        for l in reversed(range(layers)):
            hidden, cell, error = state[l]
            inputs = (
                error
                if above is None
                else torch.cat([error, F.interpolate(above, scale_factor=2.0, mode="nearest")], 1)
            )
            representations[l] = self.cells[l](inputs, (hidden, cell))
            above = representations[l][0]
        prediction = F.relu(self.predictions[0](representations[0][0])).clamp(max=PIXEL_MAX)
        if frame is None:
            return prediction, None, None
        errors, target, predicted = [], frame.unsqueeze(1), prediction
        for l in range(layers):
            if l > 0:
                predicted = F.relu(self.predictions[l](representations[l][0]))
            errors.append(torch.cat([F.relu(target - predicted), F.relu(predicted - target)], 1))
            if l + 1 < layers:
                target = F.max_pool2d(F.relu(self.targets[l](errors[l])), 2)
        new_state = [(hidden, cell, error) for (hidden, cell), error in zip(representations, errors)]
        return prediction, errors, new_state

    def errors(self, clip):
        """The error units ``E_l`` of every step over clips ``(n, T, H·W)``: a list over steps of lists over layers."""
        frames = square_frames(clip)
        state = self.initial_state(frames[:, 0])
        errors = []
        for t in range(frames.shape[1]):
            _, step_errors, state = self.step(state, frames[:, t])
            errors.append(step_errors)
        return errors

    def forward(self, x):
        frames = square_frames(x)
        state = self.initial_state(frames[:, 0])
        predictions = []
        for t in range(frames.shape[1] + 1):
            prediction, _, state = self.step(state, frames[:, t] if t < frames.shape[1] else None)
            if t > 0:  # step 0 predicts frame 0 from nothing
                predictions.append(prediction.flatten(1))
        return torch.stack(predictions, dim=1)


def frame_side(pixels: int) -> int | None:
    """The side of a square frame of ``pixels`` pixels, or None if there is none."""
    side = math.isqrt(pixels)
    return side if side * side == pixels else None


def square_frames(clip):
    """Clips ``(n, T, H·W)`` as frames ``(n, T, H, W)``."""
    side = frame_side(clip.shape[-1])
    if side is None:
        raise ValueError(f"frames of {clip.shape[-1]} pixels are not square")
    return clip.unflatten(-1, (side, side))
