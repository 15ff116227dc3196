import dataclasses

import pytest
import torch
from creditbench_meta_learning import DEFAULTS, episode_presentations, pretraining
from creditbench_meta_learning.learner import _episode, adapted_names, build_meta_learner

from harness import few_shot
from harness.registry import registry
from harness.testing import parametrize_with_checks

FEW_SHOT = registry().task("digits-few-shot")
TINY = {**DEFAULTS, "meta_iterations": 2, "meta_batch": 2, "inner_steps": 2}


# The kit's own tasks have no base classes, which the meta-learners decline; they are checked on digits-few-shot,
# with meta-training cut to a few episodes so that the kit's many builds stay fast.
@parametrize_with_checks(
    [dataclasses.replace(registry().algorithm(name), defaults=TINY) for name in ("maml", "anil")], task=FEW_SHOT
)
def test_conformance(algorithm, check):
    check(algorithm)


def test_an_episode_draws_every_base_class_under_a_random_label():
    x, y = (torch.as_tensor(a) for a in few_shot.base_classes())
    (xs, ys), (xq, yq) = _episode(x, y, torch.Generator().manual_seed(0))
    assert xs.shape == (few_shot.WAYS * few_shot.SHOTS, 64) and len(xq) == 2 * len(xs)
    assert sorted(ys.unique().tolist()) == sorted(yq.unique().tolist()) == list(range(few_shot.WAYS))
    assert not set(map(tuple, xs.tolist())) & set(map(tuple, xq.tolist()))  # support and query do not overlap


def test_maml_adapts_everything_and_anil_only_the_head():
    model = FEW_SHOT.architecture.build(0)
    assert adapted_names(model, head_only=False) == [name for name, _ in model.named_parameters()]
    assert adapted_names(model, head_only=True) == ["4.weight", "4.bias"]
    anil = build_meta_learner(FEW_SHOT, TINY, 0, head_only=True)
    body = [p.detach().clone() for p in list(anil.model.parameters())[:-2]]
    data = FEW_SHOT.load()
    anil.train_step(torch.as_tensor(data.x_train), torch.as_tensor(data.y_train))
    assert all(torch.equal(a, b) for a, b in zip(body, list(anil.model.parameters())[:-2]))


def test_meta_training_moves_the_initialisation_and_is_declared():
    untrained = FEW_SHOT.architecture.build(0)
    learner = build_meta_learner(FEW_SHOT, TINY, 0, head_only=False)
    assert not torch.equal(untrained[0].weight, learner.model[0].weight)
    assert pretraining(DEFAULTS) == DEFAULTS["meta_iterations"] * episode_presentations(DEFAULTS["meta_batch"])
    assert registry().algorithm("maml").pretraining_presentations == pretraining(DEFAULTS)


def test_declines_tasks_without_base_classes():
    algorithm = registry().algorithm("maml")
    assert "base classes" in algorithm.declined(registry().task("digits"), algorithm.defaults)
    assert algorithm.declined(FEW_SHOT, algorithm.defaults) is None


MIN_GAIN = 0.1  # test accuracy ANIL's meta-trained body adds over a random one under the same head fine-tuning


def meta_trained_features_help(entry_of) -> dict:
    """The check on ``entry_of(name, config)`` (toys-suite entries on digits-few-shot): ANIL, whose fine-tuning
    adapts only the head, is ``MIN_GAIN`` above itself without meta-training (``meta_iterations = 0``: the head
    fine-tuned on a random body), i.e. meta-training learned features that the held-out classes reuse.  Returns
    name -> (with, without) for MAML and ANIL."""
    scores = {
        name: tuple(entry_of(name, config)["test_score_mean"] for config in ({}, {"meta_iterations": 0}))
        for name in ("maml", "anil")
    }
    with_, without = scores["anil"]
    assert with_ - without > MIN_GAIN, f"anil: meta-training adds {with_ - without:+.3f}"
    return scores


@pytest.mark.creditbench_claim(
    rule=["anil", "maml"],
    paper="Raghu et al. 2020",
    claim="ANIL's meta-trained body carries to held-out classes: at least 0.1 above a random body on digits-few-shot (ANIL within a few points of MAML does not reproduce)",
)
def test_anils_meta_trained_body_is_reused_by_the_held_out_classes(creditbench_results):
    """Raghu et al. (2020), Table 2: ANIL is within a few points of MAML (miniImageNet 5-way 5-shot: 61.5 vs 63.1;
    Omniglot 20-way 1-shot: 96.2 vs 93.7), because MAML's inner loop mostly reuses its features.  NOT reproduced
    here: on digits-few-shot (seeds 0-2) ANIL scores 0.487 against MAML's 0.756, and MAML is barely above its own
    fine-tuning from a random initialisation (0.733 ± 0.135).  What holds, and this checks: ANIL's meta-trained body
    carries to the held-out classes (0.487 against 0.281 on a random body)."""
    meta_trained_features_help(lambda name, config: creditbench_results.entry("digits-few-shot", name, config))


@pytest.mark.creditbench_claim(
    rule=["anil", "maml"],
    paper="Raghu et al. 2020",
    claim="negative control: the feature-reuse check fails without meta-training (meta_iterations 0)",
)
def test_the_check_fails_without_meta_training(creditbench_results):
    """Negative control: the rules without meta-training, set against themselves, gain nothing."""
    with pytest.raises(AssertionError, match="meta-training adds"):
        meta_trained_features_help(
            lambda name, config: creditbench_results.entry("digits-few-shot", name, {"meta_iterations": 0})
        )


GAP = 0.03  # "within a few points": three points of accuracy


def anil_is_within_a_few_points_of_maml(entry_of) -> float:
    """The paper's claim as a check: ANIL's test accuracy is within ``GAP`` of MAML's (or above it); returns ANIL's
    less MAML's."""
    difference = entry_of("anil")["test_score_mean"] - entry_of("maml")["test_score_mean"]
    assert difference >= -GAP, f"anil is {difference:+.3f} from maml"
    return difference


@pytest.mark.xfail(strict=True, reason="measured on seeds 0-2 of digits-few-shot: ANIL 0.487 against MAML's 0.756")
@pytest.mark.creditbench_claim(
    rule=["anil", "maml"],
    paper="Raghu et al. 2020",
    claim="ANIL is within 3 points of MAML on digits-few-shot",
)
def test_anil_is_within_a_few_points_of_maml(creditbench_results):
    """Raghu et al. (2020), Table 2 (miniImageNet 5-way 5-shot: ANIL 61.5, MAML 63.1; Omniglot 20-way 1-shot: 96.2
    against 93.7).  Does not reproduce on digits-few-shot (the docstring above)."""
    anil_is_within_a_few_points_of_maml(lambda name: creditbench_results.entry("digits-few-shot", name))


@pytest.mark.creditbench_claim(
    rule=["anil", "maml"],
    paper="Raghu et al. 2020",
    claim="negative control: the ANIL-within-a-few-points check fails for an ANIL that is not meta-trained",
)
def test_the_within_a_few_points_check_fails_for_an_anil_without_meta_training(creditbench_results):
    """Negative control: ANIL without meta-training (``meta_iterations = 0``: 0.281) against the meta-trained MAML."""
    with pytest.raises(AssertionError, match="from maml"):
        anil_is_within_a_few_points_of_maml(
            lambda name: creditbench_results.entry(
                "digits-few-shot", name, {"meta_iterations": 0} if name == "anil" else None
            )
        )
