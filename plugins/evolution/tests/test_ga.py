import pytest
import torch
from creditbench_evolution.ga import GeneticAlgorithm
from creditbench_evolution.population import FlatParameters

from harness.architectures import MLP
from harness.learners import cross_entropy
from harness.testing import parametrize_with_checks


@parametrize_with_checks(["ga"])
def test_conformance(algorithm, check):
    check(algorithm)


def _ga(population=8, truncation=3, sigma=0.05, seed=0):
    model = MLP((8, 16, 3)).build(seed)
    founders = torch.stack([FlatParameters(MLP((8, 16, 3)).build(seed + 1 + i)).read() for i in range(population - 1)])
    return GeneticAlgorithm(model, founders, seed, truncation, sigma)


def _blobs(n, seed):
    generator = torch.Generator().manual_seed(seed)
    centres = torch.randn(3, 8, generator=torch.Generator().manual_seed(0)) * 2
    labels = torch.arange(n) % 3
    return centres[labels] + torch.randn(n, 8, generator=generator), labels


def _losses(ga, members, x, y):
    return torch.stack(
        [
            torch.nn.functional.cross_entropy(torch.func.functional_call(ga.model, ga.flat.tensors(m), (x,)), y)
            for m in members
        ]
    )


def test_without_mutation_the_next_generation_is_copies_of_the_truncated_best_and_the_elite_is_the_best():
    """Such et al. (2017): the top T become the parents, offspring are mutated copies of them (here σ = 0),
    the best member becomes the elite, unmodified."""
    ga = _ga(sigma=0.0)
    x, y = _blobs(30, seed=1)
    members = ga.population.clone()
    # Ranked by the learner's own scores (the same vmap call on the same inputs, so the same bits), which are checked
    # against scoring each member alone: a different kernel path, equal up to float32 rounding of a loss near 1.
    scores = ga.flat.losses(members, x, y, cross_entropy)
    torch.testing.assert_close(scores, _losses(ga, members, x, y), rtol=1e-5, atol=1e-6)
    best = members[scores.argsort(stable=True)[: ga.truncation]]
    ga.train_step(x, y)
    assert torch.equal(ga.flat.read(), best[0]) and torch.equal(ga.population[0], best[0])
    offspring = ga.population[1:]
    for child in offspring:
        assert any(torch.equal(child, parent) for parent in best)
    assert len({tuple(child.tolist()) for child in offspring}) > 1  # parents drawn at random, not only the best


def test_the_elite_is_rescored_on_every_batch_and_never_worse_on_it_than_the_previous_elite():
    ga = _ga()
    for step in range(20):
        x, y = _blobs(30, seed=step)
        before = _losses(ga, [ga.flat.read()], x, y)
        ga.train_step(x, y)
        # The learner picks its elite by its batched (vmap) scores, which differ from these per-member ones by float32
        # rounding (measured up to 4e-7 on losses near 1): an offspring that won by less may score a hair worse here.
        assert _losses(ga, [ga.flat.read()], x, y) <= before + 1e-5
    assert ga.cost_counters() == {"population_evaluations": 20 * 8 * 30}  # every member meets every example


def test_learns_well_separated_blobs():
    """Mutation and truncation selection alone fit a small classifier (far above the chance level 1/3)."""
    ga = _ga(population=20, truncation=5, sigma=0.05)
    for step in range(150):
        ga.train_step(*_blobs(30, seed=step))
    x, y = _blobs(300, seed=1000)
    assert (ga.predict(x).argmax(1) == y).float().mean() > 0.95


@pytest.mark.creditbench_claim
def test_ga_pays_for_being_gradient_free_in_presentations_and_flops(creditbench_results):
    """Such et al. (2017) found a GA competitive with ES and backprop-based RL on Atari.  On supervised tasks at
    this budget it is not: it learns (floors, above chance everywhere) but needs far more data and compute.

    Quick suite, 2 seeds, measured against bp-sgd (first target 0.5, or 0.3 on mnist1d).  FLOPs per presentation
    (batches of 100 against 32): 19× on digits and mnist1d (population 50), 9× on mnist5k (population 20).
    digits: 14,100 presentations to 0.5 against 992 (14×), so ~270× the FLOPs to reach the target; final
    accuracy 0.817 against es's 0.925.  mnist5k and mnist1d, both stopped by the wall clock (after ~20k of 70k
    and ~92k of 100k presentations): the target is not reached by the median seed (0.486 and 0.293; es 0.715
    and 0.271; one mnist5k seed reached 0.5 at 18,900 presentations, 17× bp-sgd's 1,136).
    """
    from harness.registry import registry

    def per_presentation(entry, task):
        return entry["flops_per_step"] / registry().algorithm(entry["algorithm"]).config_for(task)["batch_size"]

    for task in ("digits", "mnist5k", "mnist1d"):
        ga, bp = creditbench_results.entry(task, "ga"), creditbench_results.entry(task, "bp-sgd")
        ga_presentations = next(iter(ga["presentations_to_target"].values()))
        bp_presentations = next(iter(bp["presentations_to_target"].values()))
        ga_flops, bp_flops = per_presentation(ga, task), per_presentation(bp, task)
        assert ga_flops > 5 * bp_flops, task
        if task == "digits":
            assert 5 * bp_presentations < ga_presentations < 50 * bp_presentations
            assert ga_presentations * ga_flops > 100 * bp_presentations * bp_flops
            assert ga["test_accuracy_mean"] < creditbench_results.entry(task, "es")["test_accuracy_mean"] - 0.05
        else:  # not reached, or if a faster machine lets it, at ten times bp-sgd's presentations at least
            assert ga_presentations is None or ga_presentations > 10 * bp_presentations, task
