"""Sparse training by locality-sensitive hashing (Spring & Shrivastava 2017, "Scalable and sustainable deep
learning via randomized hashing", KDD).

Each hidden layer keeps ``tables`` hash tables of its neurons, keyed by SimHash (signed random projections,
``bits`` per table) of each neuron's incoming weights.  For every example, the layer's input is hashed with
the same projections and the active neurons are those that share a bucket with it in at least one table:
SimHash collides with probability ``1 − θ / π`` for vectors at angle ``θ``, so these are likely the neurons
whose pre-activation is largest.  Only the active neurons are computed (the others output 0), only their
weights receive a gradient, and SGD moves only those.  The readout is dense, over the last layer's active
neurons.  The tables are rebuilt from the current weights every ``rebuild_every`` updates.

The learner counts the multiply-adds it performs (``multiply_adds``): hashing each example's input and every
rebuild's hashing of the neurons, the forward products of the active neurons with the active inputs, and the
backward pass's two products per layer (one for the
first layer, whose input needs no gradient).  ``dense_multiply_adds`` is the same count for backprop on the
dense network, for the ratio.
"""

import torch
from torch import nn

from harness import MLP, Learner

HASH_SEED_OFFSET = 7_000_003  # the projections must not be correlated with the initial weights


def dense_multiply_adds(sizes) -> int:
    """Backprop's multiply-adds per example on an MLP of these widths: a forward product per layer, and two
    backward ones (inputs' and weights' gradients) but for the first layer's, whose input needs no gradient."""
    products = [fan_in * fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]
    return 3 * sum(products) - products[0]


class HashedLayer:
    """One hidden layer's SimHash tables: ``tables × bits`` random projections of its input space."""

    def __init__(self, linear: nn.Linear, bits: int, tables: int, generator: torch.Generator):
        self.linear = linear
        self.bits, self.tables = bits, tables
        projections = torch.randn(tables * bits, linear.in_features, generator=generator, device="cpu")
        self.projections = projections.to(linear.weight.device)
        self.powers = 2 ** torch.arange(bits, device=linear.weight.device)
        self.rebuild()

    def codes(self, vectors):
        """Each vector's bucket in each table, ``(n, tables)``."""
        signs = (vectors @ self.projections.T > 0).long().view(len(vectors), self.tables, self.bits)
        return (signs * self.powers).sum(-1)

    def rebuild(self) -> None:
        with torch.no_grad():
            self.neuron_codes = self.codes(self.linear.weight)  # (neurons, tables)

    def active(self, inputs):
        """``(n, neurons)``: which neurons share a bucket with each input in at least one table."""
        with torch.no_grad():
            return (self.codes(inputs)[:, None, :] == self.neuron_codes[None, :, :]).any(-1)


class Slide(Learner):
    def __init__(self, model: nn.Sequential, bits: int, tables: int, rebuild_every: int, lr: float, seed: int):
        self.model = model
        linears = [m for m in model if isinstance(m, nn.Linear)]
        self.hidden, self.readout = linears[:-1], linears[-1]
        generator = torch.Generator(device="cpu").manual_seed(HASH_SEED_OFFSET + seed)
        self.layers = [HashedLayer(linear, bits, tables, generator) for linear in self.hidden]
        self.activation = model[1]
        self.rebuild_every = rebuild_every
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        self.updates = 0
        self.counts = {"multiply_adds": 0, "active_neurons": 0}
        self.sizes = [linears[0].in_features] + [linear.out_features for linear in linears]

    def _forward(self, x, count: bool):
        """Logits from the active neurons only; the multiply-adds of this forward pass and of its backward."""
        values = x  # (n, m): the values of the active inputs
        indices = None  # their neurons' indices in the previous layer; None while the input is dense
        flops, active_total = 0, 0
        active_in = torch.full((len(x),), x.shape[1])  # each example's number of active inputs
        for layer in self.layers:
            if indices is None:
                dense_input = values.detach()
            else:  # padding positions carry 0, so adding them anywhere changes nothing
                zeros = torch.zeros(len(x), layer.linear.in_features, dtype=x.dtype)
                dense_input = zeros.scatter_add(1, indices.clamp(min=0), values.detach())
            active = layer.active(dense_input)
            width = max(int(active.sum(1).max()), 1)
            # each example's active neurons first, padded to the batch's largest active set with inactive ones
            out_index = torch.sort(active.to(torch.uint8), dim=1, descending=True, stable=True).indices[:, :width]
            mask = torch.gather(active, 1, out_index)
            weight = layer.linear.weight[out_index]  # (n, width, in)
            if indices is not None:
                weight = torch.gather(weight, 2, indices.clamp(min=0)[:, None, :].expand(-1, width, -1))
            pre = torch.einsum("nwi,ni->nw", weight, values) + layer.linear.bias[out_index]
            values = self.activation(pre) * mask
            active_out = mask.sum(1)
            # per example, as a sparse implementation does it: hash the active inputs, then the forward product
            # and the backward's two (one for the first layer, whose input needs no gradient)
            flops += int(
                (
                    layer.tables * layer.bits * active_in + (3 if indices is not None else 2) * active_out * active_in
                ).sum()
            )
            active_in = active_out
            indices = torch.where(mask, out_index, -1)
            active_total += int(active.sum())
        weight = self.readout.weight[:, indices.clamp(min=0)].permute(1, 0, 2)  # (n, classes, width)
        logits = torch.einsum("nci,ni->nc", weight, values) + self.readout.bias
        flops += int((3 * self.readout.out_features * active_in).sum())
        if count:
            self.counts["multiply_adds"] += flops
            self.counts["active_neurons"] += active_total
        return logits

    def train_step(self, x, y) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(self._forward(x, count=True), y).backward()
        self.optimizer.step()
        self.updates += 1
        if self.updates % self.rebuild_every == 0:
            for layer in self.layers:
                layer.rebuild()
                self.counts["multiply_adds"] += layer.tables * layer.bits * layer.linear.weight.numel()

    def predict(self, x):
        with torch.no_grad():
            return self._forward(x, count=False)

    def cost_counters(self) -> dict:
        return dict(self.counts)

    def state_dict(self) -> dict:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "updates": self.updates,
            "counts": dict(self.counts),
            "projections": [layer.projections for layer in self.layers],
            "neuron_codes": [layer.neuron_codes for layer in self.layers],
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.updates = state["updates"]
        self.counts = dict(state["counts"])
        for layer, projections, codes in zip(self.layers, state["projections"], state["neuron_codes"]):
            layer.projections, layer.neuron_codes = projections.clone(), codes.clone()


def build_slide(task, config, seed):
    architecture: MLP = task.architecture
    return Slide(
        architecture.build(seed),
        bits=int(config["bits"]),
        tables=int(config["tables"]),
        rebuild_every=int(config["rebuild_every"]),
        lr=float(config["lr"]),
        seed=seed,
    )
