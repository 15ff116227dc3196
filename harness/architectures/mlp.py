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

    @property
    def input_size(self) -> int:
        return self.sizes[0]

    @property
    def output_size(self) -> int:
        return self.sizes[-1]

    def build(self, seed: int):
        """An ``nn.Sequential`` of Linear and activation layers, initialised from ``seed``.

        Initialisation is PyTorch's default for ``nn.Linear`` (uniform in
        ±1/sqrt(fan_in)), drawn from a generator seeded here so it does not depend
        on the global RNG.
        """
        import torch
        from torch import nn

        generator = torch.Generator(device="cpu").manual_seed(seed)
        layers: list[nn.Module] = []
        for index, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            linear = nn.Linear(fan_in, fan_out)
            seeded_default_init(linear, fan_in, generator)
            layers.append(linear)
            if index < len(self.sizes) - 2:
                layers.append(activation_module(self.activation))
        return nn.Sequential(*layers)


def seeded_default_init(layer, fan_in: int, generator) -> None:
    """PyTorch's default initialisation of a Linear or convolutional layer, uniform in ±1/sqrt(fan_in), weight then
    bias, drawn on the CPU from ``generator`` (so it depends neither on the global RNG nor on the device)."""
    import torch

    bound = fan_in**-0.5
    with torch.no_grad():
        for parameter in (layer.weight, layer.bias):
            parameter.copy_(torch.empty(parameter.shape, device="cpu").uniform_(-bound, bound, generator=generator))


def activation_module(name: str):
    from torch import nn

    modules = {"relu": nn.ReLU, "tanh": nn.Tanh, "softplus": nn.Softplus}
    return modules[name]()
