"""The transfer attack's source: the task's reference architecture trained by backprop, cached per process."""

from __future__ import annotations

REFERENCE_SEED = 0
REFERENCE_EPOCHS = 2

_references: dict = {}


def backprop_model(task, device, architecture=None):
    """``architecture`` (default: the task's reference) trained by backprop: Adam, a few epochs, fixed seed.

    The transfer attack's source; cached per process.
    """
    import torch
    import torch.nn.functional as F

    architecture = architecture or task.architecture
    key = (task.name, str(device), architecture)
    if key not in _references:
        splits = task.load()
        x, y = torch.as_tensor(splits.x_train, device=device), torch.as_tensor(splits.y_train, device=device)
        model = architecture.build(REFERENCE_SEED).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        generator = torch.Generator().manual_seed(REFERENCE_SEED)
        for _ in range(REFERENCE_EPOCHS):
            for batch in torch.randperm(len(y), generator=generator).to(device).split(32):
                optimizer.zero_grad()
                F.cross_entropy(model(x[batch]), y[batch]).backward()
                optimizer.step()
        _references[key] = model.requires_grad_(False)
    return _references[key]
