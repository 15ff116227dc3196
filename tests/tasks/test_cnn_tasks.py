"""The convolutional twins of mnist1d and mnist5k, the suites that run them, and the rules that decline them."""

import pytest
import torch

from harness import CNN, Conv
from harness.errors import HarnessError
from harness.execution.suites import plan
from harness.registry import build_registry

TWINS = {"mnist1d-cnn": "mnist1d", "mnist5k-cnn": "mnist5k"}
# The first slice of rules on convolutions (issue 16): every other first-party rule declines the CNN tasks.
RUN_ON_CONVOLUTIONS = {
    "bp-sgd",
    "bp-momentum",
    "bp-adam",
    "fa",
    "dfa",
    "sign-symmetry",
    "linear",
    "random-features",
    "es",
    "ga",
    "pc",
    "hsic",
    "ff",
    "ep",
    "ep-bptt",
    "dtp",
    "sdtp",
    "ao-sdtp",
}


@pytest.fixture(scope="module")
def registry():
    return build_registry()


def test_a_cnn_twin_has_its_mlp_twins_data_splits_card_and_budgets(registry):
    for name, twin in TWINS.items():
        task, mlp = registry.task(name), registry.task(twin)
        assert isinstance(task.architecture, CNN)
        assert task.load is mlp.load and task.dataset == mlp.dataset  # the same loader, not a copy of it
        assert (task.budget, task.quick_budget, task.n_classes) == (mlp.budget, mlp.quick_budget, mlp.n_classes)
        assert task.architecture.input_size == mlp.architecture.input_size
        assert task.architecture.build(0)(torch.zeros(2, task.architecture.input_size)).shape == (2, 10)


def test_the_mnist1d_cnn_is_the_papers_shape():
    """Greydanus 2020: three Conv1d layers of 25 channels (kernels 5, 3, 3, stride 2, padding 1), a 125 → 10 readout."""
    architecture = build_registry().task("mnist1d-cnn").architecture
    assert architecture.flat_size() == 125
    model = architecture.build(0)
    assert sum(p.numel() for p in model.parameters()) == (5 * 25 + 25) + 2 * (75 * 25 + 25) + (125 * 10 + 10)


def test_a_cnn_builds_the_same_network_from_the_same_seed_and_another_from_another():
    spec = CNN((1, 8, 8), (Conv(3, 3, padding=1, pool=2), Conv(4, 3)), (5,), 2)
    x = torch.randn(4, 64)
    assert spec.build(0)(x).shape == (4, 2)
    assert torch.equal(spec.build(0)(x), spec.build(0)(x)) and not torch.equal(spec.build(0)(x), spec.build(1)(x))
    assert str(spec) == "CNN 1×8×8 c3k3p1/mp2-c4k3-5-2 (relu)"
    with pytest.raises(ValueError, match="input shape"):
        CNN((64,), (), (), 2)


def test_only_the_standard_suite_runs_the_cnn_tasks_and_the_ladder_suite_the_cnn_ladders_rung(registry):
    for suite in ("quick", "extended", "selection"):
        assert not {spec.task for spec in plan(registry, suite, algorithms=["bp-sgd"], seeds=1)} & set(TWINS), suite
    ladder = {spec.task for spec in plan(registry, "ladder", algorithms=["bp-sgd"], seeds=1)}
    assert ladder & set(TWINS) == {"mnist1d-cnn"}
    assert set(TWINS) <= {spec.task for spec in plan(registry, "standard", algorithms=["bp-sgd"], seeds=1)}
    with pytest.raises(
        HarnessError, match=r"the quick suite does not run mnist1d-cnn \(run it with --suite ladder or standard\)"
    ):
        plan(registry, "quick", tasks=["mnist1d-cnn"], algorithms=["bp-sgd"])


def test_every_first_party_rule_outside_the_first_slice_declines_the_cnn_tasks_in_one_line(registry):
    for name in TWINS:
        task = registry.task(name)
        for algorithm in registry.algorithms.values():
            reason = algorithm.declined(task, algorithm.config_for(name))
            if algorithm.name in RUN_ON_CONVOLUTIONS:
                assert reason is None, (algorithm.name, reason)
            else:
                assert reason and "\n" not in reason, algorithm.name
        # and the same rules run the MLP twin: the decline is about the architecture, not the data
        mlp = registry.task(TWINS[name])
        assert registry.algorithm("altmin").declined(mlp, registry.algorithm("altmin").config_for(mlp.name)) is None
    planned = {spec.algorithm for spec in plan(registry, "standard", tasks=["mnist1d-cnn"], seeds=1)}
    assert planned == RUN_ON_CONVOLUTIONS
    reason = registry.algorithm("altmin").declined(registry.task("mnist1d-cnn"), {})
    assert reason.startswith("altmin") and "mnist1d-cnn" in reason
