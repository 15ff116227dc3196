"""The deep-neuroevolution genetic algorithm of Such et al. (2017).

The population lives in the learner, one flat parameter vector per member:
row 0 is the elite (also held as the model's own weights, which ``predict``
uses), the other rows are offspring awaiting evaluation.  Generation 0 is
``population`` independent initialisations of the reference architecture.
Per step, i.e. per generation:

1. score every member on the batch (its cross-entropy; all at once with ``vmap``);
   the elite is scored again on each new batch, as the offspring are;
2. truncation selection: the ``truncation`` lowest-loss members become the parents,
   and the best of them becomes the elite, kept unmodified;
3. mutation: each of the ``population - 1`` offspring of the next generation is a
   parent drawn uniformly with replacement plus Gaussian noise, ``θ' = θ + σε``.

There is no crossover, as in the paper.
"""

import torch

from creditbench_evolution.population import FlatParameters
from harness import ModelLearner, cross_entropy

MUTATION_SEED_OFFSET = 4_000_037  # mutations must not be correlated with the initial weights
FOUNDER_SEED_OFFSET = 5_000_011  # nor generation 0 with the elite's initialisation


class GeneticAlgorithm(ModelLearner):
    """Truncation selection, Gaussian mutation and elitism; ``predict`` uses the elite."""

    def __init__(self, model, founders: torch.Tensor, seed: int, truncation: int, sigma: float):
        self.model = model
        self.flat = FlatParameters(model)
        self.population = torch.cat([self.flat.read().unsqueeze(0), founders])
        if not 1 <= truncation <= len(self.population):
            raise ValueError(
                f"truncation must be between 1 and the population ({len(self.population)}), got {truncation}"
            )
        self.truncation = truncation
        self.sigma = sigma
        self.generator = torch.Generator(device=founders.device).manual_seed(MUTATION_SEED_OFFSET + seed)
        self.evaluations = 0  # member forward passes, one per member per example
        self.offspring_parents = torch.empty_like(self.population[1:])  # each offspring's parent, written per step
        self.floor_draws = None  # floor_step's mutations, allocated by its first call

    def train_step(self, x, y) -> None:
        population = self.population
        losses = self.flat.losses(population, x, y, cross_entropy)
        self.evaluations += len(population) * len(x)
        parents = population[losses.argsort(stable=True)[: self.truncation]]
        offspring = population[1:]  # overwritten in place: the old generation is no longer needed
        torch.randn(offspring.shape, generator=self.generator, out=offspring)
        chosen = torch.randint(self.truncation, (len(offspring),), generator=self.generator, device=parents.device)
        torch.index_select(parents, 0, chosen, out=self.offspring_parents)  # parents[chosen], into the buffer
        offspring.mul_(self.sigma).add_(self.offspring_parents)
        population[0] = parents[0]
        self.flat.write(parents[0])

    def floor_step(self, x, y) -> None:
        """Scoring every member on the batch, as one batched forward pass (``vmap``), and drawing the next
        generation's Gaussian mutations.

        Both are work the GA cannot do without: a member's score is a forward pass, and an offspring is a
        draw.  Left out: the selection, picking each offspring's parent and adding the mutation to it.
        """
        self.flat.losses(self.population, x, y, cross_entropy)
        if self.floor_draws is None:
            self.floor_draws = torch.empty_like(self.population[1:])
        torch.randn(self.floor_draws.shape, generator=self.generator, out=self.floor_draws)

    def cost_counters(self) -> dict:
        return {"population_evaluations": self.evaluations}

    def state_dict(self) -> dict:
        return {
            "model": self.model.state_dict(),
            "population": self.population,
            "generator": self.generator.get_state(),
            "evaluations": self.evaluations,
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.population = state["population"].clone()
        self.generator.set_state(state["generator"])
        self.evaluations = state["evaluations"]


def build_ga_learner(task, config, seed):
    population = int(config["population"])
    if population < 2:
        raise ValueError(f"population must be at least 2, got {population}")
    model = task.architecture.build(seed)
    founder_seeds = torch.Generator(device="cpu").manual_seed(FOUNDER_SEED_OFFSET + seed)
    seeds = torch.randint(2**31, (population - 1,), generator=founder_seeds, device="cpu")
    founders = torch.stack([FlatParameters(task.architecture.build(int(s))).read() for s in seeds])
    return GeneticAlgorithm(model, founders, seed, int(config["truncation"]), float(config["sigma"]))
