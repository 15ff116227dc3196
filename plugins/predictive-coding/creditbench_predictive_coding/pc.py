"""Supervised predictive coding on the reference network (Whittington & Bogacz 2017).

Whittington & Bogacz (2017). An Approximation of the Error Backpropagation
Algorithm in a Predictive Coding Network with Local Hebbian Synaptic
Plasticity. Neural Computation 29(5), 1229–1262.

Value nodes ``v_0 … v_L`` stand for the outputs of the network's weighted layers
(pre-activations; ``v_0 = x``).  Each layer predicts the next through the
modules between them, ``μ_{l+1} = g_l(v_l)``: for an MLP ``g_l(v) = W_l f(v) + b_l``
(``g_0`` has no activation), for a CNN the activation, any pooling or
flattening and then the convolution or linear layer, as in PCX's convolutional
networks (Pinchetti et al. 2024).  Error nodes hold

    ε_l = (v_l − μ_l) / Σ_l,        E = Σ_l Σ_l ‖ε_l‖² / 2,

with variance ``Σ_l = 1`` for hidden layers and ``Σ_L`` for the output.  For a
batch: a feedforward sweep sets ``v_l = μ_l`` (the network's forward pass, so all
hidden errors start at zero); the output is clamped to the one-hot target;
inference then descends E in the hidden value nodes for n steps of size γ,

    v_l ← v_l + γ (−ε_l + (∂g_l/∂v_l)ᵀ ε_{l+1}),

(for an MLP ``(∂g_l/∂v_l)ᵀ ε = f'(v_l) ⊙ W_lᵀ ε``; for a convolution the
transposed convolution of ε, routed back through the pooling), and each weight
takes the local Hebbian step ``ΔW_l ∝ −∂E/∂W_l`` (``ε_{l+1} f(v_l)ᵀ`` for a
matrix, its correlation over positions for a kernel).  At the inference fixed
point the errors approximate backprop's errors of the squared error
``½‖net(x) − y‖²``, scaled by ``1/Σ_L``, and the closer the smaller the output
error relative to ``Σ_L`` (the paper's small-error condition).
"""

import torch
import torch.nn.functional as F
from torch import nn

from harness import GradientLearner, one_hot_squared_error

WEIGHTED = (nn.Linear, nn.Conv1d, nn.Conv2d)


def predictor_blocks(model: nn.Sequential) -> list:
    """g_0 … g_{L-1}: the model cut after each weighted layer, each piece holding the modules since the last."""
    blocks, pending = [], []
    for module in model:
        pending.append(module)
        if isinstance(module, WEIGHTED):
            blocks.append(nn.Sequential(*pending))
            pending = []
    return blocks


class PredictiveCoding:
    """Writes ∂E/∂θ at the end of inference (minus the Hebbian update) into ``.grad``; ``loss`` is not used."""

    def __init__(self, inference_steps: int, inference_rate: float, output_variance: float):
        self.steps = inference_steps
        self.rate = inference_rate
        self.output_variance = output_variance
        self.iterations = 0

    def variances(self, n_layers: int) -> list:
        """Σ_1 … Σ_L."""
        return [1.0] * (n_layers - 1) + [self.output_variance]

    def errors(self, predictions, values) -> list:
        """ε_1 … ε_L from μ_1 … μ_L."""
        variances = self.variances(len(predictions))
        return [(value - mu) / variance for mu, value, variance in zip(predictions, values[1:], variances)]

    def energy(self, blocks, values) -> torch.Tensor:
        """E summed over the batch."""
        predictions = [block(value) for block, value in zip(blocks, values)]
        errors = self.errors(predictions, values)
        return sum(variance * error.pow(2).sum() / 2 for variance, error in zip(self.variances(len(blocks)), errors))

    def infer(self, blocks, x, y) -> list:
        """The value nodes after the feedforward sweep, the target clamp and n inference steps."""
        values = [x]
        for block in blocks:
            values.append(block(values[-1]))
        values[-1] = F.one_hot(y, values[-1].shape[1]).to(x.dtype)
        input_prediction = values[1]  # the input is clamped, so its prediction of layer 1 is fixed
        for _ in range(self.steps):
            values = self.inference_step(blocks, values, input_prediction)
        return values

    def inference_step(self, blocks, values, input_prediction) -> list:
        """``v_l ← v_l − γ ∂E/∂v_l`` on the hidden value nodes; the input and the output stay clamped."""
        with torch.enable_grad():
            # not leaves: a flop counter's module hooks cannot take a leaf through autograd.grad
            hidden = [value.detach().requires_grad_().clone() for value in values[1:-1]]
            predictions = [block(value) for block, value in zip(blocks[1:], hidden)]
        errors = self.errors([input_prediction, *(mu.detach() for mu in predictions)], values)
        # (∂g_l/∂v_l)ᵀ ε_{l+1} for every hidden l at once: the predictions' pullback of the errors they make
        feedbacks = torch.autograd.grad(predictions, hidden, errors[1:])
        stepped = list(values)
        for index, feedback in enumerate(feedbacks, start=1):
            stepped[index] = values[index] + self.rate * (feedback - errors[index - 1])
        return stepped

    def __call__(self, model, x, y, loss) -> None:
        blocks = predictor_blocks(model)
        with torch.no_grad():
            values = self.infer(blocks, x, y)
        (self.energy(blocks, values) / len(x)).backward()
        self.iterations += self.steps * len(x)

    def floor(self, model, x, y, loss) -> None:
        """Inference alone: the feedforward sweep, the target clamp and the n inference steps; no Hebbian update.

        The same inference as the rule's; the update that follows reads the errors at its end (one local product
        per layer) and is what the floor leaves out.

        The step is 1.4-1.9x this floor (thread CPU time): with 10 inference steps the Hebbian update (the errors
        recomputed at the end of inference, their backward pass into each weight, the SGD step) weighs as much as
        about 5 inference steps on these small MLPs.
        """
        with torch.no_grad():
            self.infer(predictor_blocks(model), x, y)

    def cost_counters(self) -> dict:
        return {"inference_iterations": self.iterations}

    def state_dict(self) -> dict:
        return {"inference_iterations": self.iterations}

    def load_state_dict(self, state: dict) -> None:
        self.iterations = state["inference_iterations"]


def build_pc_learner(task, config, seed):
    model = task.architecture.build(seed)
    rule = PredictiveCoding(
        int(config["inference_steps"]),
        float(config["inference_rate"]),
        float(config["output_variance"]),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=config["lr"])
    return GradientLearner(model, optimizer, direction=rule, objective=one_hot_squared_error)
