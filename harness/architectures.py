"""Reference architectures that every algorithm must use unless it declares it cannot."""

from __future__ import annotations

from dataclasses import dataclass

ACTIVATIONS = ("relu", "tanh", "softplus")
CELLS = ("tanh", "irnn", "lstm")
READOUTS = ("last", "every")


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


@dataclass(frozen=True)
class RNN:
    """A recurrent layer and a linear readout, e.g. ``RNN(2, 32, 1, cell="irnn")``.

    ``cell``: ``"tanh"`` (Elman), ``"irnn"`` (ReLU with an identity-initialised recurrent matrix, Le,
    Jaitly & Hinton 2015) or ``"lstm"`` (Hochreiter & Schmidhuber 1997).  ``readout``: ``"last"``
    predicts ``(n, output_size)`` from the last step of each sequence, ``"every"`` ``(n, T, output_size)``
    from every step.  ``build(seed)`` returns a ``harness.recurrent.RecurrentNetwork``, whose one-step
    functions (``cell``, ``readout``, ``initial_state``) forward-mode rules differentiate with ``torch.func``.
    """

    input_size: int
    hidden_size: int
    output_size: int
    cell: str = "tanh"
    readout: str = "last"

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"unknown recurrent cell {self.cell!r} (known: {', '.join(CELLS)})")
        if self.readout not in READOUTS:
            raise ValueError(f"unknown readout {self.readout!r} (known: {', '.join(READOUTS)})")

    def __str__(self) -> str:
        return f"RNN {self.cell} {self.input_size}-{self.hidden_size}-{self.output_size} (readout {self.readout})"

    def build(self, seed: int):
        from harness.recurrent import CellNetwork

        return CellNetwork(self, seed)


def activation_module(name: str):
    from torch import nn

    modules = {"relu": nn.ReLU, "tanh": nn.Tanh, "softplus": nn.Softplus}
    return modules[name]()
