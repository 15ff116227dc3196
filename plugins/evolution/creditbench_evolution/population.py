"""What population methods share: a network's parameters as one flat vector, and scoring many such vectors.

Every member is scored on the same batch, all at once, with ``torch.func.vmap``
over ``functional_call``: the network's modules are reused, only the weights
differ.
"""

import torch
from torch.func import functional_call, vmap


class FlatParameters:
    """The layout of a model's parameters in one flat vector (in ``named_parameters`` order)."""

    def __init__(self, model):
        self.model = model
        parameters = dict(model.named_parameters())
        self.names = list(parameters)
        self.shapes = [p.shape for p in parameters.values()]
        self.sizes = [p.numel() for p in parameters.values()]

    def read(self) -> torch.Tensor:
        """The model's current parameters, flattened (a copy)."""
        return torch.cat([p.detach().flatten() for p in self.model.parameters()])

    def write(self, flat: torch.Tensor) -> None:
        """Copy a flat vector into the model's parameters, in place."""
        with torch.no_grad():
            for parameter, chunk in zip(self.model.parameters(), flat.split(self.sizes)):
                parameter.copy_(chunk.view(parameter.shape))

    def tensors(self, flat: torch.Tensor) -> dict:
        """``{name: tensor}`` views of a flat vector, for ``functional_call``."""
        return {name: chunk.view(shape) for name, chunk, shape in zip(self.names, flat.split(self.sizes), self.shapes)}

    def losses(self, members: torch.Tensor, x, y, loss) -> torch.Tensor:
        """The loss of every member (a row of ``members``) on the batch ``(x, y)``."""

        def member_loss(flat):
            return loss(functional_call(self.model, self.tensors(flat), (x,)), y)

        with torch.no_grad():
            return vmap(member_loss)(members)
