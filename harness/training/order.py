"""The order in which training data reaches a learner: the same for every algorithm under a seed.

For a seed, the stream of training examples is one permutation of the training set per epoch, drawn from
a generator seeded with the run's seed, cut into batches of the algorithm's ``batch_size`` (batches may
straddle epochs).  A stream task's training split is one stream, handed over in order, ``batch_size`` time
steps at a time (it wraps around at its end).
"""

from __future__ import annotations

DEFAULT_BATCH_SIZE = 32


class ExampleStream:
    """Batches of training indices in the per-seed order shared by all algorithms."""

    def __init__(self, n_examples: int, seed: int):
        import torch

        self.n = n_examples
        self.generator = torch.Generator(device="cpu").manual_seed(seed)
        self.order = torch.randperm(self.n, generator=self.generator)
        self.position = 0

    def take(self, count: int):
        import torch

        parts = []
        while count > 0:
            if self.position == self.n:
                self.order = torch.randperm(self.n, generator=self.generator)
                self.position = 0
            chunk = self.order[self.position : self.position + count]
            self.position += len(chunk)
            count -= len(chunk)
            parts.append(chunk)
        return torch.cat(parts)


class StreamCursor:
    """Consecutive chunks of one training stream, in time order, wrapping around at its end."""

    def __init__(self, length: int):
        self.length = length
        self.position = 0

    def take(self, count: int):
        import torch

        indices = torch.arange(self.position, self.position + count) % self.length
        self.position = (self.position + count) % self.length
        return indices


def probe_indices(n_examples: int, seed: int, count: int):
    """A fixed batch of training examples for gradient-fidelity probes, the same for every algorithm."""
    import torch

    generator = torch.Generator(device="cpu").manual_seed(10_000 + seed)
    return torch.randperm(n_examples, generator=generator)[:count]
