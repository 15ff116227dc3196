from types import SimpleNamespace

import pytest

from harness.contract import Budget
from harness.leaderboard import aggregate, to_csv, to_json, to_markdown
from harness.metrics import aulc, presentations_to_target


def _run(points, budget=10_000, targets=(0.5, 0.9)):
    curve = [{"presentations": p, "test_accuracy": a} for p, a in points]
    return SimpleNamespace(curve=curve, spec=SimpleNamespace(budget=Budget(budget, 1)), task=SimpleNamespace(targets=targets))


def test_aulc_of_a_constant_curve_is_that_constant_and_early_learning_scores_higher():
    assert aulc(_run([(0, 0.1), (100, 0.7), (1000, 0.7), (10_000, 0.7)]))["aulc"] == pytest.approx(0.7)
    early = aulc(_run([(100, 0.9), (1000, 0.9), (10_000, 0.9)]))["aulc"]
    late = aulc(_run([(100, 0.1), (1000, 0.1), (10_000, 0.9)]))["aulc"]
    assert late < early
    # a run stopped early by the clock keeps its last accuracy to the end of the axis
    assert aulc(_run([(100, 0.5), (1000, 0.5)]))["aulc"] == pytest.approx(0.5)


def test_presentations_to_target_is_the_first_evaluation_at_or_above_it():
    result = presentations_to_target(_run([(0, 0.1), (100, 0.6), (1000, 0.5), (2000, 0.95)]))
    assert result == {"presentations_to_target": {"0.5": 100, "0.9": 2000}}
    assert presentations_to_target(_run([(0, 0.1)]))["presentations_to_target"] == {"0.5": None, "0.9": None}


def _row(seed, accuracy, reached, status="finished"):
    metrics = {"test_accuracy": accuracy, "aulc": accuracy / 2, "presentations_to_target": {"0.5": reached},
               "step_seconds": 0.001, "gradient_cosine": 0.5, "gradient_cosine_layers": {"0.weight": 0.5}}
    return {"suite": "quick", "task": "digits", "algorithm": "<script>x</script>", "seed": seed, "status": status,
            "reason": "boom" if status == "failed" else None, "metrics": metrics if status == "finished" else {}}


def test_leaderboard_aggregates_over_seeds_and_counts_failures_apart():
    [entry] = aggregate([_row(0, 0.8, 100), _row(1, 0.9, None), _row(2, 0.7, 300), _row(3, 0, 0, status="failed")])
    assert entry["n_seeds"] == 3 and entry["failed_runs"] == 1 and entry["failure_reasons"] == ["boom"]
    assert entry["test_accuracy_mean"] == pytest.approx(0.8) and entry["test_accuracy_std"] == pytest.approx(0.1)
    assert entry["presentations_to_target"] == {"0.5": 300}  # median of 100, 300, never
    [entry] = aggregate([_row(0, 0.8, None), _row(1, 0.9, None), _row(2, 0.7, 300)])
    assert entry["presentations_to_target"] == {"0.5": None}


def test_renderings_escape_plugin_supplied_names():
    entries = aggregate([_row(0, 0.8, 100)])
    assert "<script>" not in to_markdown(entries)
    assert "<script>" in to_csv(entries)  # CSV and JSON are data, rendered by whoever reads them
    assert '"test_accuracy_mean": 0.8' in to_json(entries)


def test_leaderboard_shows_paper_figures_and_which_rules_beat_each_control():
    def row(algorithm, accuracy):
        return {**_row(0, accuracy, 100), "algorithm": algorithm}

    def algorithm(name, family, published=None):
        return SimpleNamespace(name=name, family=family, published=published or {})

    algorithms = [algorithm("rule-a", "x", {"digits": (0.98, "Someone et al. 2020, full MNIST")}),
                  algorithm("rule-b", "x"), algorithm("random-features", "control")]
    registry = SimpleNamespace(algorithms={a.name: a for a in algorithms},
                               published=lambda: {("digits", "rule-a"): (0.98, "Someone et al. 2020, full MNIST")})
    entries = aggregate([row("rule-a", 0.9), row("rule-b", 0.5), row("random-features", 0.7)], registry)
    by_name = {e["algorithm"]: e for e in entries}
    assert by_name["rule-a"]["published_accuracy"] == 0.98 and by_name["rule-b"]["published_accuracy"] is None
    text = to_markdown(entries)
    assert "| rule-a | 1 | 0.900 ± 0.000 | 0.980 |" in text and "Paper figures: rule-a: Someone et al. 2020" in text
    assert "Against random-features (0.700): above: rule-a; not above: rule-b." in text
