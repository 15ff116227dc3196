"""Robustness bounds: soundness of the certified lower bounds, validity of the attack upper bounds, the metric."""

import math
from types import SimpleNamespace

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from harness.architectures import ACTIVATIONS, MLP
from harness.metrics.robustness import attacks, certified, metric, reference
from harness.report.aggregate import aggregate
from harness.report.text import robustness_notes, to_markdown

NORMS = (2.0, math.inf)


def _network(sizes, activation, seed, scale=1.0):
    model = MLP(tuple(sizes), activation).build(seed).double()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(scale)
    return model


def _checkerboard_network(sizes, activation, seed):
    """An MLP fitted to a 2-D checkerboard of classes (cells 0.5 wide): decision boundaries everywhere."""
    generator = torch.Generator().manual_seed(seed)
    model = _network(sizes, activation, seed)
    x = torch.rand(2000, 2, generator=generator, dtype=torch.float64) * 4 - 2
    y = (torch.floor(2 * x[:, 0]) + torch.floor(2 * x[:, 1])).long() % sizes[-1]
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(300):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    return model.requires_grad_(False)


def _classes(model, x):
    with torch.no_grad():
        return model(x).argmax(1)


def _ball(x, radius, p, count, generator):
    """Points in the closed ball B_p(x, radius) of each row of x: half on the sphere (vertices/faces for L∞)."""
    n, d = x.shape
    if p == 2:
        directions = torch.randn(n, count, d, generator=generator, dtype=x.dtype)
        directions /= directions.norm(dim=2, keepdim=True)
        lengths = torch.rand(n, count, 1, generator=generator, dtype=x.dtype) ** (1 / d)
        lengths[:, : count // 2] = 1.0
    else:
        directions = torch.rand(n, count, d, generator=generator, dtype=x.dtype) * 2 - 1
        directions[:, : count // 2] = directions[:, : count // 2].sign()  # vertices of the cube
        lengths = torch.ones(n, count, 1, dtype=x.dtype)
    return x[:, None, :] + radius.view(n, 1, 1) * lengths * directions


def _changes_inside(model, x, radius, p, count=10_000, seed=0):
    """How many points whose certified ball holds a sampled input with another predicted class."""
    classes = _classes(model, x)
    inside = _ball(x, radius, p, count, torch.Generator().manual_seed(seed))
    with torch.no_grad():
        predicted = model(inside.flatten(0, 1)).argmax(1).view(len(x), count)
    return int((predicted != classes[:, None]).any(1).sum())


@pytest.mark.parametrize("activation", ["softplus", "tanh"])
@pytest.mark.parametrize("p", NORMS)
def test_one_hidden_layer_closed_form_holds_against_dense_sampling_of_the_certified_ball(activation, p):
    """Hein & Andriushchenko (2017), Theorem for one hidden layer: no input in the certified ball changes the class.

    Two input dimensions, so 10,000 samples per ball (half on its boundary) cover it densely; the sampling
    does find class changes once the radius is doubled, so it can catch an unsound bound."""
    model = _checkerboard_network((2, 32, 3), activation, seed=1)
    x = torch.randn(24, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    chain = certified.as_chain(model)
    radius = certified.closed_form_radius(chain, x, _classes(model, x), p)
    assert (radius > 0).all()
    assert _changes_inside(model, x, radius, p) == 0
    assert _changes_inside(model, x, 3 * radius, p) > 0


@pytest.mark.parametrize("activation", ["relu", "tanh", "softplus"])
@pytest.mark.parametrize("p", NORMS)
def test_deeper_network_bounds_hold_against_dense_sampling_of_the_certified_ball(activation, p):
    model = _checkerboard_network((2, 16, 16, 3), activation, seed=3)
    x = torch.randn(24, 2, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    chain, classes = certified.as_chain(model), _classes(model, x)
    for radius in (certified.global_radius(chain, x, classes, p), certified.local_radius(chain, x, classes, p)):
        assert (radius > 0).all()
        assert _changes_inside(model, x, radius, p) == 0
    assert _changes_inside(model, x, 3 * certified.certified_radius(model, x, classes, p)[0], p) > 0


def test_the_local_bound_beats_the_global_one_for_linf_on_a_smooth_network():
    model = _network((8, 32, 32, 4), "softplus", seed=5)
    x = torch.randn(16, 8, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    chain, classes = certified.as_chain(model), _classes(model, x)
    local = certified.local_radius(chain, x, classes, math.inf)
    assert (local >= certified.global_radius(chain, x, classes, math.inf)).all()
    assert local.median() > 1.5 * certified.global_radius(chain, x, classes, math.inf).median()


def test_closed_form_is_tight_on_a_one_hidden_layer_softplus_network_trained_on_digits():
    """The bracket's tightness (median certified / attack bound, L2) on digits' fixed test points.

    Measured 0.80 (the issue's quick measurement gave about 0.66); the closed form gives the bound."""
    from harness.tasks.digits import DIGITS

    model = reference.backprop_model(DIGITS, torch.device("cpu"), MLP((64, 128, 10), "softplus"))
    x, _ = metric.fixed_test_points(DIGITS, 32)
    found = metric.bracket(model, model, x, 2.0)
    tightness = (found["lower"] / found["upper"].double()).median().item()
    print(f"one-hidden-layer softplus on digits: median L2 tightness {tightness:.2f}")
    assert 0.6 < tightness <= 1
    assert found["lower_method"].count("closed_form") > len(x) / 2


networks = st.builds(
    lambda d, hidden, k, activation, seed, scale: (_network((d, *hidden, k), activation, seed, scale).float(), seed),
    d=st.integers(2, 6),
    hidden=st.lists(st.integers(3, 8), max_size=2),
    k=st.integers(2, 4),
    activation=st.sampled_from(ACTIVATIONS),
    seed=st.integers(0, 10_000),
    scale=st.floats(0.5, 4.0),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network=networks, p=st.sampled_from(NORMS))
def test_lower_bound_never_exceeds_the_attack_and_every_attack_perturbation_changes_the_class(network, p):
    model, seed = network
    x = torch.randn(6, model[0].in_features, generator=torch.Generator().manual_seed(seed))
    classes = _classes(model, x)
    changes = attacks.prediction_changes(model, model, classes)
    perturbations = attacks.attack_perturbations(model, x, classes, p, changes)
    found = ~perturbations.isnan().any(1)
    assert changes(x + perturbations.nan_to_num(0))[found].all()
    found_bracket = metric.bracket(model, model, x, p)
    upper, lower = found_bracket["upper"].double(), found_bracket["lower"]
    assert (lower <= upper).all(), (lower, upper)


def test_as_chain_reads_linear_activation_chains_only():
    assert certified.as_chain(nn.Sequential(nn.Linear(3, 4), nn.Softplus(beta=2), nn.Linear(4, 2))).betas == (2.0,)
    assert certified.as_chain(nn.Linear(3, 2)).activations == ()
    assert certified.as_chain(nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 2))) is None
    assert certified.as_chain(nn.Sequential(nn.Linear(3, 4), nn.ReLU())) is None


class _MaskedModel(nn.Module):
    """A classifier whose logits carry a tiny, wildly oscillating term: same decisions, useless gradients."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.frequencies = nn.Parameter(
            torch.randn(model[-1].out_features, model[0].in_features, generator=torch.Generator().manual_seed(0)) * 1e4,
            requires_grad=False,
        )

    def forward(self, x):
        return self.model(x) + 1e-3 * torch.sin(x @ self.frequencies.T)


def _finished_run(learner, task, supervised=True):
    return SimpleNamespace(
        learner=learner, task=task, algorithm=SimpleNamespace(supervised=supervised), spec=SimpleNamespace(device="cpu")
    )


class _Learner:
    def __init__(self, model):
        self.model = model

    def predict(self, x):
        with torch.no_grad():
            return self.model(x)

    def surrogate(self):
        return self.model


def _trained_task_and_model():
    from harness.tasks.digits import DIGITS

    return DIGITS, reference.backprop_model(DIGITS, torch.device("cpu"))


def test_metric_brackets_a_trained_model_and_reports_quartiles_tightness_and_robust_accuracy(monkeypatch):
    monkeypatch.setenv(metric.POINTS_VARIABLE, "12")
    task, model = _trained_task_and_model()
    result = metric.measure(_finished_run(_Learner(model), task))
    assert result["robust_points"] == 12 and result["robust_flags"] == []
    for norm in ("l2", "linf"):
        q1, median, q3 = (result[f"robust_lower_{norm}_{s}"] for s in ("q1", "median", "q3"))
        assert 0 < q1 <= median <= q3 <= result[f"robust_upper_{norm}_q3"]
        assert median <= result[f"robust_upper_{norm}_median"]
        assert 0 < result[f"robust_tightness_{norm}_median"] <= 1
        assert result[f"robust_accuracy_certified_{norm}"] <= result[f"robust_accuracy_attack_{norm}"] <= 1
        assert result[f"robust_radius_{norm}"] == task.robustness_radii[norm]


def test_metric_flags_gradient_masking_when_a_transfer_attack_beats_the_white_box_one(monkeypatch):
    monkeypatch.setenv(metric.POINTS_VARIABLE, "12")
    task, model = _trained_task_and_model()
    masked = _MaskedModel(MLP(task.architecture.sizes).build(1).requires_grad_(False))
    masked.model.load_state_dict(model.state_dict())
    result = metric.measure(_finished_run(_Learner(masked), task))
    assert any("gradient masking suspected" in flag for flag in result["robust_flags"])
    assert result["robust_lower_l2_not_defined"].startswith("no certified bound")


def test_metric_is_not_defined_without_a_surrogate_or_for_a_probe_read_learner(monkeypatch):
    from harness.tasks.digits import DIGITS

    no_surrogate = SimpleNamespace(surrogate=lambda: None)
    assert metric.measure(_finished_run(no_surrogate, DIGITS)) == {
        "robust_not_defined": "the learner exposes no differentiable surrogate"
    }
    assert "linear probe" in metric.measure(_finished_run(no_surrogate, DIGITS, supervised=False))["robust_not_defined"]
    monkeypatch.setenv(metric.POINTS_VARIABLE, "0")
    assert "turned off" in metric.measure(_finished_run(_Learner(nn.Linear(64, 10)), DIGITS))["robust_not_defined"]


def _row(algorithm, seed, metrics):
    return {
        "suite": "quick",
        "task": "digits",
        "algorithm": algorithm,
        "seed": seed,
        "status": "finished",
        "reason": None,
        "metrics": {"test_accuracy": 0.9, **metrics},
    }


def test_leaderboard_carries_both_bounds_or_says_why_not():
    bounds = {
        "robust_lower_l2_median": 0.2,
        "robust_upper_l2_median": 0.5,
        "robust_tightness_l2_median": 0.4,
        "robust_upper_linf_median": 0.05,
        "robust_flags": ["linf: something odd"],
        "robust_lower_linf_not_defined": "no certified bound: reason",
    }
    rows = [
        _row("bp", 0, bounds),
        _row("bp", 1, {**bounds, "robust_lower_l2_median": 0.3}),
        _row("rbm", 0, {"robust_not_defined": "no surrogate"}),
    ]
    entries = {e["algorithm"]: e for e in aggregate(rows)}
    assert entries["bp"]["robust_lower_l2_median"] == pytest.approx(0.25)
    assert entries["bp"]["robust_upper_linf_median"] == 0.05 and entries["bp"]["robust_lower_linf_median"] is None
    assert entries["rbm"]["robust_not_defined"] == "no surrogate"
    table = to_markdown(list(entries.values()))
    assert "0.25 – 0.5" in table and "n/d – 0.05" in table and "not defined" in table
    notes = " ".join(robustness_notes(list(entries.values())))
    assert "bp 0.40 / –" in notes and "rbm (no surrogate)" in notes and "bp (no certified bound: reason)" in notes
    assert "bp: linf: something odd" in notes
