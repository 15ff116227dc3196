"""The recurrent reference architecture: a recurrent layer and a linear readout."""

from __future__ import annotations

from dataclasses import dataclass

CELLS = ("tanh", "irnn", "lstm")
READOUTS = ("last", "every")


@dataclass(frozen=True)
class RNN:
    """A recurrent layer and a linear readout, e.g. ``RNN(2, 32, 1, cell="irnn")``.

    ``cell``: ``"tanh"`` (Elman), ``"irnn"`` (ReLU with an identity-initialised recurrent matrix, Le,
    Jaitly & Hinton 2015) or ``"lstm"`` (Hochreiter & Schmidhuber 1997).  ``readout``: ``"last"``
    predicts ``(n, output_size)`` from the last step of each sequence, ``"every"`` ``(n, T, output_size)``
    from every step.  ``build(seed)`` returns a ``harness.RecurrentNetwork``, whose one-step
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
        from harness.architectures.recurrent_networks import CellNetwork

        return CellNetwork(self, seed)
