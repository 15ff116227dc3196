"""Update rules that send the error down the reference network through weights other than ``W_l``.

Every weighted layer reads its input detached, so autograd never carries the
error across a weighted layer; the rule does (``Feedback``), and every other
module (activation, pooling, flattening, batch norm, a residual block's skip
connection) passes it on as backprop would.  The error signal across the
layers is supplied by the rule:

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
maps the output error to the whole input of the layer above (channels ×
positions: in a chain, the hidden layer's output after its pooling), as
BioTorch's does.  In a residual network (``harness.ResNet``)
every convolution in the blocks has its own feedback, as in BioTorch, and the
skip connections carry the error as backprop would.

Every feedback matrix or kernel is scaled by one over the square root of the
number of error terms each of its entries reads per input (its rows for a
matrix; output channels × kernel size for a kernel: ``W.numel() / W.shape[1]``),
so that the backward pass keeps the error's variance whatever the layer widths.
The output layer always receives its true local gradient.
"""

import math

import torch
from torch import nn

from harness import GradientLearner, weighted_layers

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


class _Crossing(torch.autograd.Function):
    """The identity on a weighted layer's output whose backward also sends the error at that output to the layer's
    input through the rule's feedback (the layer itself reads its input detached, so its own graph reaches only its
    weights)."""

    @staticmethod
    def forward(ctx, layer_input, output, crossing):
        ctx.crossing, ctx.input_shape = crossing, layer_input.shape
        return output.view_as(output)

    @staticmethod
    def backward(ctx, error):
        return ctx.crossing(error, ctx.input_shape), error, None


class Feedback:
    """Writes an update direction into the model's ``.grad``, with the error sent down through ``matrices``.

    Subclasses supply ``matrices(layers)``: one matrix (or kernel) per weighted layer above the first (in module
    order), shaped like its weights, or with ``direct`` one ``(n_out, size of that layer's input)`` matrix.

    The error crosses every weighted layer but the first through its feedback and every other module (activation,
    pooling, batch norm, a residual block's skip connection) as backprop would: for the pass, each weighted layer
    reads its input detached and hands its output on through ``_Crossing``, so one ``backward`` writes every
    layer's update and the error never meets a forward weight.
    """

    direct = False

    def matrices(self, layers: list[nn.Module]) -> list[torch.Tensor]:
        raise NotImplementedError

    def __call__(self, model, x, y, loss) -> None:
        layers = weighted_layers(model)
        feedback = self.matrices(layers)
        output_error = {}

        def crossing(index, layer):
            def send(error, input_shape):
                if self.direct:  # the first error to cross a layer is the output layer's: the output error
                    return (output_error.setdefault("e", error) @ feedback[index - 1]).view(input_shape)
                return error_through(layer, feedback[index - 1], error, input_shape)

            return send

        def detach_input(layer, inputs):
            layer_inputs[layer] = inputs[0]
            return (inputs[0].detach(),)

        def cross(index):
            return lambda layer, inputs, output: _Crossing.apply(
                layer_inputs.pop(layer), output, crossing(index, layer)
            )

        layer_inputs = {}
        hooks = []
        for index, layer in enumerate(layers[1:], start=1):
            hooks += [layer.register_forward_pre_hook(detach_input), layer.register_forward_hook(cross(index))]
        try:
            loss(model(x), y).backward()
        finally:
            for hook in hooks:
                hook.remove()


def _example_input(model: nn.Module, device) -> torch.Tensor:
    """One zero input of the network's flat input size (a CNN's ``Unflatten`` says it; an MLP's first layer)."""
    first = model[0]
    size = math.prod(first.unflattened_size) if isinstance(first, nn.Unflatten) else first.in_features
    return torch.zeros(1, size, device=device)


def _input_sizes(model: nn.Module, layers: list[nn.Module]) -> list[int]:
    """The number of features each of ``layers`` reads per example (in a chain: what the layer before hands on,
    after its activation, pooling, flattening), from one zero input in eval mode (no batch statistics move)."""
    sizes = {}
    hooks = [
        layer.register_forward_pre_hook(lambda layer, inputs: sizes.update({layer: inputs[0][0].numel()}))
        for layer in layers
    ]
    training = model.training
    try:
        with torch.no_grad():
            model.eval()
            model(_example_input(model, layers[0].weight.device))
    finally:
        model.train(training)
        for hook in hooks:
            hook.remove()
    return [sizes[layer] for layer in layers]


class RandomFeedback(Feedback):
    """FA or DFA: fixed random feedback matrices, uniform in ``±1 / sqrt(rows)``, drawn once from the seed."""

    def __init__(self, model: nn.Sequential, seed: int, direct: bool):
        self.direct = direct
        generator = torch.Generator(device="cpu").manual_seed(FEEDBACK_SEED_OFFSET + seed)
        layers = weighted_layers(model)
        device = layers[0].weight.device
        if direct:  # one matrix per layer above the first, from the output error to that layer's whole input
            shapes = [(layers[-1].out_features, size) for size in _input_sizes(model, layers[1:])]
        else:  # one matrix or kernel per layer above the first, shaped like its weights
            shapes = [tuple(layer.weight.shape) for layer in layers[1:]]
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
