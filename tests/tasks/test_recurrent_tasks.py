import numpy as np
import pytest
import torch

from harness.architectures import RNN
from harness.tasks import adding, influence_balancing
from harness.tasks.cards import checksum


def test_adding_marks_one_step_in_each_half_and_targets_their_sum():
    x, y = adding.generate(200, 10, np.random.default_rng(0))
    assert x.shape == (200, 10, 2) and y.shape == (200, 1) and x.dtype == y.dtype == np.float32
    markers = x[:, :, 1]
    assert (markers.sum(1) == 2).all()
    assert (markers[:, :5].sum(1) == 1).all() and (markers[:, 5:].sum(1) == 1).all()
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * markers).sum(1), rtol=1e-6)
    assert ((x[:, :, 0] >= 0) & (x[:, :, 0] < 1)).all()


def test_adding_tasks_are_named_by_length_and_fixed_by_their_seed():
    assert [task.name for task in adding.ADDING_TASKS] == ["adding-10", "adding-100", "adding-1000"]
    splits = adding.load(10)
    assert splits.x_train.shape == (4000, 10, 2) and splits.x_test.shape == (500, 10, 2)
    assert checksum(splits) == checksum(adding.load.__wrapped__(10))
    assert abs(splits.y_train.var() - 1 / 6) < 0.02  # the squared error of predicting the mean
    with pytest.raises(ValueError, match="at least 2 steps"):
        adding.adding_task(1)


def test_influence_balancing_optimum_and_what_is_attainable():
    model = influence_balancing.LinearDynamics()
    assert model.optimum() == pytest.approx(-1 / 6)
    network = model.build(seed=0)
    with torch.no_grad():
        network.theta.fill_(model.optimum())
        prediction = network(torch.ones(1, 2000, 1))
    assert prediction[0, -1, 0].item() == pytest.approx(1.0, abs=1e-5)  # the steady state hits the target
    skill = 1 - ((prediction - 1) ** 2).mean().item()  # against the baseline θ = 0, whose squared error is 1
    assert skill == pytest.approx(influence_balancing.best_skill(), abs=1e-4)
    assert influence_balancing.untrained_prediction(torch.ones(2, 3, 1)).abs().sum() == 0


def test_rnn_rejects_unknown_cells_and_readouts():
    with pytest.raises(ValueError, match="unknown recurrent cell 'gru'"):
        RNN(2, 4, 1, cell="gru")
    with pytest.raises(ValueError, match="unknown readout 'first'"):
        RNN(2, 4, 1, readout="first")


@pytest.mark.parametrize("cell", ["tanh", "irnn", "lstm"])
def test_rnn_one_step_api_is_its_forward_pass(cell):
    """Unrolling ``cell`` by hand and reading out gives what the module computes, for either readout."""
    for readout in ("last", "every"):
        network = RNN(3, 4, 2, cell=cell, readout=readout).build(seed=0)
        x = torch.randn(5, 6, 3)
        params = dict(network.named_parameters())
        state, outputs = network.initial_state(5), []
        for t in range(6):
            state = network.cell(params, state, x[:, t])
            outputs.append(network.readout(params, state))
        expected = torch.stack(outputs, 1) if readout == "every" else outputs[-1]
        torch.testing.assert_close(network(x), expected)


def test_rnn_initialisation_is_seeded_and_irnn_starts_from_the_identity():
    first, again, other = (RNN(3, 4, 2, cell="irnn").build(seed) for seed in (0, 0, 1))
    assert all(torch.equal(a, b) for a, b in zip(first.parameters(), again.parameters()))
    assert not torch.equal(first.input_weight, other.input_weight)
    assert torch.equal(first.recurrent_weight, torch.eye(4)) and not first.recurrent_bias.any()
