"""Controls: what a learning rule must beat to show it learned anything in its hidden layers.

* ``linear``: logistic regression on the raw inputs.  On a CNN task it is the same
  model as on the task's MLP twin (the inputs are the same).
* ``random-features``: the reference architecture with its hidden layers frozen
  at initialisation and only the readout trained.  A rule that does not beat it
  has not shown that it learned its hidden layers.  On a CNN every convolution and
  hidden Linear layer is frozen: random convolutional features (Jarrett et al. 2009
  found them a strong baseline), read out linearly.
* ``random-features-min-norm``: random ReLU features of one hidden layer read out by the minimum-norm least-squares
  fit, which interpolates the training set once the layer is wide enough: the model of the double-descent ladder
  (``harness.tasks.double_descent``).
"""

from creditbench_controls.tuned_defaults import TUNED
from harness import Algorithm, Plausibility, declines_convolutions, hookimpl

CREDITBENCH_CONTRACT = 1

LOCAL = Plausibility(weight_transport=False, backward_phase=False, local_updates=True)
SEARCH_SPACE = {"lr": ("log-uniform", 1e-4, 1.0)}


def build_linear(task, config, seed):
    from creditbench_controls.learners import build_linear_learner

    return build_linear_learner(task, config, seed)


def build_min_norm(task, config, seed):
    from creditbench_controls.learners import build_min_norm_learner

    return build_min_norm_learner(task, config, seed)


def build_random_features(task, config, seed):
    from creditbench_controls.learners import build_random_features_learner

    return build_random_features_learner(task, config, seed)


@hookimpl
def register_algorithms(register):
    register(
        Algorithm(
            name="linear",
            task_defaults=TUNED["linear"],
            family="control",
            citation="Cox (1958). The regression analysis of binary sequences. JRSS B 20(2).",
            description="Multinomial logistic regression on the raw inputs, trained by SGD.",
            build=build_linear,
            plausibility=LOCAL,
            defaults={"lr": 0.1, "batch_size": 32},
            search_space=SEARCH_SPACE,
            uses_reference_architecture=False,
            # chosen on the selection suite by scripts/choose_floors.py (least of seeds 1000-1004 less max(3 sd, 0.03))
            floors={"digits": 0.92, "mnist5k": 0.86, "mnist1d": 0.28},
        )
    )
    register(
        Algorithm(
            name="random-features",
            task_defaults=TUNED["random-features"],
            family="control",
            citation="Rahimi & Recht (2008). Weighted sums of random kitchen sinks. NeurIPS.",
            description="Hidden layers frozen at their initialisation; only the readout is trained, by SGD.",
            build=build_random_features,
            plausibility=LOCAL,
            defaults={"lr": 0.1, "batch_size": 32},
            search_space=SEARCH_SPACE,
            # chosen on the selection suite by scripts/choose_floors.py (least of seeds 1000-1004 less max(3 sd, 0.03))
            floors={"digits": 0.81, "mnist5k": 0.75, "mnist1d": 0.32},
        )
    )
    register(
        Algorithm(
            name="random-features-min-norm",
            family="control",
            citation="Belkin, Hsu, Ma & Mandal (2019). Reconciling modern machine-learning practice and the "
            "classical bias-variance trade-off. PNAS 116(32). Rahimi & Recht (2008).",
            description="One hidden layer frozen at its initialisation (random ReLU features); the readout is the "
            "minimum-norm least-squares fit to the one-hot labels of every example presented.",
            build=build_min_norm,
            plausibility=LOCAL,
            declines=declines_convolutions("its random features are one fully connected layer"),
            defaults={"ridge": 0.0, "batch_size": 32},
            # chosen on the selection suite by scripts/choose_floors.py (least of seeds 1000-1004 less max(3 sd, 0.03))
            floors={"digits": 0.91, "mnist5k": 0.83, "mnist1d": 0.24},
            fixed={
                "ridge": "the claim's model: the interpolating, minimum-norm fit (ridge > 0 is its negative control)",
                "batch_size": "the fit sums the batches, so it is the same for every batch size",
            },
        )
    )
