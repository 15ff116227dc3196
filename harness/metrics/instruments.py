"""Instruments for the cost of a training step, used on sampled steps outside the timed path.

``count_flops``, ``activation_bytes`` and ``peak_bytes`` instrument a real training step (the step still
updates the learner; the instruments do not change its numbers).  ``state_bytes`` is the memory a learner
carries from step to step (its state: weights, optimiser moments, RTRL's influence matrix, a stream
learner's hidden state).
"""

from __future__ import annotations


def count_flops(learner, x, y) -> int:
    """FLOPs of one step, as counted by torch's FlopCounterMode (forward, backward, manual matmuls)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    counter.mod_tracker = _NoModuleTracking()
    with counter:
        learner.train_step(x, y)
    return int(counter.get_total_flops())


class _NoModuleTracking:
    """Stands in for FlopCounterMode's module tracker, which attributes FLOPs to modules (the total needs no
    attribution) by hooking every module input that requires a gradient: hooks that fail on a module run inside a
    custom autograd function's forward (re-entrant checkpointing) or on a leaf differentiated by
    ``torch.autograd.grad`` (a reversible network's backward pass)."""

    parents = frozenset({"Global"})

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return None


def storage_key(tensor):
    storage = tensor.untyped_storage()
    return (storage.device.type, storage.data_ptr())


def state_tensors(state):
    """Every tensor in a (nested) state dict."""
    import torch

    if isinstance(state, torch.Tensor):
        yield state
    elif isinstance(state, dict):
        for value in state.values():
            yield from state_tensors(value)
    elif isinstance(state, (list, tuple)):
        for value in state:
            yield from state_tensors(value)


def activation_bytes(learner, x, y) -> int:
    """The most bytes of saved-for-backward tensors alive at once during one step.

    De-duplicated by storage; the learner's own state (parameters, buffers,
    optimiser moments) and the input batch are excluded.  This counts what
    autograd keeps alive between forward and backward passes, so it is the same
    on CPU and CUDA and for any allocator.  Each saved tensor is followed until
    autograd lets go of it, so a step that runs several backward passes
    (truncated BPTT's windows, RTRL's and UORO's per-time-step derivatives)
    counts what it holds at once, not the total of its passes.
    """
    import weakref

    import torch

    # held until the step ends: a state tensor the step replaces would free its address for a saved tensor,
    # which would then be taken for state (how much is excluded would depend on the allocator's history)
    held = [x, y, *state_tensors(learner.state_dict())]
    excluded = {storage_key(t) for t in held}
    live: dict = {}  # storage -> [bytes, saved tensors still holding it]
    total = peak = 0

    def release(key):
        nonlocal total
        live[key][1] -= 1
        if live[key][1] == 0:
            total -= live.pop(key)[0]

    def pack(tensor):
        nonlocal total, peak
        key = storage_key(tensor)
        if key not in excluded:
            if key not in live:
                live[key] = [tensor.untyped_storage().nbytes(), 0]
                total += live[key][0]
                peak = max(peak, total)
            live[key][1] += 1
            weakref.finalize(tensor, release, key)
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        learner.train_step(x, y)
    return int(peak)


def state_bytes(learner) -> int:
    """Bytes of the tensors in the learner's state, de-duplicated by storage."""
    storages = {storage_key(t): t.untyped_storage().nbytes() for t in state_tensors(learner.state_dict())}
    return int(sum(storages.values()))


def peak_bytes(learner, x, y, device) -> int:
    """Peak memory allocated during one step, above what was allocated before it.

    On CUDA, ``torch.cuda.max_memory_allocated`` above ``memory_allocated`` before the step.  On CPU, the
    most bytes of blocks the CPU allocator handed out during the step that are alive at once: every
    allocation and free of the step in time order (``allocator_blocks``), op workspaces included; a block
    allocated before the step does not count, nor does its release.
    """
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        learner.train_step(x, y)
        torch.cuda.synchronize(device)
        return int(torch.cuda.max_memory_allocated(device) - before)

    live: dict = {}  # address -> bytes of the blocks allocated during the step and not yet freed
    total = peak = 0
    for address, change in allocator_blocks(lambda: learner.train_step(x, y)):
        if change > 0:
            live[address] = change
            total += change
            peak = max(peak, total)
        else:
            total -= live.pop(address, 0)
    return int(peak)


def allocator_blocks(step) -> list[tuple[int, int]]:
    """``(address, bytes)`` of every CPU allocation (bytes > 0) and free (bytes < 0) while ``step()`` runs, in order.

    Read from the profiler's memory events, with the profiler restricted to them: its op observer is
    registered for a record scope a Python step never enters (the TorchScript lite interpreter's), so ops
    are not recorded, while the allocator reports every block regardless of scope.  Building the
    profiler's per-op events instead cost 25–50× the step itself (uoro on adding-10).
    """
    from torch._C._profiler import (
        ProfilerActivity,
        ProfilerConfig,
        ProfilerState,
        RecordScope,
        _ExperimentalConfig,
        _ExtraFields_Allocation,
    )
    from torch.autograd.profiler import _disable_profiler, _enable_profiler, _prepare_profiler

    config = ProfilerConfig(
        ProfilerState.KINETO,
        False,  # record_shapes
        True,  # profile_memory
        False,  # with_stack
        False,  # with_flops
        False,  # with_modules
        _ExperimentalConfig(),
    )
    activities = {ProfilerActivity.CPU}
    _prepare_profiler(config, activities)
    _enable_profiler(config, activities, {RecordScope.LITE_INTERPRETER})
    try:
        step()
    finally:
        result = _disable_profiler()
    events = sorted(result.experimental_event_tree(), key=lambda event: event.start_time_ns)  # stable: ties in order
    return [
        (event.extra_fields.ptr, event.extra_fields.alloc_size)
        for event in events
        if isinstance(event.extra_fields, _ExtraFields_Allocation)
    ]
