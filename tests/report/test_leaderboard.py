from types import SimpleNamespace

import pytest

from harness.report.aggregate import aggregate, ladders
from harness.report.text import to_csv, to_json, to_markdown


def _row(seed, accuracy, reached, status="finished"):
    metrics = {
        "test_accuracy": accuracy,
        "aulc": accuracy / 2,
        "presentations_to_target": {"0.5": reached},
        "step_seconds": 0.001,
        "gradient_cosine": 0.5,
        "gradient_cosine_layers": {"0.weight": 0.5},
    }
    return {
        "suite": "quick",
        "task": "digits",
        "algorithm": "<script>x</script>",
        "seed": seed,
        "status": status,
        "reason": "boom" if status == "failed" else None,
        "metrics": metrics if status == "finished" else {},
    }


def test_leaderboard_aggregates_over_seeds_and_counts_failures_apart():
    [entry] = aggregate([_row(0, 0.8, 100), _row(1, 0.9, None), _row(2, 0.7, 300), _row(3, 0, 0, status="failed")])
    assert entry["n_seeds"] == 3 and entry["failed_runs"] == 1 and entry["failure_reasons"] == ["boom"]
    assert entry["test_accuracy_mean"] == pytest.approx(0.8) and entry["test_accuracy_std"] == pytest.approx(0.1)
    assert entry["test_score_mean"] == pytest.approx(0.8)  # rows stored before scores existed rank by accuracy
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

    def algorithm(name, family, published=None, pretraining=0):
        return SimpleNamespace(
            name=name, family=family, published=published or {}, pretraining_presentations=pretraining
        )

    algorithms = [
        algorithm("rule-a", "x", {"digits": (0.98, "Someone et al. 2020, full MNIST")}),
        algorithm("rule-b", "x", pretraining=5000),
        algorithm("random-features", "control"),
    ]
    registry = SimpleNamespace(
        algorithms={a.name: a for a in algorithms},
        tasks={},
        published=lambda: {("digits", "rule-a"): (0.98, "Someone et al. 2020, full MNIST")},
    )
    entries = aggregate([row("rule-a", 0.9), row("rule-b", 0.5), row("random-features", 0.7)], registry)
    by_name = {e["algorithm"]: e for e in entries}
    assert by_name["rule-a"]["published_accuracy"] == 0.98 and by_name["rule-b"]["published_accuracy"] is None
    text = to_markdown(entries)
    assert (
        "| rule-a | 1 | 0.900 ± 0.000 | – | – | 0.980 |" in text
        and "Paper figures: rule-a: Someone et al. 2020" in text
    )
    assert "Against random-features (0.700): above: rule-a; not above: rule-b." in text
    assert "Pre-trained before the task budget (presentations of its own training distribution): rule-b 5,000" in text


def test_tasks_on_a_ladder_get_a_table_of_score_gap_memory_and_time_per_step_by_the_parameter():
    def row(task, algorithm, activation, state, seconds, suite="ladder", score=0.5):
        metrics = {
            "test_score": score,
            "activation_bytes": activation,
            "state_bytes": state,
            "step_seconds": seconds,
            "peak_bytes": 4 * activation,
        }
        return {
            "suite": suite,
            "task": task,
            "algorithm": algorithm,
            "seed": 0,
            "status": "finished",
            "reason": None,
            "metrics": metrics,
        }

    tasks = {
        name: SimpleNamespace(name=name, score_name="skill", ladder=("adding", "sequence length", length))
        for name, length in (("adding-10", 10), ("adding-100", 100))
    }
    registry = SimpleNamespace(algorithms={}, tasks=tasks, published=lambda: {})
    rows = [
        row("adding-10", "bptt", 1024, 1024, 0.001),
        row("adding-100", "bptt", 10 * 1024, 1024, 0.01),
        row("adding-10", "uoro", 0, 2048, 0.002),
        row("adding-10", "bp-sgd", 1024, 1024, 0.001, score=0.75),
        row("adding-100", "bp-sgd", 1024, 1024, 0.001, score=0.5),
        row("adding-10", "bptt", 1024, 1024, 0.001, suite="quick"),  # the quick suite has one rung: no ladder
    ]
    [ladder] = ladders(aggregate(rows, registry))
    assert (
        ladder["suite"] == "ladder"
        and ladder["values"] == [10, 100]
        and set(ladder["rows"]) == {"bptt", "uoro", "bp-sgd"}
    )
    text = to_markdown(aggregate(rows, registry))
    assert "### Scaling ladder: adding by sequence length (ladder suite)" in text
    assert "Scaling ladder: adding by sequence length (quick suite)" not in text
    # the score, its paired difference to bp-sgd on that rung (one seed: no interval), memory and time
    assert (
        "| bptt | 0.500 (-0.250 –) · 4.0 / 2.0 KiB · 1.00 ms | 0.500 (+0.000 –) · 40.0 / 11.0 KiB · 10.00 ms |" in text
    )
    assert "| uoro | 0.500 (-0.250 –) · 0.0 / 2.0 KiB · 2.00 ms | not run |" in text
    assert "| bp-sgd | 0.750 (reference) · 4.0 / 2.0 KiB · 1.00 ms | 0.500 (reference)" in text
    from harness.report.palette import Palette
    from harness.report.plots import LADDER_PANELS, scaling_ladder

    panels = scaling_ladder(ladder, Palette.of({"bptt": "bptt", "uoro": "rtrl", "bp-sgd": "backprop"})).children
    assert len(panels) == len(LADDER_PANELS) == 8  # a panel per quantity; the three rules fit in one each


def test_runs_with_other_settings_are_entries_of_their_own():
    rows = [_row(0, 0.8, 100), _row(1, 0.9, 100), {**_row(0, 0.3, None), "overrides": {"lr": 0.5, "cell": "lstm"}}]
    entries = {e["label"]: e for e in aggregate(rows)}
    assert set(entries) == {"<script>x</script>", "<script>x</script> [cell=lstm, lr=0.5]"}
    assert (
        entries["<script>x</script>"]["n_seeds"] == 2
        and entries["<script>x</script> [cell=lstm, lr=0.5]"]["n_seeds"] == 1
    )


def test_a_rule_read_by_the_probe_is_ranked_against_its_matched_controls_not_the_sgd_trained_ones():
    def row(algorithm, accuracy, **metrics):
        base = _row(0, accuracy, 100)
        return {**base, "algorithm": algorithm, "metrics": {**base["metrics"], **metrics}}

    registry = SimpleNamespace(
        algorithms={
            name: SimpleNamespace(name=name, family=family, published={}, pretraining_presentations=0)
            for name, family in (("rule", "x"), ("rbm", "boltzmann"), ("linear", "control"))
        },
        tasks={},
        published=dict,
    )
    controls = {"probe_untrained_test_score": 0.82, "probe_random_relu_test_score": 0.95, "probe_gain": 0.02}
    entries = aggregate([row("rule", 0.9), row("rbm", 0.97, **controls), row("linear", 0.94)], registry)
    text = to_markdown(entries)
    assert "Against linear (0.940): above: none; not above: rule." in text
    assert (
        "rbm is read out by the harness's probe; the same probe scores 0.820 on the untrained network and 0.950 "
        "on random ReLU features of the same width: rbm is +0.020 above the stronger." in text
    )


def _versioned(seed, accuracy, version, finished_at):
    return {**_row(seed, accuracy, 100), "code_version": version, "finished_at": finished_at}


def test_plugin_versions_are_never_pooled_the_latest_by_default_the_older_on_request():
    """The issue's case: seeds 0 and 1 run under 0.1, then again after a bump to 0.2; no "4 seeds" row."""
    old = [_versioned(seed, 0.5, "creditbench==0.3.0;rule==0.1", "2026-01-01T00:00:0{seed}Z") for seed in (0, 1)]
    new = [_versioned(seed, 0.9, "creditbench==0.3.0;rule==0.2", "2026-02-01T00:00:0{seed}Z") for seed in (0, 1)]
    [entry] = aggregate(old + new)
    assert entry["n_seeds"] == 2 and entry["test_score_mean"] == pytest.approx(0.9) and entry["latest_version"]
    entries = {e["label"]: e for e in aggregate(old + new, all_versions=True)}
    assert set(entries) == {"<script>x</script>", "<script>x</script> @ creditbench==0.3.0;rule==0.1"}
    assert [e["n_seeds"] for e in entries.values()] == [2, 2]
    assert entries["<script>x</script> @ creditbench==0.3.0;rule==0.1"]["test_score_mean"] == pytest.approx(0.5)


def test_runs_on_a_gpu_are_entries_of_their_own():
    rows = [_row(0, 0.8, 100), {**_row(1, 0.6, 100), "environment": {"device": "cuda:0"}}]
    entries = {e["label"]: e["n_seeds"] for e in aggregate(rows)}
    assert entries == {"<script>x</script>": 1, "<script>x</script> [device=cuda:0]": 1}
