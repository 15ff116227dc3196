"""Memory against compute at depth, on the reversible residual reference network (``harness.ReversibleResidual``).

* ``revnet`` (Gomez, Ren, Urtasun & Grosse 2017): backprop whose backward pass recomputes each block's input from
  its output instead of reading saved activations, so what it holds does not grow with depth;
* ``bp-checkpoint`` (Chen, Xu, Zhang & Guestrin 2016): backprop with ``torch.utils.checkpoint`` every √n blocks,
  holding about √n blocks' activations for about one more forward pass.

Plain backprop on the same network, the third point of comparison, is ``bp-sgd``.  All three step with SGD at the
same rate and batch, so that their scores differ only by how the gradient is computed.
"""

from harness import Algorithm, Plausibility, ReversibleResidual, hookimpl

CREDITBENCH_CONTRACT = 1

GOMEZ_2017 = (
    "Gomez, Ren, Urtasun & Grosse (2017). The reversible residual network: backpropagation without storing "
    "activations. NeurIPS."
)
CHEN_2016 = "Chen, Xu, Zhang & Guestrin (2016). Training deep nets with sublinear memory cost. arXiv:1604.06174."
BACKPROP = Plausibility(weight_transport=True, backward_phase=True, local_updates=False)
# bp-sgd's defaults (its mnist1d rate is keyed by that task's name and does not reach the RevNet ladder), so that the
# three rules on the ladder take the same steps from the same gradient up to float error
DEFAULTS = {"lr": 0.1, "batch_size": 32}
# At 16 and 32 blocks lr 0.1 diverges for all three rules (bp-sgd too, seeds 0-2).  The deeper rungs' rates, the
# same for the three and for bp-sgd (creditbench_backprop.TASK_DEFAULTS): the largest of {0.1, 0.03, 0.01} that
# trained both selection seeds of bp-sgd and revnet, by validation score (16 blocks: 0.03, 0.68-0.72 against
# 0.57-0.59 at 0.01; 32 blocks: 0.01, 0.62-0.64, 0.03 diverged), e.g.
#   creditbench run --suite selection --task mnist1d-revnet-32 --algorithm bp-sgd --algorithm revnet --seeds 2 --lean --set lr=0.03
RUNG_DEFAULTS = {"mnist1d-revnet-16": {"lr": 0.03}, "mnist1d-revnet-32": {"lr": 0.01}}
SEARCH_SPACE = {"lr": ("log-uniform", 1e-4, 1.0)}


def declines_unless_reversible(name: str):
    """An ``Algorithm.declines`` for a rule defined on ``ReversibleResidual`` networks only."""

    def declines(task, config) -> str | None:
        if isinstance(task.architecture, ReversibleResidual):
            return None
        return f"{name} is defined on reversible residual networks; {task.name} asks for a {task.architecture}"

    return declines


def build_revnet(task, config, seed):
    from creditbench_reversible.learners import build_learner, reversible_backprop

    return build_learner(task, config, seed, reversible_backprop)


def build_checkpoint(task, config, seed):
    from creditbench_reversible.learners import build_learner, checkpointed_backprop

    return build_learner(task, config, seed, checkpointed_backprop)


RULES = {  # name -> (citation, description, build)
    "revnet": (
        GOMEZ_2017,
        "Backprop through reversible blocks whose backward pass reconstructs each block's input from its output, "
        "x2 = y2 - G(y1), x1 = y1 - F(x2), keeping only the last block's output; SGD.",
        build_revnet,
    ),
    "bp-checkpoint": (
        CHEN_2016,
        "Backprop with gradient checkpointing: the blocks in round(√n) segments, each but the last run without "
        "saving activations and run again in the backward pass (torch.utils.checkpoint); SGD.",
        build_checkpoint,
    ),
}


@hookimpl
def register_algorithms(register):
    for name, (citation, description, build) in RULES.items():
        register(
            Algorithm(
                name=name,
                family="reversible",
                citation=citation,
                description=description,
                build=build,
                plausibility=BACKPROP,
                defaults=DEFAULTS,
                task_defaults=RUNG_DEFAULTS,
                search_space=SEARCH_SPACE,
                declines=declines_unless_reversible(name),
            )
        )
