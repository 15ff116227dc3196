"""Supervised predictive coding on the reference MLP (Whittington & Bogacz 2017).

Whittington & Bogacz (2017). An Approximation of the Error Backpropagation
Algorithm in a Predictive Coding Network with Local Hebbian Synaptic
Plasticity. Neural Computation 29(5), 1229–1262.

Value nodes ``v_0 … v_L`` stand for the MLP's pre-activations (``v_0 = x``).
Each layer predicts the next, ``μ_{l+1} = W_l f_l(v_l) + b_l`` (``f_0`` is the
identity, the other ``f_l`` the MLP's activation), and error nodes hold

    ε_l = (v_l − μ_l) / Σ_l,        E = Σ_l Σ_l ‖ε_l‖² / 2,

with variance ``Σ_l = 1`` for hidden layers and ``Σ_L`` for the output.  For a
batch: a feedforward sweep sets ``v_l = μ_l`` (the MLP's forward pass, so all
hidden errors start at zero); the output is clamped to the one-hot target;
inference then descends E in the hidden value nodes for n steps of size γ,

    v_l ← v_l + γ (−ε_l + f_l'(v_l) ⊙ W_lᵀ ε_{l+1}),

and each weight takes the local Hebbian step ``ΔW_l ∝ −∂E/∂W_l = ε_{l+1} f_l(v_l)ᵀ``
(``Δb_l ∝ ε_{l+1}``).  At the inference fixed point the errors approximate
backprop's errors of the squared error ``½‖MLP(x) − y‖²``, scaled by ``1/Σ_L``,
and the closer the smaller the output error relative to ``Σ_L`` (the paper's
small-error condition).
"""

import torch
import torch.nn.functional as F
from torch import nn

from harness import GradientLearner, one_hot_squared_error

ACTIVATIONS = {  # f and f'
    "relu": (torch.relu, lambda v: (v > 0).to(v.dtype)),
    "tanh": (torch.tanh, lambda v: 1 - torch.tanh(v).pow(2)),
    "softplus": (F.softplus, torch.sigmoid),
}


class PredictiveCoding:
    """Writes ∂E/∂θ at the end of inference (minus the Hebbian update) into ``.grad``; ``loss`` is not used."""

    def __init__(self, activation: str, inference_steps: int, inference_rate: float, output_variance: float):
        self.activation, self.derivative = ACTIVATIONS[activation]
        self.steps = inference_steps
        self.rate = inference_rate
        self.output_variance = output_variance
        self.iterations = 0

    def transfer(self, values, index: int):
        """f_l(v_l): the input is passed on as it is."""
        return values[index] if index == 0 else self.activation(values[index])

    def variances(self, n_layers: int) -> list:
        """Σ_1 … Σ_L."""
        return [1.0] * (n_layers - 1) + [self.output_variance]

    def errors(self, linears, values, input_prediction) -> list:
        """ε_1 … ε_L."""
        errors = []
        for index, (linear, variance) in enumerate(zip(linears, self.variances(len(linears)))):
            prediction = input_prediction if index == 0 else linear(self.transfer(values, index))
            errors.append((values[index + 1] - prediction) / variance)
        return errors

    def energy(self, linears, values) -> torch.Tensor:
        """E summed over the batch."""
        errors = self.errors(linears, values, linears[0](values[0]))
        return sum(variance * error.pow(2).sum() / 2 for variance, error in zip(self.variances(len(linears)), errors))

    def infer(self, linears, x, y) -> list:
        """The value nodes after the feedforward sweep, the target clamp and n inference steps."""
        values = [x]
        for index, linear in enumerate(linears):
            values.append(linear(self.transfer(values, index)))
        values[-1] = F.one_hot(y, values[-1].shape[1]).to(x.dtype)
        input_prediction = values[1]  # the input is clamped, so its prediction of layer 1 is fixed
        for _ in range(self.steps):
            values = self.inference_step(linears, values, input_prediction)
        return values

    def inference_step(self, linears, values, input_prediction) -> list:
        """``v_l ← v_l − γ ∂E/∂v_l`` on the hidden value nodes; the input and the output stay clamped."""
        errors = self.errors(linears, values, input_prediction)
        stepped = list(values)
        for index in range(1, len(linears)):
            feedback = errors[index] @ linears[index].weight
            stepped[index] = values[index] + self.rate * (self.derivative(values[index]) * feedback - errors[index - 1])
        return stepped

    def __call__(self, model, x, y, loss) -> None:
        linears = [module for module in model if isinstance(module, nn.Linear)]
        with torch.no_grad():
            values = self.infer(linears, x, y)
        (self.energy(linears, values) / len(x)).backward()
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
            self.infer([module for module in model if isinstance(module, nn.Linear)], x, y)

    def cost_counters(self) -> dict:
        return {"inference_iterations": self.iterations}

    def state_dict(self) -> dict:
        return {"inference_iterations": self.iterations}

    def load_state_dict(self, state: dict) -> None:
        self.iterations = state["inference_iterations"]


def build_pc_learner(task, config, seed):
    model = task.architecture.build(seed)
    rule = PredictiveCoding(
        task.architecture.activation,
        int(config["inference_steps"]),
        float(config["inference_rate"]),
        float(config["output_variance"]),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=config["lr"])
    return GradientLearner(model, optimizer, direction=rule, objective=one_hot_squared_error)
