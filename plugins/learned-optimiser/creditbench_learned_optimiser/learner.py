"""l2l as a Learner: backprop's gradient, stepped by the meta-trained LSTM instead of a hand-designed rule."""

import copy
import functools

import torch

from creditbench_learned_optimiser import META_TRAINING, meta_training_presentations
from creditbench_learned_optimiser.optimiser import LearnedOptimizer, meta_train
from harness import GradientLearner, quadratics, task_loss


class LearnedOptimiserLearner(GradientLearner):
    """A ``GradientLearner`` with backprop's gradient and the ``LearnedOptimizer``, declaring l2l's floor."""

    def floor_step(self, x, y) -> None:
        """Backprop's gradient, and the coordinatewise LSTM run on every coordinate of it: twice (on ∇ and on
        −∇) for the odd update, once for the plain one.

        Left out: combining the read-outs into the update and adding it to the weights.
        """
        self.optimizer.zero_grad(set_to_none=True)
        self.direction(self.model, x, y, self.loss)
        self.optimizer.advance_lstm()


def build_l2l(task, config, seed):
    declared = meta_training_presentations(META_TRAINING)
    if meta_training_presentations(config) > declared:
        raise ValueError(
            f"meta-training of {meta_training_presentations(config):,} presentations exceeds l2l's declared "
            f"pretraining_presentations ({declared:,})"
        )
    if not 0 <= seed < quadratics.META_TRAINING_SEEDS:
        raise ValueError(
            f"l2l meta-trains on the quadratics of its seed, which must be in [0, {quadratics.META_TRAINING_SEEDS})"
        )
    meta_config = tuple((key, config[key]) for key in META_TRAINING)
    network = copy.deepcopy(_meta_trained(meta_config, seed, torch.get_default_device()))
    model = task.architecture.build(seed)
    return LearnedOptimiserLearner(model, LearnedOptimizer(model.parameters(), network), loss=task_loss(task))


@functools.lru_cache(maxsize=8)
def _meta_trained(meta_config: tuple, seed: int, device: torch.device):
    """``meta_train`` once per process for each meta-training config, seed and device (it is deterministic given
    them, and builds on the default device, which is ``device``): a process that builds l2l on several tasks, as
    the tests and the benchmarks do, meta-trains once."""
    return meta_train(dict(meta_config), seed)
