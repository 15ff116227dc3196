"""Equilibrium propagation in discrete time (ep) and BPTT through the same relaxation (ep-bptt)."""

from creditbench_equilibrium_propagation.tuned_defaults import TUNED
from harness import CNN, Algorithm, Plausibility, declines_residual, hookimpl

CREDITBENCH_CONTRACT = 1

ERNOULT = (
    "Ernoult, Grollier, Querlioz, Bengio & Scellier (2019). Updates of Equilibrium Prop Match Gradients of "
    "Backprop Through Time in an RNN with Static Input. NeurIPS."
)
LABORIEUX = (
    "Laborieux, Ernoult, Scellier, Bengio, Grollier & Querlioz (2021). Scaling Equilibrium Propagation to Deep "
    "ConvNets by Drastically Reducing Its Gradient Estimator Bias. Frontiers in Neuroscience 15, 633674."
)
# Floors, which `pytest --benchmark` checks on every reported run: chosen by scripts/choose_floors.py on the
# selection suite (seeds 1000-1004, quick budgets): the least score less 3 sd or 0.03, whichever is more.
EP_FLOORS = {"digits": 0.87, "mnist5k": 0.88, "mnist1d": 0.47}
BPTT_FLOORS = {"digits": 0.92, "mnist5k": 0.89, "mnist1d": 0.47}
# One learning rate per weight layer, input to output: EP's signal shrinks on its way down, so lower layers
# learn faster (as in both papers' MLPs).  T = 20 free steps leave the state moving by ~1e-2 per step at
# the start of training; symmetric nudging cancels that drift (one-sided EP needed T ≈ 60 to learn as steadily
# on digits), so it is the default.  Picked for steady learning on digits within the quick budget and ~15 s,
# from lrs ∈ {[.1,.05,.02], [.2,.1,.05]}, β ∈ {0.05, 0.2, 0.5}, (T, K) ∈ {(20, 6), (30, 10), (50, 10), (60, 10)},
# with the hard sigmoid; kept when σ replaced it (see dynamics.py) and re-measured (floors above).
DYNAMICS = {"free_steps": 20, "lrs": [0.2, 0.1, 0.05], "batch_size": 32}
SEARCH_SPACE = {
    "lrs": ("choice", [[0.1, 0.05, 0.02], [0.2, 0.1, 0.05], [0.4, 0.2, 0.1]]),
    "free_steps": ("choice", [20, 30, 50, 100]),
}
RELAXATION = (
    "The sigmoid layered network relaxes by s ← σ(∂Φ/∂s) from rest; its output after T steps is the prediction."
)


def build_ep(task, config, seed):
    from creditbench_equilibrium_propagation.ep import build_ep_learner

    return build_ep_learner(task, config, seed)


def build_ep_bptt(task, config, seed):
    from creditbench_equilibrium_propagation.bptt import build_bptt_learner

    return build_bptt_learner(task, config, seed)


def weighted_layer_count(architecture) -> int | None:
    """The weighted layers of an MLP or a CNN (one learning rate each); None for other architectures."""
    if isinstance(architecture, CNN):
        return len(architecture.convs) + len(architecture.hidden) + 1
    sizes = getattr(architecture, "sizes", None)
    return len(sizes) - 1 if sizes else None


def declines(name: str):
    """Residual networks, and networks whose number of weighted layers is not the number of learning rates in
    ``lrs`` (one per layer: the depth ladder's rungs need their own, ``--set lrs=[...]``)."""
    on_residual = declines_residual(f"{name}'s energy is defined on a chain of layers")

    def check(task, config) -> str | None:
        layers = weighted_layer_count(task.architecture)
        if layers is not None and layers != len(config["lrs"]):
            return (
                f"{name} has one learning rate per weighted layer: lrs has {len(config['lrs'])}, {task.name}'s "
                f"network has {layers} layers"
            )
        return on_residual(task, config)

    return check


# The convolutional tasks' learning rates (one per weighted layer, input to output), by the MLP default's rule:
# halving from 0.2 at the input.  Not tuned (tune re-picks the quick suite's tasks; these run in the standard,
# ladder and scale suites only).
CONV_LRS = {
    task: {"lrs": [0.2 * 0.5**layer for layer in range(layers)]}
    for task, layers in {
        "conformance-conv": 4,
        "mnist1d-cnn": 4,
        "mnist1d-cnn-depth-6": 7,
        "mnist5k-cnn": 5,
        "mnist-lenet": 5,
        "cifar10-vgg": 5,
        "cifar100-vgg": 5,
    }.items()
}


@hookimpl
def register_algorithms(register):
    register(
        Algorithm(
            name="ep",
            task_defaults=TUNED["ep"] | CONV_LRS,
            declines=declines("ep"),
            family="equilibrium-propagation",
            citation=f"{ERNOULT} Symmetric nudging: {LABORIEUX}",
            description=f"{RELAXATION} Equilibrium propagation: nudge the output towards the target for K steps "
            "(with +β and −β when symmetric_nudging) and update each weight by the local difference of ∂Φ/∂W "
            "between the two states, divided by β (2β).",
            build=build_ep,
            plausibility=Plausibility(weight_transport=True, backward_phase=True, local_updates=True),
            defaults={**DYNAMICS, "nudged_steps": 6, "beta": 0.5, "symmetric_nudging": True},
            search_space={
                **SEARCH_SPACE,
                "nudged_steps": ("choice", [4, 6, 10, 20]),
                "beta": ("log-uniform", 0.05, 1.0),
                "symmetric_nudging": ("choice", [True, False]),
            },
            floors=EP_FLOORS,
            slow_tasks={"mnist5k": "tens of relaxation steps per example through a 784-256-256-10 network"},
        )
    )
    register(
        Algorithm(
            name="ep-bptt",
            task_defaults=TUNED["ep-bptt"] | CONV_LRS,
            declines=declines("ep-bptt"),
            family="equilibrium-propagation",
            citation=ERNOULT,
            description=f"{RELAXATION} Backpropagation through time of the squared error through the last K "
            "free steps: the gradient that equilibrium propagation's update approximates.",
            build=build_ep_bptt,
            plausibility=Plausibility(weight_transport=True, backward_phase=True, local_updates=False),
            defaults={**DYNAMICS, "truncation": 6},
            search_space={**SEARCH_SPACE, "truncation": ("choice", [4, 6, 10, 20])},
            floors=BPTT_FLOORS,
            slow_tasks={"mnist5k": "tens of relaxation steps per example, then backprop through the last of them"},
        )
    )
