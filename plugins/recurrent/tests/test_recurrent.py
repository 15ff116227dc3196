import dataclasses
import functools
import statistics

import pytest
import torch
import torch.nn.functional as F
from creditbench_recurrent import learners, rtrl_declines, tbptt_declines
from creditbench_recurrent.learners import BPTT, RTRL, TBPTT, UORO, windows
from creditbench_recurrent.networks import network
from tiny_recurrent_tasks import ADDING, ECHO, INFLUENCE

from harness.architectures import RNN
from harness.tasks.adding import adding_task
from harness.tasks.influence_balancing import INFLUENCE_BALANCING
from harness.testing import RETRIEVAL_CONFORMANCE_TASK, parametrize_with_checks

CONFIG = {"optimizer": "sgd", "lr": 0.0, "clip": 0.0, "batch_size": 16, "truncation": 2}


@parametrize_with_checks(["bptt", "tbptt", "rtrl", "uoro"], task=ADDING)
def test_conformance_on_sequences(algorithm, check):
    check(algorithm)


@parametrize_with_checks(["bptt", "tbptt", "rtrl", "uoro"], task=RETRIEVAL_CONFORMANCE_TASK)
def test_conformance_on_sequence_classification(algorithm, check):
    check(algorithm)


@parametrize_with_checks(["tbptt", "rtrl", "uoro"], task=ECHO)
def test_conformance_on_a_stream(algorithm, check):
    check(algorithm)


@parametrize_with_checks(["tbptt", "rtrl", "uoro"], task=INFLUENCE)
def test_conformance_on_influence_balancing(algorithm, check):
    check(algorithm)


def _learner(rule, task, seed=0, **config):
    config = {**CONFIG, **config}
    return rule(network(task, config, seed), task, config, seed)


def _gradient(learner, x, y, names=None):
    """The rule's gradient estimate on one batch of sequences, without updating (as one flat vector)."""
    learner.optimizer.zero_grad(set_to_none=True)
    learner.estimate_gradient(x, y, learner.start(len(x)))
    parameters = dict(learner.model.named_parameters())
    return torch.cat([parameters[name].grad.flatten() for name in names or parameters])


def _sequences(readout: str, n=8, length=7):
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(n, length, 2, generator=generator)
    y = torch.randn(n, length, 1, generator=generator) if readout == "every" else torch.randn(n, 1, generator=generator)
    return x, y


def assert_is_the_exact_gradient(estimate, exact):
    """The RTRL claim's check: cosine ≥ 0.999 with BPTT's gradient, and equal up to float32 rounding."""
    assert F.cosine_similarity(estimate, exact, dim=0) >= 0.999, "cosine below 0.999"
    torch.testing.assert_close(estimate, exact, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("readout", ["last", "every"])
@pytest.mark.parametrize("cell", ["tanh", "irnn", "lstm"])
def test_rtrl_gradient_is_bptts(cell, readout):
    """Williams & Zipser (1989): RTRL computes the exact gradient, forward in time — the one BPTT computes
    backward.  Claim: cosine ≥ 0.999 on the same sequences (we find agreement to float precision)."""
    task = dataclasses.replace(ADDING, architecture=RNN(2, 5, 1, cell=cell, readout=readout))
    x, y = _sequences(readout)
    assert_is_the_exact_gradient(_gradient(_learner(RTRL, task), x, y), _gradient(_learner(BPTT, task), x, y))


def test_the_exact_gradient_check_fails_for_truncated_bptt():
    """Negative control: tbptt with a 2-step window sees only the last 2 of 7 steps."""
    x, y = _sequences("last")
    exact, truncated = _gradient(_learner(BPTT, ADDING), x, y), _gradient(_learner(TBPTT, ADDING), x, y)
    with pytest.raises(AssertionError, match="cosine"):
        assert_is_the_exact_gradient(truncated, exact)


@pytest.mark.parametrize("readout", ["last", "every"])
def test_a_window_as_long_as_the_sequence_is_bptt(readout):
    task = dataclasses.replace(ADDING, architecture=RNN(2, 5, 1, readout=readout))
    x, y = _sequences(readout)
    exact = _gradient(_learner(BPTT, task), x, y)
    torch.testing.assert_close(_gradient(_learner(TBPTT, task, truncation=x.shape[1]), x, y), exact)
    assert not torch.allclose(_gradient(_learner(TBPTT, task, truncation=1), x, y), exact)


def test_windows_end_at_the_last_step():
    assert windows(11, 10) == [(0, 1), (1, 11)]
    assert windows(6, 2) == [(0, 2), (2, 4), (4, 6)]
    assert windows(3, 5) == [(0, 3)]


def _step_zero_windows(length, truncation):
    """The old placement, windows from step 0: a last-step readout then backprops only ``length mod k`` steps."""
    return [(begin, min(begin + truncation, length)) for begin in range(0, length, truncation)]


@pytest.mark.parametrize("placement", ["at the readout", "from step 0"])
def test_truncation_reaches_back_from_a_last_step_readout(placement, monkeypatch):
    """On a sequence of 11 steps (assoc-retrieval's length) read at its last step, a window of 10 steps and one of
    1 step give different gradients.  The negative control is the old placement: with windows from step 0, the
    last window is 1 step long whatever the truncation, and the two gradients are the same."""
    if placement == "from step 0":
        monkeypatch.setattr(learners, "windows", _step_zero_windows)
    x, y = _sequences("last", length=11)
    ten, one = (_gradient(_learner(TBPTT, ADDING, truncation=k), x, y) for k in (10, 1))
    assert torch.allclose(ten, one, rtol=1e-5, atol=1e-7) == (placement == "from step 0")


def test_rtrl_on_a_stream_carries_the_influence_of_earlier_chunks():
    """On a stream, the gradient rtrl takes on a chunk is that chunk's loss differentiated through the whole
    history (BPTT over every earlier chunk too), while tbptt's stops at the chunk's start."""
    data = ECHO.load()
    x, y = torch.as_tensor(data.x_train[:24]), torch.as_tensor(data.y_train[:24])
    rtrl, tbptt = _learner(RTRL, ECHO), _learner(TBPTT, ECHO, truncation=12)
    for learner in (rtrl, tbptt):
        learner.train_step(x[:12], y[:12])  # lr 0: the weights stay, the carried state moves on
        learner.train_step(x[12:], y[12:])
    model = network(ECHO, CONFIG, seed=0)
    states = model.unroll(x[None], model.initial_state(1))
    loss = F.mse_loss(model.readout(dict(model.named_parameters()), states[:, 12:]), y[None, 12:])
    exact = torch.cat([g.flatten() for g in torch.autograd.grad(loss, list(model.parameters()))])
    carried, truncated = (
        torch.cat([p.grad.flatten() for p in learner.model.parameters()]) for learner in (rtrl, tbptt)
    )
    assert F.cosine_similarity(carried, exact, dim=0) >= 0.999
    assert (carried - exact).norm() < 1e-4 * exact.norm()
    cell = slice(0, -5)  # the recurrent layer's parameters (the readout's 5 get the same gradient from both)
    assert (truncated[cell] - exact[cell]).norm() > 0.1 * exact[cell].norm()


CELL = ("input_weight", "recurrent_weight", "recurrent_bias")


@functools.cache
def _uoro_draws_and_references():
    """One sequence, copied into a batch of 64 (each copy draws its own signs, so each call averages 64
    independent estimates): 96 calls of UORO's estimate of the cell's gradient, RTRL's and tbptt's (window 1)."""
    data = ADDING.load()
    x, y = torch.as_tensor(data.x_train[:1]).expand(64, -1, -1), torch.as_tensor(data.y_train[:1]).expand(64, -1)
    exact = _gradient(_learner(RTRL, ADDING), x, y, CELL)
    truncated = _gradient(_learner(TBPTT, ADDING, truncation=1), x, y, CELL)
    uoro = _learner(UORO, ADDING)
    return torch.stack([_gradient(uoro, x, y, CELL) for _ in range(96)]), exact, truncated


def assert_unbiased(draws, exact):
    """The UORO claim's check: per coordinate, the z-score of the draws' mean against the exact gradient stays
    below the Bonferroni threshold for an overall false-alarm rate of 0.001."""
    z_scores = (draws.mean(0) - exact) / (draws.std(0) / len(draws) ** 0.5)
    threshold = statistics.NormalDist().inv_cdf(1 - 0.001 / (2 * len(exact)))
    assert z_scores.abs().max() < threshold, f"largest z-score {z_scores.abs().max():.2f} (threshold {threshold:.2f})"


def test_uoro_estimate_is_unbiased():
    """Tallec & Ollivier (2018), section 3: s̃ θ̃ᵀ is an unbiased estimate of RTRL's influence matrix, so
    UORO's gradient estimate has RTRL's gradient as its mean (the readout's part is exact, so the cell's is
    tested), and the mean's error shrinks like 1/sqrt(draws)."""
    draws, exact, _ = _uoro_draws_and_references()
    assert_unbiased(draws, exact)
    error_few, error_many = ((draws[:k].mean(0) - exact).norm() for k in (6, 96))
    assert error_many < error_few * 0.5  # 1/sqrt(16) = 0.25 expected


def test_the_unbiasedness_check_fails_for_a_biased_estimate():
    """Negative control: truncated BPTT's gradient with UORO's zero-mean noise around it, as many draws."""
    draws, exact, truncated = _uoro_draws_and_references()
    with pytest.raises(AssertionError, match="largest z-score"):
        assert_unbiased(truncated + (draws - exact), exact)


def _uoro_reference(learner, x, seed: int, broken: str = ""):
    """Tallec & Ollivier (2018), Algorithm 1, one example at a time from dense one-step Jacobians: the state,
    s̃ and θ̃ after ``x`` ``(n, T, f)`` from the initial state, with the signs a UORO learner of ``seed`` draws.

    ``broken`` makes a negative control: ``"sign"`` subtracts νᵀ ∂F/∂θ / ρ₁ from θ̃ instead of adding it,
    ``"dropped"`` leaves the term ρ₁ ν out of s̃."""
    names, params = learner.model.cell_names, learner.cell_parameters()
    theta = torch.cat([params[name].flatten() for name in names])

    def step(state, flat, step_input):
        pieces = flat.split([params[name].numel() for name in names])
        chunks = {name: piece.view_as(params[name]) for name, piece in zip(names, pieces)}
        return learner.model.cell(chunks, state[None], step_input[None])[0]

    n, length, size = len(x), x.shape[1], learner.model.state_size
    draws = torch.randint(0, 2, (length, n, size), generator=torch.Generator().manual_seed(seed))
    signs = (2 * draws - 1).to(x.dtype)
    results = []
    for k in range(n):
        state, state_tangent, parameter_tangent = x.new_zeros(size), x.new_zeros(size), torch.zeros_like(theta)
        for t in range(length):
            by_state, by_theta = torch.autograd.functional.jacobian(
                functools.partial(step, step_input=x[k, t]), (state, theta)
            )
            forward, backward, nu = by_state @ state_tangent, signs[t, k] @ by_theta, signs[t, k]
            rho0 = ((parameter_tangent.norm() + learners.STABILITY) / (forward.norm() + learners.STABILITY)).sqrt()
            rho1 = ((backward.norm() + learners.STABILITY) / (nu.norm() + learners.STABILITY)).sqrt()
            state_tangent = rho0 * forward + (0 if broken == "dropped" else rho1 * nu)
            parameter_tangent = parameter_tangent / rho0 + (-1 if broken == "sign" else 1) * backward / rho1
            state = step(state, theta, x[k, t])
        results.append((state, state_tangent, parameter_tangent))
    return [torch.stack(column) for column in zip(*results)]


def assert_is_uoros_update(task, reference_broken: str = ""):
    """UORO's propagation over a batch (the batched forward, JVP and VJP) equals the per-example reference."""
    learner = _learner(UORO, task, seed=3)
    x, _ = _sequences("last", n=4, length=5)
    x = x[..., : task.architecture.input_size]
    carried = learner.propagate(x, learner.start(len(x)))
    expected = _uoro_reference(learner, x, seed=3, broken=reference_broken)
    for name, value, reference in zip(("state", "state_tangent", "parameter_tangent"), carried.values(), expected):
        torch.testing.assert_close(value, reference, rtol=1e-4, atol=1e-5, msg=lambda m, name=name: f"{name}: {m}")


@pytest.mark.parametrize("task", [ADDING, ECHO], ids=["tanh", "lstm"])
def test_uoro_step_is_the_papers_update(task):
    """Tallec & Ollivier (2018), Algorithm 1: s̃ ← ρ₀ (∂F/∂s) s̃ + ρ₁ ν and θ̃ ← θ̃ / ρ₀ + νᵀ (∂F/∂θ) / ρ₁, with
    the variance-minimising ρ₀, ρ₁; ours, batched, equals it computed one example at a time from Jacobians."""
    assert_is_uoros_update(task)


@pytest.mark.parametrize("broken", ["sign", "dropped"])
def test_the_update_check_fails_for_a_wrong_sign_or_a_dropped_term(broken):
    """Negative control: against a reference with θ̃'s new term subtracted, or s̃'s noise term ρ₁ ν left out."""
    with pytest.raises(AssertionError):
        assert_is_uoros_update(ECHO, reference_broken=broken)


def _train_on_stream(rule, steps, **config):
    """θ at the start and after ``steps`` steps of influence balancing, SGD with lr 1e-3 every 10 steps."""
    task = INFLUENCE_BALANCING
    config = {**CONFIG, "batch_size": 10, "lr": 0.001, **config}
    learner = _learner(rule, task, **config)
    start = learner.model.theta.item()
    data = task.load()
    x, y = torch.as_tensor(data.x_train), torch.as_tensor(data.y_train)
    for begin in range(0, steps, config["batch_size"]):
        learner.train_step(x[begin : begin + config["batch_size"]], y[begin : begin + config["batch_size"]])
    return start, learner.model.theta.item()


@pytest.mark.parametrize("truncation", [1, 10])
def test_truncated_bptt_is_driven_away_from_the_optimum_of_influence_balancing(truncation):
    """Tallec & Ollivier (2018), influence balancing: truncated BPTT sees θ's positive short-term influence
    only (the truncated influence changes sign at about 41 steps), so its gradient has the wrong sign and
    θ runs away from θ* = -1/6: its distance grows more than fivefold in 2,000 steps."""
    theta_star = INFLUENCE_BALANCING.architecture.optimum()
    start, end = _train_on_stream(TBPTT, 2_000, truncation=truncation)
    assert abs(end - theta_star) > 5 * abs(start - theta_star)


def test_exact_online_gradient_converges_on_influence_balancing():
    """The same SGD with RTRL's exact gradient settles at θ* = -1/6."""
    theta_star = INFLUENCE_BALANCING.architecture.optimum()
    _, end = _train_on_stream(RTRL, 1_500)
    assert abs(end - theta_star) < 0.01


def _influence_balancing_run(algorithm, seed, **config):
    from harness.errors import RunFailed
    from harness.registry import registry
    from harness.training.loop import train
    from harness.training.spec import RunSpec

    try:
        run = train(
            RunSpec("influence-balancing", algorithm, seed, INFLUENCE_BALANCING.budget, config=config), registry()
        )
    except RunFailed:  # diverged: its predictions stopped being finite
        return float("-inf")
    return run.curve[-1]["test_score"]


@pytest.mark.creditbench_claim(
    rule=["uoro", "rtrl", "tbptt"],
    paper="Tallec & Ollivier 2018",
    claim="UORO converges on influence balancing where truncated BPTT diverges: uoro and rtrl above half the attainable skill, tbptt k=1/10/100 below 0, k=400 above half",
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_uoro_converges_on_influence_balancing_where_truncated_bptt_does_not(seed):
    """Tallec & Ollivier (2018), influence-balancing experiment: with the same SGD, UORO converges while
    truncated BPTT diverges "unless the truncation span is very significantly longer than the intrinsic
    temporal range of the interactions".  Ours: 20,000 steps, plain SGD at 3e-6 per time step for every rule
    (lr 3e-5 per 10-step chunk).  UORO (and RTRL, its exact counterpart) must reach half the attainable
    skill (0.85 at θ*; the rest is the start-up transient).  Here the truncated influence changes sign at 41
    steps, and a window of k steps backprops k/2 steps on average, so tbptt with k = 1, 10 and even 100
    (chunks of k steps) must end worse than the untrained system (skill < 0), and only k = 400 converges."""
    from harness.tasks.influence_balancing import best_skill

    attainable = best_skill()
    assert _influence_balancing_run("uoro", seed) > 0.5 * attainable
    assert _influence_balancing_run("rtrl", seed) > 0.5 * attainable
    assert _influence_balancing_run("tbptt", seed, truncation=1) < 0
    assert _influence_balancing_run("tbptt", seed, truncation=10) < 0
    assert _influence_balancing_run("tbptt", seed, truncation=100, batch_size=100, lr=3e-4) < 0
    assert _influence_balancing_run("tbptt", seed, truncation=400, batch_size=400, lr=1.2e-3) > 0.5 * attainable


def test_declines():
    assert rtrl_declines(adding_task(10), {"max_macs": 2**25}) is None
    reason = rtrl_declines(adding_task(100), {"max_macs": 2**25})
    assert "100 steps × 32² state units × 1216 parameters" in reason and "max_macs" in reason
    assert "128² state units" in rtrl_declines(adding_task(10), {"max_macs": 2**25, "hidden": 64})
    assert rtrl_declines(INFLUENCE_BALANCING, {"max_macs": 2**25}) is None
    assert tbptt_declines(INFLUENCE_BALANCING, {"truncation": 10, "batch_size": 10}) is None
    assert "batch_size" in tbptt_declines(INFLUENCE_BALANCING, {"truncation": 20, "batch_size": 10})
    assert tbptt_declines(adding_task(10), {"truncation": 20, "batch_size": 10}) is None


def test_cell_and_width_come_from_the_config():
    model = network(adding_task(10), {"cell": "tanh", "hidden": 7}, seed=0)
    assert model.kind == "tanh" and model.hidden_size == 7 and model.state_size == 7
    with pytest.raises(ValueError, match="RNN architectures"):
        network(INFLUENCE_BALANCING, {"cell": "lstm"}, seed=0)


def test_memory_per_step_grows_with_length_for_bptt_only():
    """The memory ladder in miniature (scripts/recurrent_memory.py measures adding-10/100/1000): BPTT keeps
    every step's activations, so what it holds at once grows tenfold with a tenfold longer sequence; tbptt's
    stays at one window, RTRL's and UORO's at one step (their per-sequence trace does not depend on length)."""
    from harness.metrics import instruments

    held = {}
    for length in (6, 60):
        x, y = _sequences("last", length=length)
        for rule in (BPTT, TBPTT, RTRL, UORO):
            held[rule.__name__, length] = instruments.activation_bytes(_learner(rule, ADDING), x, y)
    assert held["BPTT", 60] > 9 * held["BPTT", 6]
    for rule in ("TBPTT", "RTRL", "UORO"):
        assert held[rule, 60] == held[rule, 6]


def _weights(learner):
    return {name: value.clone() for name, value in learner.model.state_dict().items()}


@pytest.mark.parametrize("rule", [TBPTT, RTRL, UORO])
def test_the_floor_carries_what_the_rule_carries_without_updating(rule):
    """floor_step runs the rule's propagation through a chunk of a stream — it carries on exactly the state (and
    RTRL's influence, UORO's tangents: the same random signs) that train_step carries — but does not update the
    weights, while train_step, from the same seed, does."""
    data = ECHO.load()
    x, y = torch.as_tensor(data.x_train[:12]), torch.as_tensor(data.y_train[:12])
    trained, floor = (_learner(rule, ECHO, lr=0.1) for _ in range(2))
    before = _weights(floor)
    trained.train_step(x, y)
    floor.floor_step(x, y)
    assert floor.carried.keys() == trained.carried.keys()
    for name, carried in trained.carried.items():
        assert torch.equal(floor.carried[name], carried), name
    assert all(torch.equal(value, before[name]) for name, value in _weights(floor).items())
    assert not all(torch.equal(value, before[name]) for name, value in _weights(trained).items())


@pytest.mark.parametrize("rule", [RTRL, UORO])
def test_the_forward_mode_floors_take_no_gradient(rule):
    """RTRL's and UORO's floors propagate the influence (or its estimate) only: no readout, no gradient."""
    floor = _learner(rule, ADDING)
    floor.floor_step(*_sequences("last"))
    assert all(parameter.grad is None for parameter in floor.model.parameters())


@pytest.mark.parametrize("rule", [BPTT, TBPTT])
@pytest.mark.parametrize("readout", ["last", "every"])
def test_the_backprop_floors_are_the_forward_and_backward_pass(rule, readout):
    """BPTT's and tbptt's floor is the gradient itself, forward and backward through the unrolled network: it
    writes the rule's update direction into ``.grad`` and leaves the weights where they were."""
    task = dataclasses.replace(ADDING, architecture=RNN(2, 5, 1, readout=readout))
    x, y = _sequences(readout)
    floor, reference = _learner(rule, task, lr=0.1), _learner(rule, task, lr=0.1)
    before = _weights(floor)
    floor.floor_step(x, y)
    direction = reference.update_direction(x, y)
    for name, parameter in floor.model.named_parameters():
        assert torch.equal(parameter.grad, direction[name]), name
    assert all(torch.equal(value, before[name]) for name, value in _weights(floor).items())
