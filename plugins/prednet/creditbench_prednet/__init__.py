"""PredNet (Lotter, Kreiman & Cox 2016): next-frame video prediction by layers that each predict their
input and pass on only their errors, trained by backprop through time on those errors."""

from harness import Algorithm, Plausibility, hookimpl

CREDITBENCH_CONTRACT = 1

CITATION = (
    "Lotter, Kreiman & Cox (2017). Deep predictive coding networks for video prediction and unsupervised "
    "learning. ICLR. arXiv:1605.08104."
)
# Three layers, as in the paper's smallest models but with few channels: frames of 16×16 pixels need
# little capacity, and the quick suite on 2 cores needs a cheap step (about 45 ms for a batch
# of 8 clips of 11 frames).  R_0 has 4 channels rather than the frame's 1: a single channel could not
# hold a moving ball's position and velocity.  Adam, at 3× the paper's learning rate of 0.001: our budgets
# are a few hundred updates, not the paper's 150,000, and at 0.001 the first 40 updates are lost to
# predicting blank frames (measured on moving-balls' validation split).
DEFAULTS = {"stack": [1, 8, 16], "r_stack": [4, 8, 16], "lr": 0.003, "batch_size": 8}
# No floor: on the selection suite (seeds 1000-1004) a run either learns (test skill 0.60-0.66) or never leaves
# its first prediction (skill -1.22: prednet on 3 of the 5 seeds, prednet-lall on 2), so the floor
# scripts/choose_floors.py picks (about -4.3) would pass a dead run.  Without one, `pytest --benchmark` asks a
# reported run to beat the baseline of copying the last frame (skill > 0), which a dead run fails.


def build(task, config, seed):
    from creditbench_prednet.learner import build_prednet

    return build_prednet(task, config, seed)


def declines(task, config):
    """PredNet predicts video: regression tasks whose examples are clips of square frames ``(T, H·W)``."""
    from creditbench_prednet.network import frame_side

    if task.objective != "regression":
        return f"prednet predicts video frames; {task.name} is a {task.objective} task"
    shape = task.load().x_train.shape[1:]
    side = frame_side(shape[-1]) if len(shape) == 2 else None
    factor = 2 ** (len(config["stack"]) - 1)
    if side is None or side % factor:
        return f"prednet needs clips of square frames whose side is divisible by {factor}; {task.name} has examples of shape {shape}"
    return None


@hookimpl
def register_algorithms(register):
    for name, loss, label in (
        ("prednet", "L0", "L_0: pixel-layer errors only"),
        ("prednet-lall", "L_all", "L_all: all layers' errors"),
    ):
        register(
            Algorithm(
                name=name,
                family="predictive-coding",
                citation=CITATION,
                description=f"PredNet, trained by BPTT on its error units with the paper's {label} loss.",
                build=build,
                task_kinds=("sequence",),
                plausibility=Plausibility(weight_transport=True, backward_phase=True, local_updates=False),
                defaults={**DEFAULTS, "loss": loss},
                search_space={"lr": ("log-uniform", 1e-4, 1e-2)},
                fixed={
                    "stack": "the architecture (channels per layer), sized for 16×16 frames and 2 cores",
                    "r_stack": "the architecture (representation channels per layer), as stack",
                    "loss": "names the rule: prednet trains on L_0, prednet-lall on L_all",
                },
                uses_reference_architecture=False,
                slow_tasks={"moving-balls": "a convolutional LSTM stack unrolled over every 12-frame clip"},
                declines=declines,
            )
        )
