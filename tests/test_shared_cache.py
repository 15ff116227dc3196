import numpy as np
import pytest
import torch

from harness import Splits, shared_cache
from harness.metrics.robustness.reference import backprop_model
from harness.testing import CONFORMANCE_TASK


@pytest.fixture
def folder(tmp_path):
    shared_cache.use_folder(tmp_path)
    yield tmp_path
    shared_cache.use_folder(None)


def _new_process(folder):
    """What another worker of the same suite sees: the folder, and nothing of this process's memory."""
    shared_cache.use_folder(folder)


class Counting:
    def __init__(self, splits):
        self.name, self.calls, self.splits = "counting", 0, splits

    def load(self):
        self.calls += 1
        return self.splits


def _splits(make):
    return Splits(*(make(i) for i in range(6)))


def test_the_first_worker_computes_the_splits_and_the_others_read_them_bit_for_bit(folder):
    rng = np.random.default_rng(0)
    task = Counting(_splits(lambda i: rng.standard_normal((5, 3)).astype(np.float32 if i % 2 == 0 else np.float64)))
    first = shared_cache.splits(task)
    assert shared_cache.splits(task) is first and task.calls == 1
    _new_process(folder)
    second = shared_cache.splits(task)
    assert task.calls == 1
    for name, array in vars(task.splits).items():
        read = getattr(second, name)
        assert read.dtype == array.dtype and read.tobytes() == array.tobytes()
    assert not [path for path in folder.iterdir() if path.name.startswith(".partial-")]


def test_splits_that_are_not_numpy_arrays_are_used_but_not_shared(folder):
    task = Counting(_splits(lambda i: [[1.5, 2.0]]))
    assert shared_cache.splits(task).x_train == [[1.5, 2.0]]
    _new_process(folder)
    shared_cache.splits(task)
    assert task.calls == 2 and not [path for path in folder.iterdir() if path.suffix != ".lock"]


def _slow_load(folder, started, calls):
    """A worker's load of a task whose splits take a while to compute, counting the computations in ``calls``."""
    import time

    shared_cache.use_folder(folder)

    def load():
        with calls.get_lock():
            calls.value += 1
        time.sleep(0.5)
        return _splits(lambda i: np.full(2, float(i)))

    task = Counting(None)
    task.load = load
    started.wait()
    shared_cache.splits(task)


def test_a_worker_that_needs_the_splits_while_another_computes_them_waits_and_reads_them(folder):
    import multiprocessing

    context = multiprocessing.get_context("fork")
    started, calls = context.Event(), context.Value("i", 0)
    workers = [context.Process(target=_slow_load, args=(folder, started, calls)) for _ in range(3)]
    for worker in workers:
        worker.start()
    started.set()
    for worker in workers:
        worker.join(30)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    assert calls.value == 1


def test_without_a_folder_values_live_in_the_process_only(tmp_path):
    shared_cache.use_folder(None)
    task = Counting(_splits(lambda i: np.zeros(2)))
    shared_cache.splits(task)
    shared_cache.use_folder(None)
    shared_cache.splits(task)
    assert task.calls == 2 and not list(tmp_path.iterdir())


def test_the_reference_model_read_back_is_the_trained_one(folder):
    trained = backprop_model(CONFORMANCE_TASK, torch.device("cpu"))
    _new_process(folder)
    read = backprop_model(CONFORMANCE_TASK, torch.device("cpu"))
    assert read is not trained
    assert all(torch.equal(a, b) for a, b in zip(trained.state_dict().values(), read.state_dict().values()))
    assert not any(p.requires_grad for p in read.parameters())


def test_a_task_rebuilt_under_the_same_name_with_another_loader_gets_its_own_splits(folder):
    import dataclasses

    task = Counting(_splits(lambda i: np.full(2, float(i))))
    first = shared_cache.splits(task)

    def other_load():
        return _splits(lambda i: np.full(2, -1.0))

    view = dataclasses.replace(CONFORMANCE_TASK, name=task.name, load=other_load)
    assert shared_cache.splits(view).x_train.tolist() == [-1.0, -1.0]
    _new_process(folder)
    assert shared_cache.splits(task).x_train.tolist() == first.x_train.tolist() and task.calls == 1
