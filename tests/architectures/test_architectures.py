"""Reference architectures: seeded initialisation independent of the global RNG, validated specs, the recurrent API."""

import pytest
import torch

from harness.architectures import MLP, RNN, LinearDynamics


def test_mlp_initialisation_depends_on_its_seed_only():
    torch.manual_seed(1)
    first = MLP((4, 8, 3)).build(seed=5)
    torch.manual_seed(2)
    again, other = MLP((4, 8, 3)).build(seed=5), MLP((4, 8, 3)).build(seed=6)
    for a, b, c in zip(first.parameters(), again.parameters(), other.parameters()):
        assert torch.equal(a, b)  # the same draws from the same seeded generator: exact by construction
        assert not torch.equal(a, c)
    bound = 4**-0.5
    assert first[0].weight.abs().max() <= bound and first[0].weight.abs().max() > bound / 2


def test_mlp_places_the_activation_between_linear_layers_only():
    model = MLP((4, 8, 8, 3), "tanh").build(0)
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]


@pytest.mark.parametrize("field, value", [("cell", "gru"), ("readout", "mean")])
def test_rnn_refuses_unknown_cells_and_readouts(field, value):
    with pytest.raises(ValueError, match=f"unknown .*{value!r}"):
        RNN(2, 4, 1, **{field: value})


@pytest.mark.parametrize("cell", ["tanh", "irnn", "lstm"])
def test_rnn_forward_is_its_one_step_functions_unrolled(cell):
    network = RNN(3, 5, 2, cell=cell, readout="every").build(0)
    x = torch.randn(4, 6, 3, generator=torch.Generator().manual_seed(0))
    params = dict(network.named_parameters())
    state, outputs = network.initial_state(4), []
    for t in range(6):
        state = network.cell(params, state, x[:, t])
        outputs.append(network.readout(params, state))
    assert network(x).shape == (4, 6, 2)
    torch.testing.assert_close(network(x), torch.stack(outputs, 1))  # the same ops in the same order


def test_irnn_starts_from_the_identity():
    network = RNN(2, 4, 1, cell="irnn").build(0)
    assert torch.equal(network.recurrent_weight, torch.eye(4)) and not network.recurrent_bias.any()


def test_linear_dynamics_optimum_makes_the_steady_read_out_one():
    spec = LinearDynamics()
    network = spec.build(0)
    with torch.no_grad():
        network.theta.fill_(spec.optimum())
        steady = network(torch.ones(1, 400, 1))[0, -1, 0]
    assert abs(float(steady) - 1.0) < 1e-3
    assert spec.optimum() == pytest.approx(-1 / 6)


@pytest.mark.parametrize(
    "spec", [RNN(3, 5, 2, cell="tanh"), RNN(3, 5, 2, cell="irnn"), RNN(3, 5, 2, cell="lstm"), LinearDynamics()]
)
def test_a_cell_steps_each_example_with_its_own_parameters(spec):
    """``per_example_parameters``: parameters with a leading example dimension step example k with its own, as
    the cell ``vmap``-ed over the examples does; a cell that read one example's parameters for all would fail."""
    network = spec.build(0)
    assert network.per_example_parameters
    generator = torch.Generator().manual_seed(0)
    n = 4
    params = {
        name: torch.randn(n, *parameter.shape, generator=generator) for name, parameter in network.named_parameters()
    }
    state = torch.randn(n, network.state_size, generator=generator)
    x = torch.randn(n, spec.input_size, generator=generator)
    expected = torch.func.vmap(network.cell)(params, state, x)
    assert not torch.allclose(expected, network.cell({k: v[:1].expand_as(v) for k, v in params.items()}, state, x))
    torch.testing.assert_close(network.cell(params, state, x), expected)
