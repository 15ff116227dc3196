"""Population-based, gradient-free learning rules."""

from creditbench_evolution.tuned_defaults import TUNED
from harness import Algorithm, Plausibility, declines_batch_norm, hookimpl

CREDITBENCH_CONTRACT = 1
# a member's forward pass is functional, one parameter vector per member: batch norm's running statistics would be
# shared by the whole population and its batch statistics mixed across members
ON_BATCH_NORM = declines_batch_norm("a population of functional forward passes carries no batch-norm statistics")


def build_es(task, config, seed):
    from creditbench_evolution.es import build_es_learner

    return build_es_learner(task, config, seed)


def build_ga(task, config, seed):
    from creditbench_evolution.ga import build_ga_learner

    return build_ga_learner(task, config, seed)


@hookimpl
def register_algorithms(register):
    register(
        Algorithm(
            name="es",
            task_defaults=TUNED["es"],
            family="neuroevolution",
            citation="Salimans, Ho, Chen, Sidor & Sutskever (2017). Evolution strategies as a scalable "
            "alternative to reinforcement learning. arXiv:1703.03864.",
            description="Antithetic Gaussian perturbations scored on the batch, centred-rank fitness shaping, "
            "the resulting search gradient stepped by Adam. Every population member sees the same batch, "
            "so presentations count examples, not forward passes.",
            build=build_es,
            plausibility=Plausibility(weight_transport=False, backward_phase=False, local_updates=False),
            declines=ON_BATCH_NORM,
            # chosen on the selection suite by scripts/choose_floors.py (least of seeds 1000-1004 less max(3 sd, 0.03))
            floors={"digits": 0.88, "mnist5k": 0.82, "mnist1d": 0.34},
            slow_tasks={
                "mnist5k": "100 members' forward passes per batch of 784-pixel images (its tuned population), 700 batches",
                "mnist1d": "200 members' forward passes per batch, 1,000 batches",
            },
            defaults={"population": 50, "sigma": 0.02, "lr": 0.01, "batch_size": 100},
            search_space={
                "lr": ("log-uniform", 1e-4, 1e-1),
                "sigma": ("log-uniform", 1e-3, 1e-1),
                "population": ("choice", [20, 50, 100, 200]),
            },
        )
    )
    register(
        Algorithm(
            name="ga",
            family="neuroevolution",
            citation="Such, Madhavan, Conti, Lehman, Stanley & Clune (2017). Deep neuroevolution: genetic "
            "algorithms are a competitive alternative for training deep neural networks for reinforcement "
            "learning. arXiv:1712.06567.",
            description="A genetic algorithm without crossover: the population is scored on the batch, the best "
            "few are kept as parents (truncation selection), the next generation is Gaussian mutations of them "
            "plus the unmodified elite, which is scored again on every batch. Presentations count examples, "
            "not forward passes.",
            build=build_ga,
            plausibility=Plausibility(weight_transport=False, backward_phase=False, local_updates=False),
            declines=ON_BATCH_NORM,
            # chosen on the selection suite by scripts/choose_floors.py (least of seeds 1000-1004 less max(3 sd, 0.03))
            floors={"digits": 0.80, "mnist5k": 0.74, "mnist1d": 0.24},
            slow_tasks={
                "mnist5k": "100 members' forward passes per batch of 784-pixel images, 700 batches",
                "mnist1d": "200 members' forward passes per batch, 1,000 batches",
            },
            defaults={"population": 50, "truncation": 10, "sigma": 0.01, "batch_size": 100},
            task_defaults=TUNED["ga"],
            search_space={
                "sigma": ("log-uniform", 1e-3, 1e-1),
                "population": ("choice", [20, 50, 100, 200]),
                "truncation": ("choice", [2, 5, 10, 20]),
            },
        )
    )
