"""Update rules that send the error down the reference network through weights other than ``W_l``.

The forward pass is run layer by layer with each layer's input detached, so
autograd only ever differentiates within one layer (its weights, its
activation and whatever parameter-free modules follow it: pooling,
flattening).  The error signal between layers is supplied by the rule:

* FA (Lillicrap et al. 2016): ``delta_{l-1} = f'(a_{l-1}) * (delta_l @ B_l)``,
  with ``B_l`` fixed, random, shaped like ``W_l`` (backprop would use ``W_l``).
* DFA (Nøkland 2016): ``delta_{l-1} = f'(a_{l-1}) * (e @ B_{l-1})``, where ``e``
  is the output error and ``B_{l-1}`` maps it straight to hidden layer l-1.
* Sign symmetry (Liao, Leibo & Poggio 2016, "uniform sign-concordant
  feedback"): the FA recursion with ``B_l = sign(W_l) / sqrt(n_l)``, read from
  the current forward weights at every step (``n_l``: the layer's outputs).

On a convolutional layer (``harness.CNN``), as in BioTorch (Sanfiz & Akrout
2021), ``B_l`` is a kernel shaped like the forward kernel and the error
crosses the layer as the gradient of a convolution with ``B_l`` in place of
``W_l`` (a transposed convolution, ``torch.nn.grad.convNd_input``): FA's
kernel is fixed and random, sign symmetry's is ``sign(W_l)``.  DFA's matrix
maps the output error to the whole output of the hidden layer (channels ×
positions, after its pooling).

Every feedback matrix or kernel is scaled by one over the square root of the
number of error terms each of its entries reads per input (its rows for a
matrix; output channels × kernel size for a kernel: ``W.numel() / W.shape[1]``),
so that the backward pass keeps the error's variance whatever the layer widths.
The output layer always receives its true local gradient.
"""

import math

import torch
from torch import nn

from harness import GradientLearner, apply_modules, layer_blocks, leading_modules

FEEDBACK_SEED_OFFSET = 1_000_003  # feedback matrices must not be correlated with the initial weights
INPUT_GRADIENTS = {nn.Conv1d: torch.nn.grad.conv1d_input, nn.Conv2d: torch.nn.grad.conv2d_input}


def feedback_scale(shape) -> float:
    """One over the square root of the error terms a feedback entry reads: rows, or output channels × kernel."""
    return (math.prod(shape) // shape[1]) ** -0.5


def error_through(layer: nn.Module, feedback: torch.Tensor, delta: torch.Tensor, input_shape) -> torch.Tensor:
    """The error at ``layer``'s input when ``delta`` (at its output) crosses it through ``feedback``, not its weights."""
    if isinstance(layer, nn.Linear):
        return delta @ feedback
    return INPUT_GRADIENTS[type(layer)](
        input_shape, feedback, delta, layer.stride, layer.padding, layer.dilation, layer.groups
    )


class Feedback:
    """Writes an update direction into the model's ``.grad``, with the error sent down through ``matrices``.

    Subclasses supply ``matrices(layers)``: one matrix (or kernel) per layer above the
    first, shaped like its weights, or with ``direct`` one ``(n_out, size of layer l's output)``
    matrix per hidden layer.
    """

    direct = False

    def matrices(self, layers: list[nn.Module]) -> list[torch.Tensor]:
        raise NotImplementedError

    def __call__(self, model, x, y, loss) -> None:
        blocks = layer_blocks(model)
        feedback = self.matrices([layer for layer, _ in blocks])
        records = []
        signal = apply_modules(leading_modules(model), x)
        for layer, following in blocks:
            preactivation = layer(signal.detach())
            local = preactivation.detach().requires_grad_()
            output = apply_modules(following, local)
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
            _, local, output = records[index - 1]
            if self.direct:
                error_at_layer = (output_error @ feedback[index - 1]).view(output.shape)
            else:
                error_at_layer = error_through(blocks[index][0], feedback[index - 1], delta, output.shape)
            output.backward(error_at_layer)
            delta = local.grad


def _example_input(model: nn.Sequential, device) -> torch.Tensor:
    """One zero input of the network's flat input size (a CNN's ``Unflatten`` says it; an MLP's first layer)."""
    first = model[0]
    size = math.prod(first.unflattened_size) if isinstance(first, nn.Unflatten) else first.in_features
    return torch.zeros(1, size, device=device)


def _hidden_output_sizes(model: nn.Sequential, device) -> list[int]:
    """The number of features each hidden layer hands to the next (after its activation, pooling, flattening)."""
    sizes = []
    with torch.no_grad():
        signal = apply_modules(leading_modules(model), _example_input(model, device))
        for layer, following in layer_blocks(model)[:-1]:
            signal = apply_modules(following, layer(signal))
            sizes.append(signal[0].numel())
    return sizes


class RandomFeedback(Feedback):
    """FA or DFA: fixed random feedback matrices, uniform in ``±1 / sqrt(rows)``, drawn once from the seed."""

    def __init__(self, model: nn.Sequential, seed: int, direct: bool):
        self.direct = direct
        generator = torch.Generator(device="cpu").manual_seed(FEEDBACK_SEED_OFFSET + seed)
        blocks = layer_blocks(model)
        device = blocks[0][0].weight.device
        if direct:  # one matrix per hidden layer, from the output error to that layer's whole output
            n_out = blocks[-1][0].out_features
            shapes = [(n_out, size) for size in _hidden_output_sizes(model, device)]
        else:  # one matrix or kernel per layer above the first, shaped like its weights
            shapes = [tuple(layer.weight.shape) for layer, _ in blocks[1:]]
        self.feedback = [
            torch.empty(shape, device="cpu").uniform_(-1, 1, generator=generator).mul_(feedback_scale(shape)).to(device)
            for shape in shapes
        ]

    def matrices(self, layers):
        return self.feedback

    def state_dict(self) -> dict:
        return {"feedback": self.feedback}

    def load_state_dict(self, state: dict) -> None:
        self.feedback = [matrix.clone() for matrix in state["feedback"]]


class SignFeedback(Feedback):
    """Sign symmetry: ``B_l = sign(W_l) / sqrt(n_l)``, the signs of the current forward weights (or kernels)."""

    def matrices(self, layers):
        return [torch.sign(layer.weight.detach()).mul_(feedback_scale(layer.weight.shape)) for layer in layers[1:]]


def build_feedback_learner(task, config, seed, feedback: str):
    """SGD on the direction of ``feedback``: "random" (FA), "direct" (DFA) or "sign" (sign symmetry)."""
    model = task.architecture.build(seed)
    direction = SignFeedback() if feedback == "sign" else RandomFeedback(model, seed, direct=feedback == "direct")
    return GradientLearner(model, torch.optim.SGD(model.parameters(), lr=config["lr"]), direction=direction)
