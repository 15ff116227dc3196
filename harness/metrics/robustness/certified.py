"""Certified lower bounds on the smallest perturbation that changes a prediction.

A radius inside which no perturbation changes the
decision, from the margins f_c − f_j over bounds on the Lipschitz constant of
f_c − f_j (Hein & Andriushchenko 2017, "Formal guarantees on the robustness of
a classifier against adversarial manipulation", NeurIPS).  Three sound bounds,
for models that are a chain of ``nn.Linear`` and ReLU / tanh / softplus layers;
the largest applicable one is reported:

- ``closed_form`` — the paper's Theorem for one hidden layer with an
  activation whose derivative is Lipschitz (softplus, tanh; not ReLU): with
  g = f_c − f_j, G = ‖∇g(x)‖_q and C = Σ_r |w_cr − w_jr| ‖u_r‖_q², g stays
  positive while L_σ' C ρ²/2 + G ρ < g(x), so the radius is the positive root;
- ``local`` — a local Lipschitz bound over the ball B(x, R): interval bounds
  on every pre-activation (exact for the first layer, interval arithmetic
  after it) bound each activation's derivative, and interval matrix products
  bound every coordinate of ∇g anywhere in the ball (as in Weng et al. 2018's
  Fast-Lip); R is certified when g(x) > R · max ‖∇g‖_q, and the largest
  certified R is found by doubling and bisection;
- ``global`` — the product of layer operator norms (a global Lipschitz bound).

They are computed in float64 on the exact function (softplus without torch's
linear cut-off at ``threshold``), with the margins reduced by ``MARGIN_SLACK``
for the model's own float32 rounding.  auto_LiRPA (CROWN) was tried instead and does not import with numpy 2 (it
pins torch < 1.13), so the bounds are our own, each covered by a test that
samples the certified ball.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DUAL = {2.0: 2.0, math.inf: 1.0}
# Lipschitz constants of the activations' derivatives (ReLU's derivative is not continuous).
TANH_CURVATURE = 4 / (3 * math.sqrt(3))  # max |d²/dz² tanh z|, at tanh² z = 1/3
MARGIN_SLACK = 1e-5  # about 100 float32 rounding units
BISECTION_STEPS = 14  # relative precision 2^-14 of the bracket
MAX_DOUBLINGS = 40


@dataclass(frozen=True)
class Chain:
    """A feedforward network as float64 weights: ``linear, act, linear, act, …, linear``.

    ``activations[i]`` follows ``weights[i]``; ``betas[i]`` is softplus's β (1 for the others).
    """

    weights: tuple
    biases: tuple
    activations: tuple[str, ...]
    betas: tuple[float, ...]

    def forward(self, x):
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            x = x @ weight.T + bias
            if index < len(self.activations):
                x = activate(x, self.activations[index], self.betas[index])
        return x


def activate(z, name: str, beta: float = 1.0):
    import torch

    if name == "relu":
        return z.clamp_min(0)
    if name == "tanh":
        return torch.tanh(z)
    return torch.logaddexp(beta * z, torch.zeros_like(z)) / beta  # softplus, exact


def slope_bounds(low, high, name: str, beta: float):
    """Bounds on the activation's derivative over every pre-activation interval [low, high]."""
    import torch

    if name == "relu":
        return (low > 0).to(low.dtype), (high > 0).to(low.dtype)
    if name == "softplus":
        return torch.sigmoid(beta * low), torch.sigmoid(beta * high)
    at_low, at_high = 1 - torch.tanh(low) ** 2, 1 - torch.tanh(high) ** 2
    straddles = (low <= 0) & (high >= 0)
    return torch.minimum(at_low, at_high), torch.where(straddles, torch.ones_like(low), torch.maximum(at_low, at_high))


def as_chain(module) -> Chain | None:
    """The module as a ``Chain``, or None when it is not Linear layers with ReLU/tanh/softplus between them."""
    import torch
    from torch import nn

    def leaves(m):
        if isinstance(m, nn.Sequential):
            for child in m:
                yield from leaves(child)
        else:
            yield m

    kinds = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Softplus: "softplus"}
    layers = [m for m in leaves(module) if not isinstance(m, (nn.Identity, nn.Dropout, nn.Flatten))]
    if not layers or len(layers) % 2 == 0:
        return None
    linears, activations = layers[0::2], layers[1::2]
    if not all(type(m) is nn.Linear for m in linears) or not all(type(m) in kinds for m in activations):
        return None
    with torch.no_grad():
        weights = tuple(m.weight.detach().to(torch.float64) for m in linears)
        biases = tuple(
            (m.bias if m.bias is not None else torch.zeros(m.out_features, device=m.weight.device))
            .detach()
            .to(torch.float64)
            for m in linears
        )
    return Chain(
        weights,
        biases,
        tuple(kinds[type(m)] for m in activations),
        tuple(float(getattr(m, "beta", 1.0)) for m in activations),
    )


def _rival_rows(last_weight, classes):
    """(w_c − w_j) for every class j, shape (n, K, hidden); the row j = c is zero."""
    return last_weight[classes][:, None, :] - last_weight[None, :, :]


def _margins(chain: Chain, x, classes):
    """f_c − f_j for every j, shape (n, K), +inf at j = c so that minima over j skip it.

    Less ``MARGIN_SLACK`` times the largest |logit| (plus one): the bounds hold for the exact function, and
    the model itself computes in float32, whose rounding moves its decision boundary by about that much.
    """
    import torch

    logits = chain.forward(x)
    slack = MARGIN_SLACK * (logits.abs().amax(1, keepdim=True) + 1)
    margins = logits.gather(1, classes[:, None]) - logits - slack
    return margins.scatter(1, classes[:, None], torch.inf)


def global_radius(chain: Chain, x, classes, p: float):
    """Margin over a global Lipschitz bound of each f_c − f_j: the product of layer operator norms.

    The first layer is bounded as a map from L_p to L2 (spectral norm for p = 2; for p = ∞,
    the L2 norm of the rows' L1 norms); then spectral norms; every activation is 1-Lipschitz.
    """
    import torch

    margins = _margins(chain, x, classes)
    q = DUAL[p]
    if len(chain.weights) == 1:
        lipschitz = torch.linalg.vector_norm(_rival_rows(chain.weights[0], classes), ord=q, dim=2)
    else:
        first = chain.weights[0]
        first_norm = torch.linalg.matrix_norm(first, ord=2) if p == 2 else first.abs().sum(1).norm()
        middle = math.prod(float(torch.linalg.matrix_norm(w, ord=2)) for w in chain.weights[1:-1])
        lipschitz = _rival_rows(chain.weights[-1], classes).norm(dim=2) * middle * first_norm
    return _smallest_ratio(margins, lipschitz)


def _smallest_ratio(margins, lipschitz):
    """min over j of margin_j / L_j, 0 where the point is on or past a decision boundary."""
    import torch

    ratio = torch.where(lipschitz > 0, margins / lipschitz, torch.inf)
    ratio = torch.where(margins <= 0, torch.zeros_like(ratio), ratio)
    return ratio.min(1).values.clamp_min(0)


def closed_form_radius(chain: Chain, x, classes, p: float):
    """Hein & Andriushchenko's bound for one hidden layer with softplus or tanh, or None if it does not apply."""
    import torch

    if len(chain.weights) != 2 or chain.activations[0] == "relu":
        return None
    (hidden_weight, output_weight), hidden_bias = chain.weights, chain.biases[0]
    name, beta = chain.activations[0], chain.betas[0]
    curvature = beta / 4 if name == "softplus" else TANH_CURVATURE  # Lipschitz constant of σ'
    q = DUAL[p]
    pre = x @ hidden_weight.T + hidden_bias
    slope = torch.sigmoid(beta * pre) if name == "softplus" else 1 - torch.tanh(pre) ** 2
    rivals = _rival_rows(output_weight, classes)  # v = w_c − w_j: (n, K, hidden)
    gradient_norm = torch.linalg.vector_norm((rivals * slope[:, None, :]) @ hidden_weight, ord=q, dim=2)
    spread = rivals.abs() @ torch.linalg.vector_norm(hidden_weight, ord=q, dim=1) ** 2
    margins = _margins(chain, x, classes)
    # positive root of (curvature·C/2) ρ² + G ρ − g = 0, written stably: 2g / (G + sqrt(G² + 2·curvature·C·g))
    root = 2 * margins / (gradient_norm + torch.sqrt(gradient_norm**2 + 2 * curvature * spread * margins.clamp_min(0)))
    root = torch.where(margins <= 0, torch.zeros_like(root), root)
    return torch.nan_to_num(root, nan=math.inf).min(1).values.clamp_min(0)


def _gradient_bound(chain: Chain, x, classes, radius, p: float):
    """Upper bound on ‖∇(f_c − f_j)‖_q anywhere in B_p(x, radius), per point and class j: (n, K)."""
    import torch

    q = DUAL[p]
    first_weight, first_bias = chain.weights[0], chain.biases[0]
    centre = x @ first_weight.T + first_bias
    half_width = radius[:, None] * torch.linalg.vector_norm(first_weight, ord=q, dim=1)[None, :]
    slopes = []
    for index, (weight, bias) in enumerate(zip(chain.weights[1:], chain.biases[1:])):
        low, high = centre - half_width, centre + half_width
        name, beta = chain.activations[index], chain.betas[index]
        slopes.append(slope_bounds(low, high, name, beta))
        out_low, out_high = activate(low, name, beta), activate(high, name, beta)  # activations are monotone
        middle, half = (out_high + out_low) / 2, (out_high - out_low) / 2
        centre, half_width = middle @ weight.T + bias, half @ weight.abs().T
    # Backward: an interval vector (centre m, half-width r) through diag(σ') and each weight matrix.
    m = _rival_rows(chain.weights[-1], classes)
    r = torch.zeros_like(m)
    for (slope_low, slope_high), weight in zip(reversed(slopes), reversed(chain.weights[:-1])):
        low, high = m - r, m + r
        slope_low, slope_high = slope_low[:, None, :], slope_high[:, None, :]
        new_low = torch.where(low >= 0, low * slope_low, low * slope_high)
        new_high = torch.where(high >= 0, high * slope_high, high * slope_low)
        m, r = (new_high + new_low) / 2 @ weight, (new_high - new_low) / 2 @ weight.abs()
    return torch.linalg.vector_norm(m.abs() + r, ord=q, dim=2)


def _largest_certified(certified, start):
    """The largest radius per point that ``certified(radius)`` accepts, by doubling from ``start`` then bisection.

    ``certified`` must be monotone (a smaller ball is certified whenever a larger one is); every
    returned radius passed it (or is 0).
    """
    import torch

    low = torch.where(certified(start), start, torch.zeros_like(start))
    high = torch.where(low > 0, 2 * low, torch.full_like(low, 1e-3))
    for _ in range(MAX_DOUBLINGS):
        passing = certified(high)
        if not passing.any():
            break
        low = torch.where(passing, high, low)
        high = torch.where(passing, 2 * high, high)
    for _ in range(BISECTION_STEPS):
        middle = (low + high) / 2
        passing = certified(middle)
        low, high = torch.where(passing, middle, low), torch.where(passing, high, middle)
    return low


def local_radius(chain: Chain, x, classes, p: float, start=None):
    """The largest radius certified by the local (interval) Lipschitz bound.

    ``start`` is a radius already known to be certified (e.g. the global one).
    """
    import torch

    margins = _margins(chain, x, classes)

    def certified(radius):
        return ((margins > radius[:, None] * _gradient_bound(chain, x, classes, radius, p)).all(1)) & (
            margins.min(1).values > 0
        )

    return _largest_certified(
        certified, torch.zeros(len(x), dtype=x.dtype, device=x.device) if start is None else start
    )


def certified_radius(module, x, classes, p: float):
    """Per point, the largest sound lower bound, and which method gave it; None if the module is not a chain."""
    import torch

    chain = as_chain(module)
    if chain is None:
        return None
    x = x.to(torch.float64)
    radii = {"global": global_radius(chain, x, classes, p)}
    radii["local"] = local_radius(chain, x, classes, p, start=radii["global"])
    closed = closed_form_radius(chain, x, classes, p)
    if closed is not None:
        radii["closed_form"] = closed
    stacked = torch.stack(list(radii.values()))
    best = stacked.max(0)
    return best.values, [list(radii)[i] for i in best.indices.tolist()]
