"""The scale suite's CIFAR and LeNet tasks: their files, networks, published figures and the rules that run them."""

import numpy as np
import pytest
import torch

from harness import CNN, ResNet
from harness.errors import MissingDatasetWarning
from harness.execution.suites import plan
from harness.registry import build_registry
from harness.tasks import cards, data_folder, on_disk
from tests.tasks.test_cnn_tasks import RUN_ON_CONVOLUTIONS
from tests.tasks.test_on_disk import CIFAR, md5s, write_cifar_dataset

CIFAR_TASKS = ("cifar10-vgg", "cifar10-resnet20", "cifar100-vgg", "cifar100-resnet20")
# VGG-5 is a chain of layers: every rule that runs a CNN runs it; on ResNet-20 only the rules that train any module
RUN_ON_VGG = RUN_ON_CONVOLUTIONS
RUN_ON_RESNET = {"bp-sgd", "bp-momentum", "bp-adam", "linear", "random-features", "fa", "dfa", "sign-symmetry"}


@pytest.fixture(scope="module")
def registry():
    return build_registry()


@pytest.fixture
def cifar_folder(tmp_path, monkeypatch):
    """Tiny generated python batches of both CIFARs, their cards pointed at them."""
    monkeypatch.setenv(data_folder.VARIABLE, str(tmp_path))
    written = {dataset: write_cifar_dataset(tmp_path, dataset)[1] for dataset in CIFAR}
    with (
        cards.substituted("cifar10", files=md5s(written["cifar10"]), validation=10),
        cards.substituted("cifar100", files=md5s(written["cifar100"]), validation=100),
    ):
        yield tmp_path


def test_the_scale_suite_alone_runs_the_cifar_and_lenet_tasks(registry, cifar_folder):
    with pytest.warns(MissingDatasetWarning) as caught:
        scale = {spec.task for spec in plan(registry, "scale", algorithms=["bp-sgd"], seeds=1)}
    assert [str(w.message).split(":")[0][len("the scale suite leaves out ") :] for w in caught] == [
        "mnist",
        "fashion-mnist",
    ]
    assert scale == set(CIFAR_TASKS)  # mnist's files are absent: its two tasks are left out
    for suite in ("quick", "extended", "ladder", "standard", "selection"):
        assert not {spec.task for spec in plan(registry, suite, algorithms=["bp-sgd"], seeds=1)} & {
            *CIFAR_TASKS,
            "mnist-lenet",
        }, suite


@pytest.mark.parametrize("name", CIFAR_TASKS)
def test_a_cifar_task_loads_its_files_into_its_network(registry, cifar_folder, name):
    task = registry.task(name)
    classes = 100 if name.startswith("cifar100") else 10
    assert task.n_classes == classes and task.dataset == name.split("-")[0]
    assert isinstance(task.architecture, ResNet if name.endswith("resnet20") else CNN)
    splits = task.load()
    assert splits.x_train.shape[1:] == (3072,) and len(splits.x_val) == classes
    assert set(np.unique(splits.y_train)) <= set(range(classes))
    network = task.architecture.build(0)
    assert network(torch.from_numpy(splits.x_test[:4])).shape == (4, classes)


def test_mnist_lenet_is_mnists_data_with_mnist5k_cnns_lenet(registry):
    task = registry.task("mnist-lenet")
    assert task.load is on_disk.MNIST.load and task.check_files == on_disk.MNIST.check_files
    assert task.architecture == registry.task("mnist5k-cnn").architecture


def test_the_published_figures_sit_in_the_paper_column(registry):
    published = registry.published()
    expected = {
        ("cifar10-resnet20", "bp-sgd"): 1 - 0.0863,
        ("cifar10-resnet20", "fa"): 1 - 0.3216,
        ("cifar10-resnet20", "dfa"): 1 - 0.4594,
        ("cifar10-resnet20", "sign-symmetry"): 1 - 0.1005,
        ("cifar10-vgg", "bp-sgd"): 0.8998,
        ("cifar10-vgg", "pc"): 0.8878,
        ("mnist-lenet", "bp-sgd"): 1 - 0.0091,
        ("mnist-lenet", "fa"): 1 - 0.0170,
        ("mnist-lenet", "dfa"): 1 - 0.0161,
    }
    for key, accuracy in expected.items():
        assert published[key][0] == pytest.approx(accuracy), key
        assert "BioTorch" in published[key][1] or "PCX" in published[key][1]


@pytest.mark.parametrize("name, running", [("cifar100-vgg", RUN_ON_VGG), ("cifar100-resnet20", RUN_ON_RESNET)])
def test_the_rules_that_do_not_decline_a_cifar_network_train_on_it_and_the_others_say_why(registry, name, running):
    task = registry.task(name)
    x, y = torch.rand(8, 3072), torch.arange(8) % task.n_classes
    for algorithm in registry.algorithms.values():
        config = algorithm.config_for(name)
        reason = algorithm.declined(task, config)
        if algorithm.name not in running:
            assert reason and "\n" not in reason, algorithm.name
            continue
        assert reason is None, (algorithm.name, reason)
        learner = algorithm.build(task, {**config, "population": 2, "truncation": 1}, 0)
        before = learner.predict(x)
        learner.train_step(x, y)
        after = learner.predict(x)
        assert after.shape == (8, task.n_classes) and torch.isfinite(after).all(), algorithm.name
        if algorithm.name != "random-features":  # trains its readout on its own schedule
            assert not torch.allclose(before, after), algorithm.name
