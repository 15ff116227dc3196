"""The HSIC bottleneck: hidden layers trained by layer-local kernel independence objectives."""

from creditbench_hsic.tuned_defaults import TUNED
from harness import Algorithm, Plausibility, declines_residual, hookimpl

CREDITBENCH_CONTRACT = 1


def build_hsic(task, config, seed):
    from creditbench_hsic.learner import build_hsic_learner

    return build_hsic_learner(task, config, seed)


@hookimpl
def register_algorithms(register):
    register(
        Algorithm(
            name="hsic",
            task_defaults=TUNED["hsic"],
            declines=declines_residual("hsic trains a chain of layers, each on its own objective"),
            family="local-objectives",
            citation="Ma, Lewis & Kleijn (2020). The HSIC bottleneck: deep learning without back-propagation. "
            "AAAI. arXiv:1908.01580.",
            description="Each hidden layer minimises nHSIC(Z, X) − β nHSIC(Z, Y) (Gaussian kernels) with its input "
            "detached; the readout is trained alongside by SGD on the detached last hidden features.",
            build=build_hsic,
            # Kernel matrices of the whole batch are not local to a synapse, but no error travels between layers.
            plausibility=Plausibility(weight_transport=False, backward_phase=False, local_updates=True),
            # sigma and beta are the authors' released settings for MLPs; Adam replaces their SGD with momentum
            # (lr 1e-4) because a quick budget gives only a few hundred steps.
            # The defaults (which held on mnist5k when tune re-picked it): lr, readout_lr and the batch size were kept after
            # comparing the final validation accuracy of one quick-budget run (seed 0) on mnist1d, one change at a
            # time: lr {3e-4, 1e-3, 3e-3},
            # beta {50, 200}, sigma {2, 5}, readout_lr {0.1, 0.3}, batch_size {128, 256}:
            #   creditbench run --task mnist1d --algorithm hsic --seeds 1 --set lr=0.003 ...
            defaults={"beta": 50.0, "sigma": 5.0, "lr": 0.001, "readout_lr": 0.1, "batch_size": 256},
            search_space={
                "lr": ("log-uniform", 1e-4, 1e-2),
                "readout_lr": ("log-uniform", 1e-3, 1.0),
                "beta": ("log-uniform", 1.0, 1000.0),
                "sigma": ("log-uniform", 0.5, 20.0),
                "batch_size": ("choice", [64, 128, 256, 512]),
            },
            # chosen on the selection suite by scripts/choose_floors.py (least of seeds 1000-1004 less max(3 sd, 0.03));
            # on mnist1d its seeds spread from 0.33 to 0.52 before tune re-picked its defaults there (a floor below
            # chance); at the tuned ones the least is 0.473, sd 0.021
            floors={"digits": 0.91, "mnist5k": 0.90, "mnist1d": 0.40},
        )
    )
