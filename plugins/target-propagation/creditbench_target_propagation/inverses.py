"""Learned approximate inverses of a layer and the reconstruction losses that train them.

The inverse of layer l is parametrised like a forward layer,
``g_l(h_l) = σ(V_l h_l + c_l) ≈ f_l^{-1}(h_l)``, with σ the activation of the
layer it reconstructs.  It is trained on noise-corrupted activities
``h̃_{l-1} = h_{l-1} + ε``, ε ~ N(0, σ_noise²), in one of two ways:

* noise-preserving (Lee et al. 2015, DTP): ``½‖h̃_{l-1} − g_l(f_l(h̃_{l-1}))‖²``;
* de-noising (Bartunov et al. 2018, SDTP): ``½‖h_{l-1} − g_l(f_l(h̃_{l-1}))‖²``.

Only ``V_l, c_l`` learn from these losses; the forward weights are held fixed.
"""

import torch
from torch import nn

from harness import MLP, activation_module


def build_inverse(n_in: int, n_out: int, activation: str, seed: int) -> nn.Sequential:
    """``σ(V h + c)`` from ``n_in`` to ``n_out`` units, initialised like a reference layer from ``seed``."""
    linear = MLP((n_in, n_out)).build(seed)
    return nn.Sequential(*linear, activation_module(activation))


def reconstruction(inverse, forward, below, sigma: float, generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``g(f(below + ε))`` and the corrupted ``below + ε``."""
    noise = torch.randn(below.shape, generator=generator, device=below.device).mul_(sigma)
    corrupted = below + noise
    with torch.no_grad():
        image = forward(corrupted)
    return inverse(image), corrupted


def reconstruction_loss(inverse, forward, below, sigma: float, generator, denoising: bool):
    """Mean over the batch of ½‖goal − g(f(below + ε))‖², the goal being ``below`` or ``below + ε``."""
    reconstructed, corrupted = reconstruction(inverse, forward, below, sigma, generator)
    goal = below if denoising else corrupted
    return 0.5 * (reconstructed - goal).pow(2).sum(1).mean()
