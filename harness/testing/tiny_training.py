"""Behavioural tests' training on the kit's tiny tasks: a plain loop, not the harness's (no budget, no evaluations,
no metrics), so that a test of "this rule learns, its broken twin does not" takes a second."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Torch on one intra-op thread inside the block: on tensors this small more threads only add overhead, and on a
    loaded machine they multiply a step's time many times over."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def accuracy_after_training(learner, task, steps: int, batch_size: int = 32) -> float:
    """``learner``'s test accuracy on ``task`` after ``steps`` training steps over consecutive batches of its
    training split (in order, wrapping around)."""
    import torch

    splits = task.load()
    x, y = torch.from_numpy(splits.x_train), torch.from_numpy(splits.y_train)
    for step in range(steps):
        start = step * batch_size % (len(x) - batch_size)
        learner.train_step(x[start : start + batch_size], y[start : start + batch_size])
    predictions = learner.predict(torch.from_numpy(splits.x_test)).argmax(1)
    return float((predictions == torch.from_numpy(splits.y_test)).float().mean())


def mean_accuracy_after_training(build: Callable[[int], object], task, steps: int, seeds: Iterable[int]) -> float:
    """The mean over ``seeds`` of ``accuracy_after_training(build(seed), task, steps)``, on one thread."""
    with one_thread():
        accuracies = [accuracy_after_training(build(seed), task, steps) for seed in seeds]
    return sum(accuracies) / len(accuracies)
