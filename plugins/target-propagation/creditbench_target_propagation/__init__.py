"""Target propagation: each layer learns to match a target computed through learned inverses."""

from creditbench_target_propagation.tuned_defaults import TUNED
from harness import Algorithm, Plausibility, declines_residual, hookimpl

CREDITBENCH_CONTRACT = 1

LEE_2015 = (
    "Lee, Zhang, Fischer & Bengio (2015). Difference target propagation. Machine Learning and Knowledge "
    "Discovery in Databases (ECML-PKDD), 498-515."
)
BARTUNOV_2018 = (
    "Bartunov, Santoro, Richards, Marris, Hinton & Lillicrap (2018). Assessing the scalability of "
    "biologically-motivated deep learning algorithms and architectures. NeurIPS."
)
SEARCH_SPACE = {
    "lr": ("log-uniform", 1e-4, 1e-2),
    "inverse_lr": ("log-uniform", 1e-4, 1e-2),
    "sigma": ("log-uniform", 0.01, 1.0),
}
# The inverses always learn with Adam.  SDTP and AO-SDTP step the forward weights with Adam too, as Bartunov et
# al. do: their targets have no natural scale (with SGD, sdtp reached only 0.77 on mnist5k).  DTP's penultimate
# target is a gradient step, so plain SGD with alpha = 1 gives its top two layers exactly backprop's step (as
# bp-sgd, fa and dfa take theirs), and the gradient cosine the harness measures is the rule's own rather than
# Adam's (DTP with Adam: quick mnist5k test accuracy 0.921 against 0.920, but a final cosine of -0.06; bp-adam's
# is 0.16).  Batch 64 kept a quick mnist5k run within the 10 s training cap of the time.  Picked by validation accuracy at the quick budget (runs of
# harness.training.loop.train, seed 0, and seeds 0 and 1 to settle close calls), one factor at a time:
#   mnist5k  dtp (sgd) lr {0.1, 0.2} x alpha {0.5, 1, 2};  sdtp lr {3e-4, 5e-4, 1e-3} x sigma {0.03, 0.1} x
#            inverse_lr {3e-4, 1e-3, 3e-3};  ao-sdtp lr {3e-4, 1e-3} x sigma {0.03, 0.1} x inverse_lr {1e-3, 3e-3}
#            x auxiliary_units {256, 512};
#   digits, mnist1d  sdtp lr {3e-4, 1e-3, 2e-3} (3e-4, best on mnist5k, is too slow for their budgets).
# creditbench tune has since re-picked every rule here on digits, mnist5k and mnist1d (tuned_defaults.py).
DEFAULTS = {"optimizer": "adam", "lr": 1e-3, "inverse_lr": 1e-3, "sigma": 0.1, "batch_size": 64}
FIXED = {
    "optimizer": "Adam for sdtp and ao-sdtp as in Bartunov et al.; SGD for dtp, whose step is then backprop's at the top"
}
# Floors, which `pytest --benchmark` checks on every reported run: chosen by scripts/choose_floors.py on the
# selection suite (seeds 1000-1004, quick budgets): the least score less 3 sd or 0.03, whichever is more.
FLOORS = {
    "dtp": {"digits": 0.91, "mnist5k": 0.88, "mnist1d": 0.50},
    "sdtp": {"digits": 0.74, "mnist5k": 0.82, "mnist1d": 0.38},
    "ao-sdtp": {"digits": 0.91, "mnist5k": 0.86, "mnist1d": 0.46},
}
# Bartunov et al. (2018), Table 1(a), "parallel" schedule (the one implemented here), as test accuracy.
BARTUNOV_SETTING = (
    "Bartunov et al. 2018, Table 1a: full MNIST, 784-256x5-10 tanh MLP, Adam, parallel schedule, 500 epochs"
)
PUBLISHED = {
    "dtp": {"mnist5k": (1 - 0.0286, BARTUNOV_SETTING)},
    "sdtp": {"mnist5k": (1 - 0.0352, BARTUNOV_SETTING)},
    "ao-sdtp": {"mnist5k": (1 - 0.0293, BARTUNOV_SETTING)},
}


def build_dtp(task, config, seed):
    from creditbench_target_propagation.learner import build_learner
    from creditbench_target_propagation.propagation import DifferenceTargetPropagation

    return build_learner(task, config, seed, DifferenceTargetPropagation)


def build_sdtp(task, config, seed):
    from creditbench_target_propagation.learner import build_learner
    from creditbench_target_propagation.propagation import SimplifiedDTP

    return build_learner(task, config, seed, SimplifiedDTP)


def build_ao_sdtp(task, config, seed):
    from creditbench_target_propagation.learner import build_learner
    from creditbench_target_propagation.propagation import AuxiliaryOutputSDTP

    return build_learner(task, config, seed, AuxiliaryOutputSDTP)


ON_RESIDUAL = declines_residual(
    "target propagation sends targets down a chain of layers, which a residual block is not"
)


def declines_dtp(task, config) -> str | None:
    """Residual networks, and networks with one hidden layer: its target is a gradient step on the loss, and dtp
    has no layer below it to propagate a target to (it would be backprop)."""
    architecture = task.architecture
    if hasattr(architecture, "convs"):  # a CNN: its convolutions, hidden layers and readout
        layers = len(architecture.convs) + len(architecture.hidden) + 1
    else:
        layers = len(getattr(architecture, "sizes", (0, 0, 0, 0))) - 1
    if layers < 3:
        return f"dtp propagates targets below the last hidden layer; {task.name}'s network has one hidden layer"
    return ON_RESIDUAL(task, config)


@hookimpl
def register_algorithms(register):
    register(
        Algorithm(
            name="dtp",
            task_defaults=TUNED["dtp"],
            declines=declines_dtp,
            family="target-propagation",
            citation=LEE_2015,
            description="Difference target propagation: the penultimate target is a gradient step on the loss, "
            "lower targets go down through learned inverses with the difference correction, each layer "
            "regresses onto its target.",
            build=build_dtp,
            # The penultimate target is W_L^T times the output error: one layer of weight transport.
            plausibility=Plausibility(weight_transport=True, backward_phase=True, local_updates=True),
            defaults={**DEFAULTS, "optimizer": "sgd", "lr": 0.2, "alpha": 1.0},
            search_space={**SEARCH_SPACE, "lr": ("log-uniform", 1e-2, 1.0), "alpha": ("log-uniform", 0.1, 3.0)},
            fixed=FIXED,
            floors=FLOORS["dtp"],
            published=PUBLISHED["dtp"],
        )
    )
    register(
        Algorithm(
            name="sdtp",
            declines=ON_RESIDUAL,
            family="target-propagation",
            citation=BARTUNOV_2018,
            description="Simplified DTP: the correct label's one-hot distribution is the output target and is "
            "propagated down through learned inverses with the difference correction; no gradient "
            "crosses a layer.",
            build=build_sdtp,
            plausibility=Plausibility(weight_transport=False, backward_phase=True, local_updates=True),
            defaults={**DEFAULTS, "sigma": 0.03},
            task_defaults=TUNED["sdtp"],
            search_space=SEARCH_SPACE,
            fixed=FIXED,
            floors=FLOORS["sdtp"],
            published=PUBLISHED["sdtp"],
        )
    )
    register(
        Algorithm(
            name="ao-sdtp",
            task_defaults=TUNED["ao-sdtp"],
            declines=ON_RESIDUAL,
            family="target-propagation",
            citation=BARTUNOV_2018,
            description="Auxiliary-output SDTP: the output layer also carries fixed random features of the "
            "penultimate layer, which the output inverse reads, so penultimate targets differ within a class.",
            build=build_ao_sdtp,
            plausibility=Plausibility(weight_transport=False, backward_phase=True, local_updates=True),
            defaults={**DEFAULTS, "auxiliary_units": 256},
            search_space={**SEARCH_SPACE, "auxiliary_units": ("choice", [64, 256, 512, 1024])},
            fixed=FIXED,
            floors=FLOORS["ao-sdtp"],
            published=PUBLISHED["ao-sdtp"],
        )
    )
