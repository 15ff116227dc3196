"""Population-based, gradient-free learning rules."""

from harness import Algorithm, Plausibility, hookimpl

CREDITBENCH_CONTRACT = 1


def build_es(task, config, seed):
    from creditbench_evolution.es import build_es_learner

    return build_es_learner(task, config, seed)


@hookimpl
def register_algorithms(register):
    register(
        Algorithm(
            name="es",
            family="neuroevolution",
            citation="Salimans, Ho, Chen, Sidor & Sutskever (2017). Evolution strategies as a scalable "
            "alternative to reinforcement learning. arXiv:1703.03864.",
            description="Antithetic Gaussian perturbations scored on the batch, centred-rank fitness shaping, "
            "the resulting search gradient stepped by Adam. Every population member sees the same batch, "
            "so presentations count examples, not forward passes.",
            build=build_es,
            plausibility=Plausibility(weight_transport=False, backward_phase=False, local_updates=False),
            floors={"digits": 0.85, "mnist5k": 0.60, "mnist1d": 0.20},  # least quick-suite test accuracy
            defaults={"population": 50, "sigma": 0.02, "lr": 0.01, "batch_size": 100},
            search_space={
                "lr": ("log-uniform", 1e-4, 1e-1),
                "sigma": ("log-uniform", 1e-3, 1e-1),
                "population": ("choice", [20, 50, 100, 200]),
            },
        )
    )
