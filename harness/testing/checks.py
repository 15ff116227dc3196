"""The conformance kit's checks: that an algorithm honours the Learner contract (see ``harness.testing``)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

from harness.contract import Algorithm, Task
from harness.registry import Registry
from harness.testing.conformance_tasks import (
    CONFORMANCE_TASK,
    RETRIEVAL_CONFORMANCE_TASK,
    REVERSIBLE_CONFORMANCE_TASK,
    VIDEO_CONFORMANCE_TASK,
)

STEPS = 4
BATCH = 16


def _batches(task: Task):
    import torch

    data = task.load()
    x, y = torch.as_tensor(data.x_train), torch.as_tensor(data.y_train)
    # A stream's training split is one stream; its held-out sequences are what predict takes.
    probe = torch.as_tensor(data.x_val[:32]) if task.kind == "stream" else x[:32]
    return [(x[i * BATCH : (i + 1) * BATCH], y[i * BATCH : (i + 1) * BATCH]) for i in range(STEPS)], probe


def _prediction_shape(task: Task, n: int) -> tuple:
    if task.objective == "classification":
        return (n, task.n_classes)
    return (n, *task.load().y_val.shape[1:])


def _build(algorithm: Algorithm, task: Task, seed: int = 0):
    import torch

    torch.manual_seed(seed)
    return algorithm.build(task, algorithm.config_for(task.name), seed)


def _train(learner, batches) -> None:
    for x, y in batches:  # copies, so that a learner that mutates its batch fails only the check for that
        learner.train_step(x.clone(), y.clone())


def _outputs(algorithm: Algorithm, learner, x):
    return learner.predict(x) if algorithm.supervised else learner.features(x)


def _state_bytes(state) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def check_metadata(algorithm: Algorithm, task: Task) -> None:
    from harness.registry import algorithm_problem

    problem = algorithm_problem(algorithm)
    assert problem is None, problem
    assert algorithm.description, "algorithm has no description"
    assert isinstance(dict(algorithm.defaults), dict), "defaults is not a mapping"
    import json

    json.dumps(dict(algorithm.defaults))  # configs are stored as JSON


def check_search_space(algorithm: Algorithm, task: Task) -> None:
    """Every default is either searched by ``creditbench tune`` or declared fixed, with a reason."""
    from harness.tuning.space import coverage_problems

    problems = coverage_problems(algorithm)
    assert not problems, "; ".join(problems)


def check_finite_outputs(algorithm: Algorithm, task: Task) -> None:
    import torch

    learner = _build(algorithm, task)
    batches, probe = _batches(task)
    _train(learner, batches)
    out = _outputs(algorithm, learner, probe)
    if algorithm.supervised:
        expected = _prediction_shape(task, len(probe))
        assert tuple(out.shape) == expected, f"predict returned shape {tuple(out.shape)}, expected {expected}"
    assert torch.isfinite(out).all(), "outputs are not finite after a few steps"


def check_deterministic(algorithm: Algorithm, task: Task) -> None:
    import torch

    batches, probe = _batches(task)
    outputs = []
    for _ in range(2):
        learner = _build(algorithm, task, seed=3)
        _train(learner, batches)
        outputs.append(_outputs(algorithm, learner, probe))
    assert torch.equal(outputs[0], outputs[1]), "two learners built with the same seed and fed the same batches differ"


def check_state_round_trip(algorithm: Algorithm, task: Task) -> None:
    """Save after some steps, load into a fresh learner, continue both: identical, and data only."""
    import torch

    batches, probe = _batches(task)
    original = _build(algorithm, task)
    _train(original, batches[:2])
    saved = torch.load(io.BytesIO(_state_bytes(original.state_dict())), weights_only=True)
    restored = _build(algorithm, task, seed=1)
    restored.load_state_dict(saved)
    _train(original, batches[2:])
    _train(restored, batches[2:])
    assert torch.equal(_outputs(algorithm, original, probe), _outputs(algorithm, restored, probe)), (
        "a learner restored from state_dict() diverges from the original"
    )


def check_batch_not_mutated(algorithm: Algorithm, task: Task) -> None:
    import torch

    learner = _build(algorithm, task)
    batches, probe = _batches(task)
    for x, y in batches:
        x_before, y_before = x.clone(), y.clone()
        learner.train_step(x, y)
        assert torch.equal(x, x_before) and torch.equal(y, y_before), "train_step modified its batch"
    probe_before = probe.clone()
    _outputs(algorithm, learner, probe)
    assert torch.equal(probe, probe_before), "predict modified its input"


def check_respects_budget(algorithm: Algorithm, task: Task) -> None:
    """The training loop stops at the budget, and the learner does not hoard examples to replay them."""
    from harness.training.loop import train
    from harness.training.spec import RunSpec

    registry = Registry(algorithms={algorithm.name: algorithm}, tasks={task.name: task})
    run = train(RunSpec(task.name, algorithm.name, seed=0, budget=task.quick_budget), registry)
    assert run.presentations == task.quick_budget.presentations, f"ran {run.presentations} presentations"
    learner = _build(algorithm, task)
    batches, _ = _batches(task)
    learner.train_step(*batches[0])
    size_after_one = len(_state_bytes(learner.state_dict()))
    _train(learner, batches[1:])
    size_after_all = len(_state_bytes(learner.state_dict()))
    assert size_after_all <= size_after_one * 1.05 + 1024, (
        f"state grows with the examples seen ({size_after_one} → {size_after_all} bytes): replaying data evades the budget"
    )


def check_surrogate(algorithm: Algorithm, task: Task) -> None:
    """If there is a surrogate: differentiable, right shape, and its parameters are the learner's weights."""
    import torch

    from harness.metrics.instruments import state_tensors, storage_key

    learner = _build(algorithm, task)
    surrogate = learner.surrogate()
    if surrogate is None:
        return
    _, probe = _batches(task)
    out = surrogate(probe)
    expected = _prediction_shape(task, len(probe))
    assert tuple(out.shape) == expected, f"surrogate returned shape {tuple(out.shape)}, expected {expected}"
    parameters = [p for p in surrogate.parameters() if p.requires_grad]
    assert parameters, "surrogate has no trainable parameters"
    gradients = torch.autograd.grad(out.sum(), parameters, allow_unused=True)
    assert any(g is not None for g in gradients), "surrogate output does not depend on its parameters"
    state = {storage_key(t) for t in state_tensors(learner.state_dict())}
    assert all(storage_key(p) in state for p in parameters), (
        "surrogate parameters are copies, not the learner's weights"
    )


def check_update_direction(algorithm: Algorithm, task: Task) -> None:
    """If the rule gives an update direction: finite tensors, each named and shaped like a surrogate parameter."""
    import torch

    learner = _build(algorithm, task)
    if not hasattr(learner, "update_direction"):
        return  # optional for learners that do not subclass Learner
    batches, _ = _batches(task)
    direction = learner.update_direction(*batches[0])
    if direction is None:
        return
    surrogate = learner.surrogate()
    assert surrogate is not None, "update_direction without a surrogate to compare it with"
    shapes = {name: tuple(p.shape) for name, p in surrogate.named_parameters()}
    for name, tensor in direction.items():
        assert name in shapes, f"update_direction names {name!r}, which is not a surrogate parameter"
        assert tuple(tensor.shape) == shapes[name], (
            f"update_direction for {name!r} has shape {tuple(tensor.shape)}, the parameter {shapes[name]}"
        )
        assert torch.isfinite(tensor).all(), f"update_direction for {name!r} is not finite"


def check_cost_counters(algorithm: Algorithm, task: Task) -> None:
    """Cost counters are named finite numbers that never decrease and survive a state round trip."""
    import math

    learner = _build(algorithm, task)
    if not hasattr(learner, "cost_counters"):
        return  # optional for learners that do not subclass Learner
    batches, _ = _batches(task)
    previous = dict(learner.cost_counters())
    for x, y in batches:
        learner.train_step(x, y)
        counters = dict(learner.cost_counters())
        assert set(counters) == set(previous) or not previous, (
            f"cost counter names changed: {sorted(previous)} → {sorted(counters)}"
        )
        for name, count in counters.items():
            assert isinstance(name, str) and isinstance(count, (int, float)) and math.isfinite(count), (
                f"bad cost counter {name!r}: {count!r}"
            )
            assert count >= previous.get(name, 0), f"cost counter {name!r} decreased"
        previous = counters
    restored = _build(algorithm, task, seed=1)
    restored.load_state_dict(learner.state_dict())
    assert dict(restored.cost_counters()) == previous, "cost counters are not restored by load_state_dict"


def check_cost_counted_per_example(algorithm: Algorithm, task: Task) -> None:
    """Cost counters count per example: one step on the same examples twice over adds twice as much to each.

    The leaderboard divides them by presentations, so a unit counted once per batch would shrink with the
    batch size (an ES population of 50 would read "0.5 evaluations per presentation" at batch size 100).  The
    doubled batch repeats the half one, so a count that depends on the examples (SLIDE's active neurons) doubles too.
    """
    import torch

    learner = _build(algorithm, task)
    if not hasattr(learner, "cost_counters"):
        return
    batches, _ = _batches(task)
    x, y = batches[0]
    half_x, half_y = x[: len(x) // 2], y[: len(x) // 2]
    counts = {}
    for n, repeats in ((len(half_x), 1), (2 * len(half_x), 2)):
        learner = _build(algorithm, task)
        learner.train_step(torch.cat([half_x] * repeats), torch.cat([half_y] * repeats))
        counts[n] = dict(learner.cost_counters())
    half, whole = counts[len(half_x)], counts[2 * len(half_x)]
    for name, count in whole.items():
        assert count == 2 * half.get(name, 0), (
            f"cost counter {name!r} adds {half.get(name, 0)} for {len(x) // 2} examples but {count} for {len(x)}: "
            "count it per example (e.g. population members × examples)"
        )


CHECKS: tuple[Callable[[Algorithm, Task], None], ...] = (
    check_metadata,
    check_search_space,
    check_finite_outputs,
    check_deterministic,
    check_state_round_trip,
    check_batch_not_mutated,
    check_respects_budget,
    check_surrogate,
    check_update_direction,
    check_cost_counters,
    check_cost_counted_per_example,
)


def _resolve(algorithm: Algorithm | str) -> Algorithm:
    if isinstance(algorithm, Algorithm):
        return algorithm
    from harness.registry import registry

    return registry().algorithm(algorithm)


def conformance_task(algorithm: Algorithm) -> Task:
    """The first built-in conformance task that the algorithm does not decline; else the first registered task it
    runs, by name (a rule for one task only: maml and anil on digits-few-shot); else the classification one."""
    for task in (CONFORMANCE_TASK, REVERSIBLE_CONFORMANCE_TASK, RETRIEVAL_CONFORMANCE_TASK, VIDEO_CONFORMANCE_TASK):
        if algorithm.declined(task, algorithm.config_for(task.name)) is None:
            return task
    from harness.registry import registry

    for name, task in sorted(registry().tasks.items()):
        if task.check_files is None and algorithm.declined(task, algorithm.config_for(name)) is None:
            return task
    return CONFORMANCE_TASK


def run_checks(algorithm: Algorithm | str, task: Task | None = None) -> Iterator[tuple[str, str | None]]:
    """(check name, None or the problem) for every check, on ``task`` or the algorithm's ``conformance_task``."""
    algorithm = _resolve(algorithm)
    task = task or conformance_task(algorithm)
    for check in CHECKS:
        try:
            check(algorithm, task)
        except Exception as error:  # report every failing check, not only the first
            yield (
                check.__name__,
                f"{type(error).__name__}: {error}" if not isinstance(error, AssertionError) else str(error),
            )
        else:
            yield check.__name__, None


def check_algorithm(algorithm: Algorithm | str, task: Task | None = None) -> None:
    """Raise AssertionError naming every check the algorithm fails."""
    problems = [f"{name}: {problem}" for name, problem in run_checks(algorithm, task) if problem]
    assert not problems, "; ".join(problems)


def parametrize_with_checks(algorithms: list[Algorithm | str], task: Task | None = None):
    """A pytest parametrize decorator over (algorithm, check) with readable ids; ``task`` as in ``run_checks``."""
    import functools

    import pytest

    params = []
    for algorithm in algorithms:
        resolved = _resolve(algorithm)
        for check in CHECKS:
            params.append(
                pytest.param(
                    resolved,
                    functools.partial(check, task=task or conformance_task(resolved)),
                    id=f"{resolved.name}-{check.__name__}",
                )
            )
    return pytest.mark.parametrize("algorithm, check", params)
