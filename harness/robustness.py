"""Adversarial robustness bounds: a bracket on the smallest perturbation that changes a model's prediction.

For a model f, a test point x and its predicted class c, the quantity is the
smallest ‖δ‖ (L2 or L∞, δ unconstrained in input space) with argmax f(x + δ) ≠ c.
It is bracketed from both sides:

* **Certified lower bound** — a radius inside which no perturbation changes the
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
* **Attack upper bound** — the smallest perturbation found by foolbox's
  minimal-norm attacks (DeepFool and DDN for L2; DeepFool and FMN for L∞)
  on the differentiable surrogate, kept only when it changes the prediction of
  the surrogate *and* of the learner's own ``predict`` (a relaxation or an
  inference loop may differ from its surrogate), then shrunk along its ray by
  bisection while it still does.
* **Transfer attack** — the perturbations found on a reference model (trained
  by backprop) are scaled along their rays until the learner's prediction
  changes.  When that beats the white-box attack at more than
  ``MASKING_FRACTION`` of the points, the learner's gradients mislead the
  attack and its row is flagged, as RobustBench flags suspicious defences.
  Transferred perturbations are verified too, so they also tighten the upper bound.

A lower bound above an upper bound at any point is a bug; it is never hidden:
the point count goes into the flags.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

NORMS = {"l2": 2.0, "linf": math.inf}
DUAL = {2.0: 2.0, math.inf: 1.0}
# Lipschitz constants of the activations' derivatives (ReLU's derivative is not continuous).
TANH_CURVATURE = 4 / (3 * math.sqrt(3))  # max |d²/dz² tanh z|, at tanh² z = 1/3
MASKING_FRACTION = 0.1
MARGIN_SLACK = 1e-5  # about 100 float32 rounding units
BISECTION_STEPS = 14  # relative precision 2^-14 of the bracket
MAX_DOUBLINGS = 40
DOMAIN = (-1e4, 1e4)  # foolbox needs finite input bounds: far beyond every task's inputs, so effectively unconstrained
RAY_SCALES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
RAY_BISECTION_STEPS = 10  # an upper bound at most 0.1% above the boundary along its ray
ATTACK_STEPS = 50  # DDN's and FMN's iterations (foolbox's default: 100); relaxation surrogates are costly
DEFAULT_POINTS = 32
POINTS_VARIABLE = "CREDITBENCH_ROBUST_POINTS"  # how many test points the metric brackets (0 turns it off)
SUBSET_SEED = 20_000  # the test points are the same for every run of a task
REFERENCE_SEED = 0
REFERENCE_EPOCHS = 2


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
            (m.bias if m.bias is not None else torch.zeros(m.out_features, device=m.weight.device)).detach().to(torch.float64)
            for m in linears
        )
    return Chain(weights, biases, tuple(kinds[type(m)] for m in activations),
                 tuple(float(getattr(m, "beta", 1.0)) for m in activations))


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
        return ((margins > radius[:, None] * _gradient_bound(chain, x, classes, radius, p)).all(1)) & (margins.min(1).values > 0)

    return _largest_certified(certified, torch.zeros(len(x), dtype=x.dtype, device=x.device) if start is None else start)


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


def _attacks(p: float):
    import foolbox

    if p == 2:
        return [foolbox.attacks.L2DeepFoolAttack(), foolbox.attacks.DDNAttack(steps=ATTACK_STEPS)]
    return [foolbox.attacks.LinfDeepFoolAttack(), foolbox.attacks.LInfFMNAttack(steps=ATTACK_STEPS)]


class _EvalMode:
    """The module in eval mode for the attack (foolbox asks for it), restored afterwards."""

    def __init__(self, module):
        self.module, self.was_training = module, module.training

    def __enter__(self):
        self.module.eval()

    def __exit__(self, *exc):
        self.module.train(self.was_training)


def _norm(delta, p: float):
    import torch

    return torch.linalg.vector_norm(delta.flatten(1), ord=p, dim=1)


def ray_search(changes, x, directions, scales=RAY_SCALES):
    """Per point, the shortest t·direction (t on the grid ``scales``, then bisection below it) that ``changes``.

    ``changes(x)`` says, per row, whether the prediction differs from the clean one.  Every
    returned perturbation passed ``changes``; rows where no scale did are NaN.
    """
    import torch

    n = len(x)
    shape = (n,) + (1,) * (x.dim() - 1)
    found = torch.full((n,), torch.nan, dtype=x.dtype, device=x.device)
    below = torch.zeros(n, dtype=x.dtype, device=x.device)
    for scale in scales:
        open_rows = found.isnan()
        if not open_rows.any():
            break
        hit = changes(x + scale * directions) & open_rows
        found = torch.where(hit, torch.full_like(found, scale), found)
        below = torch.where(open_rows & ~hit, torch.full_like(below, scale), below)
    high = found.clone()
    for _ in range(RAY_BISECTION_STEPS):
        middle = (below + high.nan_to_num(0)) / 2
        hit = changes(x + middle.view(shape) * directions) & ~found.isnan()
        high = torch.where(hit, middle, high)
        below = torch.where(hit, below, middle)
    return high.view(shape) * directions


def prediction_changes(surrogate, predict, classes):
    """``changes(x)``: rows where both the surrogate's and the learner's own prediction differ from ``classes``."""
    import torch

    def changes(x):
        with torch.no_grad():
            return (surrogate(x).argmax(1) != classes) & (predict(x).argmax(1) != classes)

    return changes


def attack_perturbations(model, x, classes, p: float, changes):
    """The shortest verified perturbation over foolbox's minimal-norm attacks on ``model`` (NaN rows: none found)."""
    import foolbox
    import torch

    best = torch.full_like(x, torch.nan)
    with _EvalMode(model):
        wrapped = foolbox.PyTorchModel(model, bounds=DOMAIN, device=x.device)
        for attack in _attacks(p):
            raw, _, _ = attack(wrapped, x, classes, epsilons=None)
            shortened = ray_search(changes, x, (raw - x).detach())
            shorter = _norm(shortened, p).nan_to_num(math.inf) < _norm(best, p).nan_to_num(math.inf)
            best = torch.where(shorter.view(-1, *(1,) * (x.dim() - 1)), shortened, best)
    return best


def bracket(surrogate, predict, x, p: float, reference=None) -> dict:
    """Per point of ``x``: certified lower bound, attack upper bound, transfer-attack bound (tensors of shape (n,)).

    ``classes`` are the learner's own predictions.  ``lower`` is None when the surrogate is
    not a chain the certifier can analyse; an upper bound is +inf where no attack found a
    perturbation; ``transfer`` (from ``reference``, a backprop-trained model) is None without one.
    """
    import torch

    with torch.no_grad():
        classes = predict(x).argmax(1)
    changes = prediction_changes(surrogate, predict, classes)
    white_box = _norm(attack_perturbations(surrogate, x, classes, p, changes), p).nan_to_num(math.inf)
    transfer = None
    if reference is not None:
        with torch.no_grad():
            reference_classes = reference(x).argmax(1)
        reference_changes = prediction_changes(reference, reference, reference_classes)
        directions = attack_perturbations(reference, x, reference_classes, p, reference_changes).nan_to_num(0)
        transfer = _norm(ray_search(changes, x, directions), p).nan_to_num(math.inf).to(white_box.dtype)
    certified = certified_radius(surrogate, x, classes, p)
    return {
        "classes": classes,
        "lower": None if certified is None else certified[0],
        "lower_method": None if certified is None else certified[1],
        "white_box": white_box,
        "transfer": transfer,
        "upper": white_box if transfer is None else torch.minimum(white_box, transfer),
    }


_references: dict = {}


def fixed_test_points(task, count: int):
    """A fixed, seeded subset of the task's test split (inputs and labels as tensors)."""
    import torch

    splits = task.load()
    order = torch.randperm(len(splits.y_test), generator=torch.Generator().manual_seed(SUBSET_SEED))[:count]
    return torch.as_tensor(splits.x_test)[order], torch.as_tensor(splits.y_test)[order]


def backprop_model(task, device, architecture=None):
    """``architecture`` (default: the task's reference) trained by backprop: Adam, a few epochs, fixed seed.

    The transfer attack's source; cached per process.
    """
    import torch
    import torch.nn.functional as F

    architecture = architecture or task.architecture
    key = (task.name, str(device), architecture)
    if key not in _references:
        splits = task.load()
        x, y = torch.as_tensor(splits.x_train, device=device), torch.as_tensor(splits.y_train, device=device)
        model = architecture.build(REFERENCE_SEED).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        generator = torch.Generator().manual_seed(REFERENCE_SEED)
        for _ in range(REFERENCE_EPOCHS):
            for batch in torch.randperm(len(y), generator=generator).to(device).split(32):
                optimizer.zero_grad()
                F.cross_entropy(model(x[batch]), y[batch]).backward()
                optimizer.step()
        _references[key] = model.requires_grad_(False)
    return _references[key]


def not_defined_reason(run) -> str | None:
    """Why the bracket cannot be measured for this run, or None."""
    if run.task.objective != "classification":
        return "defined for classification tasks only"
    if not run.algorithm.supervised:
        return "unsupervised learner read out by the harness's linear probe: no differentiable surrogate"
    if run.learner.surrogate() is None:
        return "the learner exposes no differentiable surrogate"
    return None


def _quantiles(values) -> tuple:
    """Quartiles (q1, median, q3) of a tensor that may hold +inf (no perturbation found); None where infinite."""
    import torch

    q = torch.quantile(values.double(), torch.tensor([0.25, 0.5, 0.75], dtype=torch.float64, device=values.device))
    return tuple(None if math.isinf(v) else v for v in q.tolist())


def measure(run) -> dict:
    """The ``robustness`` metric: the bracket on a fixed subset of test points, per norm, summarised."""
    import os
    import time

    import torch

    started = time.perf_counter()
    count = int(os.environ.get(POINTS_VARIABLE, DEFAULT_POINTS))
    reason = not_defined_reason(run) or (None if count > 0 else f"turned off ({POINTS_VARIABLE}=0)")
    if reason:
        return {"robust_not_defined": reason}
    device = torch.device(run.spec.device)
    surrogate, predict = run.learner.surrogate(), run.learner.predict
    x, labels = (tensor.to(device) for tensor in fixed_test_points(run.task, count))
    with torch.no_grad():
        agrees = surrogate(x).argmax(1) == predict(x).argmax(1)
    reference = backprop_model(run.task, device)
    total = len(x)
    result: dict = {"robust_points": total, "robust_flags": []}
    if not agrees.all():
        result["robust_flags"].append(f"{int((~agrees).sum())} of {len(x)} points left out: the surrogate's class "
                                      "differs from the learner's prediction")
    x, labels = x[agrees], labels[agrees]
    if not len(x):
        return {"robust_not_defined": "the surrogate's class differs from the learner's prediction at every point"}
    for name, p in NORMS.items():
        found = bracket(surrogate, predict, x, p, reference)
        correct = found["classes"] == labels
        upper, lower = found["upper"].double(), found["lower"]
        result.update(dict(zip((f"robust_upper_{name}_q1", f"robust_upper_{name}_median", f"robust_upper_{name}_q3"),
                               _quantiles(upper))))
        missed = int(torch.isinf(found["white_box"]).sum())
        if missed:
            result["robust_flags"].append(f"{name}: the attacks found no perturbation at {missed} points")
        wins = float((found["transfer"] < found["white_box"]).double().mean())
        result[f"robust_transfer_wins_{name}"] = wins
        if wins > MASKING_FRACTION:
            result["robust_flags"].append(f"{name}: gradient masking suspected: a transfer attack from a backprop model "
                                          f"beats the white-box attack at {wins:.0%} of points")
        radius = run.task.robustness_radii.get(name)
        result[f"robust_radius_{name}"] = radius
        if radius is not None:
            result[f"robust_accuracy_attack_{name}"] = float((correct & (upper > radius)).sum()) / total
        if lower is None:
            result[f"robust_lower_{name}_not_defined"] = (
                f"no certified bound: the surrogate ({type(surrogate).__name__}) is not a chain of Linear and "
                "ReLU/tanh/softplus layers")
            continue
        result.update(dict(zip((f"robust_lower_{name}_q1", f"robust_lower_{name}_median", f"robust_lower_{name}_q3"),
                               _quantiles(lower))))
        ratio = torch.where(torch.isinf(upper), torch.zeros_like(upper), lower / upper)
        result[f"robust_tightness_{name}_median"] = _quantiles(ratio)[1]
        methods = found["lower_method"]
        result[f"robust_lower_{name}_method"] = max(set(methods), key=methods.count) if methods else None
        if radius is not None:
            result[f"robust_accuracy_certified_{name}"] = float((correct & (lower > radius)).sum()) / total
        violations = int((lower > upper).sum())
        if violations:
            result["robust_flags"].append(f"{name}: BUG: certified lower bound above the attack's upper bound "
                                          f"at {violations} points")
    result["robust_seconds"] = time.perf_counter() - started
    return result
