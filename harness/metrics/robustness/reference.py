"""The transfer attack's source: the task's reference architecture trained by backprop, once per suite."""

from __future__ import annotations

import functools

from harness import shared_cache

REFERENCE_SEED = 0
REFERENCE_EPOCHS = 2


def backprop_model(task, device, architecture=None):
    """``architecture`` (default: the task's reference) trained by backprop: Adam, a few epochs, fixed seed.

    The transfer attack's source; trained by the first run of a suite that needs it (``harness.shared_cache``).
    """
    import torch

    architecture = architecture or task.architecture

    def write(model, path: str) -> bool:
        with open(path, "wb") as handle:
            torch.save(model.state_dict(), handle)
        return True

    def read(path: str):
        model = architecture.build(REFERENCE_SEED).to(device)
        model.load_state_dict(torch.load(path, map_location=device, weights_only=True))
        return model.requires_grad_(False)

    key = f"reference:{shared_cache.loader_name(task)}:{device}:{architecture}"
    train = functools.partial(_train, task, device, architecture)
    return shared_cache.shared(key, train, write, read, owner=task.load)


def _train(task, device, architecture):
    import torch
    import torch.nn.functional as F

    splits = shared_cache.splits(task)
    x, y = torch.as_tensor(splits.x_train, device=device), torch.as_tensor(splits.y_train, device=device)
    model = architecture.build(REFERENCE_SEED).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator(device="cpu").manual_seed(REFERENCE_SEED)
    for _ in range(REFERENCE_EPOCHS):
        for batch in torch.randperm(len(y), generator=generator).to(device).split(32):
            optimizer.zero_grad()
            F.cross_entropy(model(x[batch]), y[batch]).backward()
            optimizer.step()
    return model.requires_grad_(False)
