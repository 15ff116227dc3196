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


def _score_at(run: dict, presentations: int) -> float:
    """The test score of a stored run at its last evaluation at or before ``presentations``."""
    return [point["test_score"] for point in run["curve"] if point["presentations"] <= presentations][-1]


def pays_for_being_gradient_free(results, rule: str) -> dict:
    """The claim's check, for ``rule`` against bp-sgd on digits, mnist5k and mnist1d (quick suite):

    * at the presentations bp-sgd needed to reach the task's first target, the median seed of ``rule`` was still
      below the target (so the check bites whether or not the target is reached later);
    * more than 5× bp-sgd's FLOPs per presentation;
    * it learned: final test accuracy at least twice chance;
    * on digits, where the budget allows, it reaches the target within 5–50× bp-sgd's presentations.

    Returns, per task, the median score at bp-sgd's time to target."""
    import statistics

    from harness.registry import registry

    def per_presentation(entry, task):
        return entry["flops_per_step"] / registry().algorithm(entry["algorithm"]).config_for(task)["batch_size"]

    at_bp_time = {}
    for task in ("digits", "mnist5k", "mnist1d"):
        entry, bp = results.entry(task, rule), results.entry(task, "bp-sgd")
        (target, bp_presentations), *_ = bp["presentations_to_target"].items()
        assert bp_presentations is not None, f"bp-sgd did not reach {target} on {task}"
        at_bp_time[task] = statistics.median(_score_at(run, bp_presentations) for run in results.runs(task, rule))
        assert at_bp_time[task] < float(target), (
            f"{task}: {at_bp_time[task]:.3f} at {bp_presentations:.0f} presentations"
        )
        assert per_presentation(entry, task) > 5 * per_presentation(bp, task), task
        assert entry["test_accuracy_mean"] > 2 * registry().task(task).chance, task
        if task == "digits":
            presentations = entry["presentations_to_target"][target]
            assert presentations is not None and 5 * bp_presentations < presentations < 50 * bp_presentations
    return at_bp_time


@pytest.mark.creditbench_claim(
    rule="ga",
    paper="Such et al. 2017",
    claim="the GA learns (twice chance) but is below target at bp-sgd's presentations-to-target and costs over 5x its FLOPs per presentation on digits, mnist5k, mnist1d",
)
def test_ga_pays_for_being_gradient_free_in_presentations_and_flops(creditbench_results):
    """Such et al. (2017) found a GA competitive with ES and backprop-based RL on Atari.  On supervised tasks at
    this budget it is not: it learns but needs far more data and compute than bp-sgd.

    Measured (quick suite, quiet machine; README claims table) before tune re-picked digits' and mnist1d's
    defaults (population 200 since): FLOPs per presentation 19× bp-sgd's on digits and mnist1d (population 50),
    9× on mnist5k (population 20); digits: 14× bp-sgd's presentations to 0.5.
    Where it does not reach the target (mnist5k, mnist1d) the check still bites: at the presentations bp-sgd
    needed, ga's median seed is below the target, and it has learned (twice chance).  Measured while a 10 s
    training cap stopped every ga run on a loaded machine: 0.212 / 0.111 / 0.137 at bp-sgd's 992 / 1,136 /
    4,000 presentations (targets 0.5 / 0.5 / 0.3); bp-sgd itself (the negative control) has 0.510 at its 992."""
    pays_for_being_gradient_free(creditbench_results, "ga")


@pytest.mark.creditbench_claim(
    rule="ga",
    paper="Such et al. 2017",
    claim="negative control: the GA's cost check fails for bp-sgd in the GA's place",
)
def test_the_ga_check_fails_for_backprop(creditbench_results):
    """Negative control: plain backprop in place of the GA, the rule the claim distinguishes it from."""
    with pytest.raises(AssertionError, match=r"at \d+ presentations"):  # the time-to-target leg, checked first
        pays_for_being_gradient_free(creditbench_results, "bp-sgd")


def test_the_floor_scores_every_member_and_draws_the_mutations_but_changes_no_member(scored_members):
    """The floor's mutations are the draw the step would make next; it scores the whole population, and neither
    selection nor mutation touches the population or the elite."""
    ga = _ga()
    x, y = _blobs(30, seed=1)
    population, elite = ga.population.clone(), ga.flat.read()
    next_draw = torch.randn(ga.population[1:].shape, generator=torch.Generator().set_state(ga.generator.get_state()))
    ga.floor_step(x, y)
    assert len(scored_members) == 1 and torch.equal(scored_members[0], population)
    assert torch.equal(ga.floor_draws, next_draw)
    assert torch.equal(ga.population, population) and torch.equal(ga.flat.read(), elite)
    assert ga.cost_counters() == {"population_evaluations": 0}
