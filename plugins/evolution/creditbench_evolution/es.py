"""Natural evolution strategies as in Salimans et al. (2017), Algorithm 2 with antithetic pairs.

Per step: draw ``population / 2`` Gaussian directions ε, score θ ± σε on the
batch (all members at once with ``torch.func.vmap``), turn the losses into
centred ranks (fitness shaping), and estimate the search gradient
``g = Σ_j (u⁺_j − u⁻_j) ε_j / (population σ)``, which Adam then steps.
"""

import torch

from creditbench_evolution.population import FlatParameters
from harness import GradientLearner

NOISE_SEED_OFFSET = 2_000_003  # perturbations must not be correlated with the initial weights


def centred_ranks(values: torch.Tensor) -> torch.Tensor:
    """Ranks scaled to [-0.5, 0.5]: invariant to any monotone transform of the loss."""
    ranks = torch.empty_like(values)
    ranks[values.argsort()] = torch.arange(len(values), dtype=values.dtype, device=values.device)
    return ranks / (len(values) - 1) - 0.5


class EvolutionStrategies:
    """Writes the ES search-gradient estimate of the loss into the model's ``.grad``."""

    def __init__(self, model, seed: int, population: int, sigma: float):
        if population < 2 or population % 2:
            raise ValueError(f"population must be an even number ≥ 2, got {population}")
        self.pairs = population // 2
        self.sigma = sigma
        device = next(model.parameters()).device
        self.generator = torch.Generator(device=device).manual_seed(NOISE_SEED_OFFSET + seed)
        self.evaluations = 0  # member forward passes, one per member per example

    def __call__(self, model, x, y, loss) -> None:
        flat = FlatParameters(model)
        with torch.no_grad():
            theta = flat.read()
            noise = torch.randn(self.pairs, theta.numel(), generator=self.generator, device=theta.device)
            members = torch.cat([theta + self.sigma * noise, theta - self.sigma * noise])
            utilities = centred_ranks(flat.losses(members, x, y, loss))
            self.evaluations += len(members) * len(x)
            gradient = (utilities[: self.pairs] - utilities[self.pairs :]) @ noise / (2 * self.pairs * self.sigma)
        for parameter, chunk in zip(model.parameters(), gradient.split(flat.sizes)):
            parameter.grad = chunk.view(parameter.shape).clone()

    def cost_counters(self) -> dict:
        return {"population_evaluations": self.evaluations}

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state(), "evaluations": self.evaluations}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        self.evaluations = state["evaluations"]


def build_es_learner(task, config, seed):
    model = task.architecture.build(seed)
    rule = EvolutionStrategies(model, seed, int(config["population"]), float(config["sigma"]))
    return GradientLearner(model, torch.optim.Adam(model.parameters(), lr=config["lr"]), direction=rule)
