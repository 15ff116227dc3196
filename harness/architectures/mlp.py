"""The fully connected reference architecture."""

from __future__ import annotations

from dataclasses import dataclass

ACTIVATIONS = ("relu", "tanh", "softplus")


@dataclass(frozen=True)
class MLP:
    """A fully connected network, e.g. ``MLP((784, 256, 256, 10))``."""

    sizes: tuple[int, ...]
    activation: str = "relu"

    def __str__(self) -> str:
        return f"MLP {'-'.join(map(str, self.sizes))} ({self.activation})"

    def build(self, seed: int):
        """An ``nn.Sequential`` of Linear and activation layers, initialised from ``seed``.

        Initialisation is PyTorch's default for ``nn.Linear`` (uniform in
        ±1/sqrt(fan_in)), drawn from a generator seeded here so it does not depend
        on the global RNG.
        """
        import torch
        from torch import nn

        generator = torch.Generator().manual_seed(seed)
        layers: list[nn.Module] = []
        for index, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            linear = nn.Linear(fan_in, fan_out)
            bound = fan_in**-0.5
            with torch.no_grad():
                for parameter in (linear.weight, linear.bias):
                    draw = torch.empty(parameter.shape, device="cpu").uniform_(-bound, bound, generator=generator)
                    parameter.copy_(draw)
            layers.append(linear)
            if index < len(self.sizes) - 2:
                layers.append(activation_module(self.activation))
        return nn.Sequential(*layers)


def activation_module(name: str):
    from torch import nn

    modules = {"relu": nn.ReLU, "tanh": nn.Tanh, "softplus": nn.Softplus}
    return modules[name]()
