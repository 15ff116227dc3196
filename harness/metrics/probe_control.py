"""Matched controls for rules read out by the harness's probe (``Algorithm.supervised=False``).

An unsupervised rule is scored by a logistic-regression probe fitted to convergence on its features
(``harness.training.evaluation.linear_probe``), while the ``linear`` and ``random-features`` controls are trained
by SGD within the budget: a weaker readout, so beating them says little about the rule.  Its matched controls are
read by the same probe, in the same run:

* ``probe_untrained_test_score``: the untrained network, i.e. the run's own evaluation at 0 presentations;
* ``probe_random_relu_test_score``: random ReLU features of the same width, ``relu(Wx + b)`` with ``W`` and ``b``
  at PyTorch's default ``Linear`` initialisation, seeded by the run's seed.

``probe_gain`` is the rule's test score minus the stronger of the two: what training added over features that
need no training.  Supervised rules get none of these.
"""

from __future__ import annotations

from harness.contract import Metric

# The random features must not share the learner's initial weights, nor the noise of
# ``harness.testing.negative_controls`` (its ``NOISE_SEED_OFFSET`` is 7_000_003): another prime, another stream.
RANDOM_FEATURES_SEED_OFFSET = 7_000_009


def random_relu_features(n_inputs: int, width: int, seed: int):
    """A frozen random ReLU layer ``n_inputs → width`` (``torch.nn.Linear``'s default initialisation), seeded."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(RANDOM_FEATURES_SEED_OFFSET + seed)
        layer = torch.nn.Linear(n_inputs, width)
    return torch.nn.Sequential(layer, torch.nn.ReLU()).requires_grad_(False)


def probe_test_score(features, data) -> float:
    """Test accuracy of the harness's probe fitted on ``features`` of the training split."""
    from harness.training.evaluation import linear_probe

    return float(linear_probe().fit(features(data.x_train), data.y_train).score(features(data.x_test), data.y_test))


def probe_control(run) -> dict:
    if run.algorithm.supervised:
        return {}
    import torch

    from harness import shared_cache

    data = shared_cache.splits(run.task)
    device = torch.device(run.spec.device)

    def learner_features(x):
        with torch.no_grad():
            return run.learner.features(torch.as_tensor(x).to(device)).cpu().numpy()

    width = learner_features(data.x_train[:1]).shape[1]
    layer = random_relu_features(data.x_train.shape[1], width, run.spec.seed)
    untrained = run.curve[0]["test_score"]  # the evaluation at 0 presentations reads the untrained network
    random_relu = probe_test_score(lambda x: layer(torch.as_tensor(x)).numpy(), data)
    return {
        "probe_untrained_test_score": untrained,
        "probe_random_relu_test_score": random_relu,
        "probe_gain": run.curve[-1]["test_score"] - max(untrained, random_relu),
    }


PROBE_CONTROL = Metric(
    "probe_control",
    "rules read out by the harness's probe: the same probe on the untrained network and on random ReLU features "
    "of the same width, and the rule's test score above the stronger of the two",
    probe_control,
)
