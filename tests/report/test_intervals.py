"""Intervals over seeds, and paired differences to bp-sgd: what they contain, how they shrink, when a rule ties."""

import statistics

import pytest

from harness.report.aggregate import aggregate
from harness.report.intervals import mean_interval, paired_difference
from harness.report.text import to_csv, to_json, to_markdown

SCORES = [0.81, 0.86, 0.78, 0.90, 0.84]


def test_an_interval_contains_the_mean_and_lies_within_the_seeds():
    low, high = mean_interval(SCORES)
    assert min(SCORES) <= low <= statistics.fmean(SCORES) <= high <= max(SCORES)
    assert low < high


def test_an_interval_shrinks_with_more_seeds_of_the_same_spread():
    narrow = mean_interval(SCORES * 4)  # same values, four times the seeds
    wide = mean_interval(SCORES)
    assert narrow[1] - narrow[0] < 0.7 * (wide[1] - wide[0])


def test_an_interval_is_the_same_every_time_and_needs_two_seeds():
    assert mean_interval(SCORES) == mean_interval(list(SCORES))
    assert mean_interval([0.5]) is None and mean_interval([]) is None
    assert mean_interval([0.7, 0.7, 0.7]) == pytest.approx([0.7, 0.7])


def test_three_seeds_give_their_range():
    # a resample of one seed three times has probability 1/27 > 2.5%, so the percentile interval is the range
    assert mean_interval([0.5, 0.6, 0.7]) == pytest.approx([0.5, 0.7])


def test_the_paired_difference_is_the_mean_of_per_seed_differences_on_common_seeds():
    rule = {0: 0.80, 1: 0.85, 2: 0.70, 7: 0.99}
    reference = {0: 0.90, 1: 0.88, 2: 0.75, 3: 0.10}
    difference = paired_difference(rule, reference)
    assert difference["seeds"] == [0, 1, 2]
    assert difference["mean"] == pytest.approx(statistics.fmean([-0.10, -0.03, -0.05]))
    assert difference["interval"][1] < 0 and difference["tied"] is False
    assert paired_difference({5: 0.5}, {0: 0.5}) is None


def test_pairing_by_seed_removes_the_seeds_luck_that_an_unpaired_comparison_keeps():
    # seeds differ a lot, and the rule is 0.01 below the reference on every seed: paired, not tied
    reference = {0: 0.60, 1: 0.90, 2: 0.75, 3: 0.82, 4: 0.68}
    rule = {seed: score - 0.01 for seed, score in reference.items()}
    difference = paired_difference(rule, reference)
    assert difference["mean"] == pytest.approx(-0.01) and not difference["tied"]
    low, high = mean_interval(reference.values())
    assert low < statistics.fmean(rule.values()) < high  # unpaired, the rule sits inside the reference's interval


def _row(algorithm, seed, score, overrides=None):
    return {
        "suite": "quick",
        "task": "digits",
        "algorithm": algorithm,
        "seed": seed,
        "status": "finished",
        "reason": None,
        "overrides": overrides or {},
        "metrics": {"test_score": score, "presentations_to_target": {"0.5": 100}},
    }


def _entries():
    bp = [0.90, 0.93, 0.91]
    rows = [_row("bp-sgd", seed, score) for seed, score in enumerate(bp)]
    rows += [_row("bp-sgd", seed, score, {"batch_size": 32}) for seed, score in enumerate(bp)]  # the same rule
    rows += [_row("noise-updates", seed, score - 0.4) for seed, score in enumerate(bp)]  # negative control
    rows += [_row("wobbly", seed, score + d) for seed, (score, d) in enumerate(zip(bp, (0.02, -0.01, 0.01)))]
    return {e["label"]: e for e in aggregate(rows)}


def test_a_rule_identical_to_bp_sgd_is_tied_and_a_clearly_worse_one_is_not():
    entries = _entries()
    assert entries["bp-sgd"]["vs_reference"] is None  # the reference itself
    same = entries["bp-sgd [batch_size=32]"]["vs_reference"]
    assert same["mean"] == pytest.approx(0) and same["tied"] is True
    worse = entries["noise-updates"]["vs_reference"]
    assert worse["mean"] == pytest.approx(-0.4) and worse["interval"][1] < 0 and worse["tied"] is False
    assert entries["wobbly"]["vs_reference"]["tied"] is True  # differences of both signs


def test_the_leaderboard_shows_intervals_and_paired_differences_in_every_format():
    entries = list(_entries().values())
    markdown = to_markdown(entries)
    assert "| 95% CI | vs bp-sgd (paired) |" in markdown
    assert "| bp-sgd | 3 | 0.913 ± 0.015 | [0.900, 0.930] | reference |" in markdown
    assert "| noise-updates | 3 | 0.513 ± 0.015 | [0.500, 0.530] | -0.400 [-0.400, -0.400] |" in markdown
    assert "| +0.000 [0.000, 0.000] tied |" in markdown
    json_text = to_json(entries)
    assert '"test_score_interval": [' in json_text and '"vs_reference": {' in json_text and '"tied": true' in json_text
    csv_text = to_csv(entries)
    assert "test_score_interval" in csv_text and "vs_reference:tied" in csv_text and "vs_reference:interval" in csv_text


def test_on_real_runs_a_copy_of_bp_sgd_ties_with_it_and_a_frozen_one_does_not(faulty_plugins, tmp_path):
    """End to end on the tiny conformance task: the same rule under another name (an explicit default) gets the
    same data order per seed, hence zero differences; lr = 0 (no learning: the negative control) is not tied."""
    from harness.contract import Budget
    from harness.execution import matrix
    from harness.execution.local_executor import LocalExecutor
    from harness.registry import registry
    from harness.results.store import Store
    from harness.training.spec import RunSpec

    configs = ({}, {"batch_size": 32}, {"lr": 0.0})
    specs = [
        RunSpec("conformance", "bp-sgd", seed, Budget(320), config=config, suite="quick")
        for config in configs
        for seed in range(3)
    ]
    with Store(tmp_path / "r.sqlite") as store:
        assert matrix.run_matrix(specs, store, LocalExecutor(jobs=2), registry()).finished == len(specs)
        entries = {e["label"]: e for e in aggregate(store.runs())}
    same = entries["bp-sgd [batch_size=32]"]["vs_reference"]
    assert same["seeds"] == [0, 1, 2] and same["mean"] == 0 and same["tied"] is True
    frozen = entries["bp-sgd [lr=0.0]"]["vs_reference"]
    assert frozen["interval"][1] < 0 and frozen["tied"] is False
