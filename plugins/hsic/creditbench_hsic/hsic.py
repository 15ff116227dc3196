"""The normalised Hilbert-Schmidt independence criterion of Ma, Lewis & Kleijn (2020), Eq. (4).

For a batch of m examples with Gaussian kernel matrix ``K_A`` of a variable A,
the centred kernel is ``K̄_A = H K_A H`` (``H = I − 11ᵀ/m``) and

    R_A = K̄_A (K̄_A + ε m I)⁻¹,        nHSIC(A, B) = tr(R_A R_B).

The kernel width follows the paper's code: ``k(a, a') = exp(−‖a − a'‖² / (2σ²d))``
with d the dimension of a, so one σ serves inputs, labels and layers of any width.
"""

import torch

EPSILON = 1e-5  # the paper's ε


def gaussian_kernel(a: torch.Tensor, sigma: float) -> torch.Tensor:
    flat = a.flatten(1)
    norms = flat.square().sum(1)
    squared_distances = (norms[:, None] + norms[None, :] - 2 * flat @ flat.T).clamp_min(0)
    return torch.exp(-squared_distances / (2 * sigma**2 * flat.shape[1]))


def normalised_kernel(a: torch.Tensor, sigma: float) -> torch.Tensor:
    """``R_A``: the centred kernel matrix, whitened by its own regularised inverse."""
    kernel = gaussian_kernel(a, sigma)
    m = kernel.shape[0]
    centred = kernel - kernel.mean(0, keepdim=True) - kernel.mean(1, keepdim=True) + kernel.mean()
    regularised = centred + EPSILON * m * torch.eye(m, dtype=kernel.dtype, device=kernel.device)
    # K̄ and (K̄ + εmI)⁻¹ commute, so solving on the left gives the same R_A.
    return torch.linalg.solve(regularised, centred)


def normalised_hsic(r_a: torch.Tensor, r_b: torch.Tensor) -> torch.Tensor:
    """``tr(R_A R_B)`` for two normalised kernels of the same batch (both symmetric)."""
    return (r_a * r_b).sum()
