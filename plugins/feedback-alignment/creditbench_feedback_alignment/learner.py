"""Update rules that send the error down the reference MLP through matrices other than ``W_l``.

The forward pass is run layer by layer with each layer's input detached, so
autograd only ever differentiates within one layer (its weights and its
activation).  The error signal between layers is supplied by the rule:

* FA (Lillicrap et al. 2016): ``delta_{l-1} = f'(a_{l-1}) * (delta_l @ B_l)``,
  with ``B_l`` fixed, random, shaped like ``W_l`` (backprop would use ``W_l``).
* DFA (Nøkland 2016): ``delta_{l-1} = f'(a_{l-1}) * (e @ B_{l-1})``, where ``e``
  is the output error and ``B_{l-1}`` maps it straight to hidden layer l-1.
* Sign symmetry (Liao, Leibo & Poggio 2016, "uniform sign-concordant
  feedback"): the FA recursion with ``B_l = sign(W_l) / sqrt(n_l)``, read from
  the current forward weights at every step (``n_l``: the layer's outputs).

Every feedback matrix is scaled by one over the square root of its number of
rows (the size of the error it reads), so that the backward pass keeps the
error's variance whatever the layer widths.  The output layer always receives
its true local gradient.
"""

import torch
from torch import nn

from harness import GradientLearner

FEEDBACK_SEED_OFFSET = 1_000_003  # feedback matrices must not be correlated with the initial weights


def layer_blocks(model: nn.Sequential):
    """(linear, activation or None) per layer of an MLP built by ``harness.architectures.MLP``."""
    modules = list(model)
    blocks = []
    for index, module in enumerate(modules):
        if isinstance(module, nn.Linear):
            following = modules[index + 1] if index + 1 < len(modules) else None
            blocks.append((module, None if isinstance(following, nn.Linear) else following))
    return blocks


class Feedback:
    """Writes an update direction into the model's ``.grad``, with the error sent down through ``matrices``.

    Subclasses supply ``matrices(linears)``: one matrix per layer above the
    first, shaped like its weights, or with ``direct`` one ``(n_out, n_l)``
    matrix per hidden layer.
    """

    direct = False

    def matrices(self, linears: list[nn.Linear]) -> list[torch.Tensor]:
        raise NotImplementedError

    def __call__(self, model, x, y, loss) -> None:
        blocks = layer_blocks(model)
        feedback = self.matrices([linear for linear, _ in blocks])
        records = []
        signal = x
        for linear, activation in blocks:
            preactivation = linear(signal.detach())
            local = preactivation.detach().requires_grad_()
            output = activation(local) if activation is not None else local
            records.append((preactivation, local, output))
            signal = output
        # .backward() into detached leaves rather than autograd.grad(): the latter
        # cannot run under FlopCounterMode's module tracking.
        loss(signal, y).backward()
        output_error = delta = records[-1][1].grad
        for index in range(len(records) - 1, -1, -1):
            preactivation, _, _ = records[index]
            preactivation.backward(delta)
            if index == 0:
                break
            error_at_layer = (output_error if self.direct else delta) @ feedback[index - 1]
            _, local, output = records[index - 1]
            output.backward(error_at_layer)
            delta = local.grad


class RandomFeedback(Feedback):
    """FA or DFA: fixed random feedback matrices, uniform in ``±1 / sqrt(rows)``, drawn once from the seed."""

    def __init__(self, model: nn.Sequential, seed: int, direct: bool):
        self.direct = direct
        generator = torch.Generator().manual_seed(FEEDBACK_SEED_OFFSET + seed)
        linears = [linear for linear, _ in layer_blocks(model)]
        n_out = linears[-1].out_features
        if direct:  # one matrix per hidden layer, from the output error to that layer
            shapes = [(n_out, linear.out_features) for linear in linears[:-1]]
        else:  # one matrix per layer above the first, shaped like its weights
            shapes = [tuple(linear.weight.shape) for linear in linears[1:]]
        self.feedback = [
            torch.empty(shape, device="cpu")
            .uniform_(-1, 1, generator=generator)
            .mul_(shape[0] ** -0.5)
            .to(linears[0].weight.device)
            for shape in shapes
        ]

    def matrices(self, linears):
        return self.feedback

    def state_dict(self) -> dict:
        return {"feedback": self.feedback}

    def load_state_dict(self, state: dict) -> None:
        self.feedback = [matrix.clone() for matrix in state["feedback"]]


class SignFeedback(Feedback):
    """Sign symmetry: ``B_l = sign(W_l) / sqrt(n_l)``, the signs of the current forward weights."""

    def matrices(self, linears):
        return [torch.sign(linear.weight.detach()).mul_(linear.out_features**-0.5) for linear in linears[1:]]


def build_feedback_learner(task, config, seed, feedback: str):
    """SGD on the direction of ``feedback``: "random" (FA), "direct" (DFA) or "sign" (sign symmetry)."""
    model = task.architecture.build(seed)
    direction = SignFeedback() if feedback == "sign" else RandomFeedback(model, seed, direct=feedback == "direct")
    return GradientLearner(model, torch.optim.SGD(model.parameters(), lr=config["lr"]), direction=direction)
