"""Natural evolution strategies as in Salimans et al. (2017), Algorithm 2 with antithetic pairs.

Per step: draw ``population / 2`` Gaussian directions ε, score θ ± σε on the
batch (all members at once with ``torch.func.vmap``), turn the losses into
centred ranks (fitness shaping), and estimate the search gradient
``g = Σ_j (u⁺_j − u⁻_j) ε_j / (population σ)``, which Adam then steps.

The directions and the members are written into buffers allocated once (they are
the size of the population times the network), not allocated anew each step.
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
        theta = FlatParameters(model).read()
        self.generator = torch.Generator(device=theta.device).manual_seed(NOISE_SEED_OFFSET + seed)
        self.evaluations = 0  # member forward passes, one per member per example
        self.noise = theta.new_empty(self.pairs, theta.numel())  # ε, one direction per row
        self.scaled_noise = torch.empty_like(self.noise)  # σε
        self.members = theta.new_empty(population, theta.numel())  # θ + σε, then θ − σε
        self.floor_ready = False  # floor() scores the members its first call built

    def __call__(self, model, x, y, loss) -> None:
        flat = FlatParameters(model)
        with torch.no_grad():
            theta = flat.read()
            self._draw()
            self._perturb(theta)
            utilities = centred_ranks(flat.losses(self.members, x, y, loss))
            self.evaluations += len(self.members) * len(x)
            pairs = self.pairs
            gradient = (utilities[:pairs] - utilities[pairs:]) @ self.noise / (2 * pairs * self.sigma)
        for parameter, chunk in zip(model.parameters(), gradient.split(flat.sizes)):
            parameter.grad = chunk.view(parameter.shape).clone()

    def floor(self, model, x, y, loss) -> None:
        """The work ES cannot do without on a batch: draw the directions, score a population of the same size.

        The population scored is θ ± σε as the first call built it: building the members anew, fitness
        shaping and the gradient estimate are left out.
        """
        flat = FlatParameters(model)
        with torch.no_grad():
            self._draw()
            if not self.floor_ready:
                self._perturb(flat.read())
                self.floor_ready = True
            flat.losses(self.members, x, y, loss)

    def _draw(self) -> None:
        torch.randn(self.noise.shape, generator=self.generator, out=self.noise)

    def _perturb(self, theta: torch.Tensor) -> None:
        # The same operations as ``torch.cat([θ + σε, θ − σε])``, so the same bits, without the temporaries.
        torch.mul(self.noise, self.sigma, out=self.scaled_noise)
        torch.add(theta, self.scaled_noise, out=self.members[: self.pairs])
        torch.sub(theta, self.scaled_noise, out=self.members[self.pairs :])

    def cost_counters(self) -> dict:
        return {"population_evaluations": self.evaluations}

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state(), "evaluations": self.evaluations}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        self.evaluations = state["evaluations"]


class EvolutionStrategiesLearner(GradientLearner):
    """ES's search gradient stepped by Adam: a ``GradientLearner`` that declares ES's algorithmic floor."""

    def floor_step(self, x, y) -> None:
        """Drawing the population's Gaussian directions and scoring all its members on the batch, as one
        batched forward pass (``vmap``).

        Both are work ES cannot do without: a member is a draw, and its score is a forward pass.  Left out:
        building the members θ ± σε from the draw, the centred ranks, the search-gradient estimate and Adam's
        step.
        """
        self.direction.floor(self.model, x, y, self.loss)


def build_es_learner(task, config, seed):
    model = task.architecture.build(seed)
    rule = EvolutionStrategies(model, seed, int(config["population"]), float(config["sigma"]))
    return EvolutionStrategiesLearner(model, torch.optim.Adam(model.parameters(), lr=config["lr"]), direction=rule)
