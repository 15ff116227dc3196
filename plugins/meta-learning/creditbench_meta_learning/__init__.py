"""MAML (Finn, Abbeel & Levine 2017) and ANIL (Raghu, Raghu, Bengio & Vinyals 2020): an initialisation meta-trained
on base classes, then fine-tuned on a few-shot task of held-out ones (digits-few-shot)."""

from harness import Algorithm, Plausibility, few_shot, hookimpl

CREDITBENCH_CONTRACT = 1

CITATIONS = {
    "maml": "Finn, Abbeel & Levine (2017). Model-agnostic meta-learning for fast adaptation of deep networks. ICML.",
    "anil": "Raghu, Raghu, Bengio & Vinyals (2020). Rapid learning or feature reuse? Towards understanding the "
    "effectiveness of MAML. ICLR.",
}
# 10 inner steps on the 25-image support set, as the harness fine-tunes (250 presentations at batch 25).  meta_lr
# chosen on digits-few-shot's validation split, seeds 1000-1001 (MAML / ANIL): 0.01 -> 0.59, 0.48 / 0.20, 0.25;
# 0.003 -> 0.63, 0.62 / 0.40, 0.20; 0.001 -> 0.75, 0.77 / 0.44, 0.54 (ANIL at inner_lr 1.0: 0.46, 0.29), e.g.
#   creditbench run --suite selection --task digits-few-shot --algorithm maml --seeds 2 --lean --set meta_lr=0.003
# At 0.003 ANIL's meta-training loss falls to 0.07 and then jumps back above 1 (seed 0): Adam is unstable there.
DEFAULTS = {
    "meta_iterations": 100,
    "meta_batch": 4,
    "inner_steps": 10,
    "inner_lr": 0.3,
    "meta_lr": 0.001,
    "batch_size": 25,
}


QUERIES = 10  # query images per class in a meta-training episode


def episode_presentations(meta_batch: int) -> int:
    """Images one meta-iteration presents: each episode's support and query sets."""
    return meta_batch * few_shot.WAYS * (few_shot.SHOTS + QUERIES)


def pretraining(config) -> int:
    return int(config["meta_iterations"]) * episode_presentations(int(config["meta_batch"]))


def declines(task, config):
    if task.name != "digits-few-shot":
        return f"the meta-learners meta-train on digits-few-shot's base classes; {task.name} has none"
    return None


def _builder(head_only: bool):
    def build(task, config, seed):
        from creditbench_meta_learning.learner import build_meta_learner

        return build_meta_learner(task, config, seed, head_only)

    return build


@hookimpl
def register_algorithms(register):
    for name, head_only, what in (
        ("maml", False, "every parameter"),
        ("anil", True, "only the head (the last layer)"),
    ):
        register(
            Algorithm(
                name=name,
                family="meta-learning",
                citation=CITATIONS[name],
                description=f"An initialisation meta-trained (second-order, through the inner loop) on 5-way "
                f"episodes of the base classes, whose inner loop adapts {what}; then fine-tuned by SGD on the "
                "support set as the inner loop does.",
                build=_builder(head_only),
                declines=declines,
                plausibility=Plausibility(weight_transport=True, backward_phase=True, local_updates=False),
                defaults=DEFAULTS,
                pretraining_presentations=pretraining(DEFAULTS),
                search_space={
                    "inner_lr": ("log-uniform", 0.01, 1.0),
                    "meta_lr": ("log-uniform", 1e-4, 1e-2),
                },
                fixed={
                    "meta_iterations": "the declared pre-training budget",
                    "meta_batch": "the declared pre-training budget",
                    "inner_steps": "the harness's fine-tuning: 250 presentations of the 25-image support set at batch 25",
                    "batch_size": "the whole support set, as the inner loop takes it",
                },
            )
        )
