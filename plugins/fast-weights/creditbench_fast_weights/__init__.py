"""Fast weights (Ba, Hinton, Mnih, Leibo & Ionescu 2016): a ReLU RNN with a Hebbian fast weight matrix
A(t) = λA(t−1) + η h(t)h(t)ᵀ read in an inner loop with layer normalisation, trained by backprop through
time over each whole sequence.

The network is the plugin's own (``creditbench_fast_weights.network.FastWeightsRNN``), so the algorithm
declares ``uses_reference_architecture=False``; it takes its input and output sizes from the task's
recurrent reference architecture and its hidden size from config ``hidden`` (by default the reference's,
so that it is compared with recurrent networks of the same size).  Configuration: ``decay`` (λ),
``fast_rate`` (η), ``inner_steps`` (S), ``lr`` (Adam), ``batch_size``, ``hidden``.
"""

from harness import Algorithm, Plausibility, hookimpl

CREDITBENCH_CONTRACT = 1

CITATION = (
    "Ba, Hinton, Mnih, Leibo & Ionescu (2016). Using fast weights to attend to the recent past. NeurIPS. "
    "arXiv:1610.06258."
)
# Floors, which `pytest --benchmark` checks on every reported run: chosen by scripts/choose_floors.py on the
# selection suite (seeds 1000-1004, quick budgets): the least score less 3 sd or 0.03, whichever is more.
# (above the ~38% plateau of RNNs without fast weights, README)
FLOORS = {"assoc-retrieval": 0.45}
PUBLISHED = {
    "assoc-retrieval": (1 - 0.0181, "Ba et al. 2016, Table 1: R = 20, 100,000 training strings, to convergence")
}
# The paper's λ = 0.95, η = 0.5, S = 1 and its optimiser, Adam.  The learning rate and batch size are ours, picked
# on assoc-retrieval's validation split at the quick budget: lr 0.01 beat 0.02 and 0.03, batch 128 beat 256 (README).
DEFAULTS = {"hidden": None, "decay": 0.95, "fast_rate": 0.5, "inner_steps": 1, "lr": 0.01, "batch_size": 128}


def architecture(task, config):
    from creditbench_fast_weights.network import FastWeightsRNN

    reference = task.architecture
    return FastWeightsRNN(
        input_size=reference.input_size,
        hidden_size=int(config["hidden"] or reference.hidden_size),
        output_size=reference.output_size,
        decay=float(config["decay"]),
        fast_rate=float(config["fast_rate"]),
        inner_steps=int(config["inner_steps"]),
    )


def build(task, config, seed):
    import torch

    from harness import GradientLearner, task_loss

    model = architecture(task, config).build(seed)
    return GradientLearner(model, torch.optim.Adam(model.parameters(), lr=config["lr"]), loss=task_loss(task))


def declines(task, config):
    from harness import RNN

    if not isinstance(task.architecture, RNN) or task.architecture.readout != "last":
        return f"fast-weights reads one prediction from the last step of a sequence; {task.name} asks for {task.architecture}"
    if task.objective != "classification":
        return f"fast-weights is set up for sequence classification, the paper's tasks; {task.name} is a regression task (README)"
    return None


@hookimpl
def register_algorithms(register):
    register(
        Algorithm(
            name="fast-weights",
            family="fast-weights",
            citation=CITATION,
            description="A ReLU RNN with a decaying Hebbian fast weight matrix A = λA + η hhᵀ, read in an inner loop "
            "with layer normalisation (attention to the recent past), trained by backprop through time.",
            build=build,
            task_kinds=("sequence",),
            # Trained by BPTT; the fast weights themselves are a local Hebbian rule.
            plausibility=Plausibility(weight_transport=True, backward_phase=True, local_updates=False),
            defaults=DEFAULTS,
            search_space={
                "lr": ("log-uniform", 1e-4, 1e-1),
                "decay": ("uniform", 0.5, 0.99),
                "fast_rate": ("log-uniform", 0.05, 1.0),
            },
            fixed={
                "hidden": "None: the task's reference width; another width is another architecture",
                "inner_steps": "the paper's S = 1; each inner step is another pass per time step, outside the budget",
            },
            uses_reference_architecture=False,
            declines=declines,
            floors=FLOORS,
            published=PUBLISHED,
        )
    )
