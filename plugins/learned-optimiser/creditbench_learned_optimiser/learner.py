"""l2l as a Learner: backprop's gradient, stepped by the meta-trained LSTM instead of a hand-designed rule."""

from creditbench_learned_optimiser import META_TRAINING, meta_training_presentations
from creditbench_learned_optimiser.optimiser import LearnedOptimizer, meta_train
from harness import GradientLearner, quadratics, task_loss


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
    network = meta_train(config, seed)
    model = task.architecture.build(seed)
    return GradientLearner(model, LearnedOptimizer(model.parameters(), network), loss=task_loss(task))
