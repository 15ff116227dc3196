"""The view across tasks on hand-made inputs whose answers are known."""

import json
import math

import pytest

from harness.report.across_tasks import (
    across_tasks,
    integrated_profile,
    interquartile_mean,
    probability_of_improvement,
    profile,
)
from harness.report.aggregate import aggregate
from harness.report.text import render_across_tasks, to_markdown


def test_a_profile_counts_the_tasks_within_tau_of_the_fastest():
    ratios = [1.0, 2.0, math.inf]
    assert profile(ratios, 1) == pytest.approx(1 / 3)
    assert profile(ratios, 2) == pytest.approx(2 / 3) and profile(ratios, 4) == pytest.approx(2 / 3)


def test_the_integrated_profile_is_the_mean_of_the_profile_from_1_to_r_max():
    assert integrated_profile([1.0, 1.0]) == pytest.approx(1.0)  # fastest everywhere
    assert integrated_profile([4.0, math.inf]) == pytest.approx(0.0)  # never better than 4x the fastest
    assert integrated_profile([1.0, 2.0, math.inf]) == pytest.approx((3 + 2 + 0) / 3 / 3)
    # against a fine Riemann sum of ρ over [1, 4]
    ratios = [1.3, 2.7, 3.9, 8.0]
    steps = 30_000
    riemann = sum(profile(ratios, 1 + 3 * (i + 0.5) / steps) for i in range(steps)) / steps
    assert integrated_profile(ratios) == pytest.approx(riemann, abs=1e-3)


def test_the_interquartile_mean_pools_the_tasks_and_drops_a_quarter_at_each_end():
    assert interquartile_mean([[1, 2, 3, 4, 5, 6, 7, 8]]) == pytest.approx(4.5)
    assert interquartile_mean([[1, 2, 3, 4], [5, 6, 7, 100]]) == pytest.approx(4.5)  # the outlier is cut


@pytest.mark.parametrize(
    "rule, reference, expected",
    [
        ([[0.9, 0.8]], [[0.1, 0.2]], 1.0),
        ([[0.5, 0.6, 0.7]], [[0.5, 0.6, 0.7]], 0.5),  # identical: every tie counts one half
        ([[3, 4]], [[1, 2, 5]], 4 / 6),
        ([[1, 1], [0, 0]], [[0, 0], [1, 1]], 0.5),  # better on one task, worse on the other
    ],
)
def test_the_probability_of_improvement_is_the_mean_over_tasks_of_p_x_above_y(rule, reference, expected):
    value, interval = probability_of_improvement(rule, reference)
    assert value == pytest.approx(expected)
    assert interval[0] - 1e-12 <= value <= interval[1] + 1e-12


def _row(task, algorithm, seed, score, reached):
    return {
        "suite": "quick",
        "task": task,
        "algorithm": algorithm,
        "seed": seed,
        "status": "finished",
        "reason": None,
        "metrics": {"test_score": score, "presentations_to_target": {"0.5": reached, "0.9": None}},
    }


def _rows():
    """Two tasks; bp-sgd at 0.9 (reaching the first target in 100 presentations), random-features at 0.5
    (never), a clone of bp-sgd, a rule that learns half as fast, and a noise-update control at the floor."""
    rows = []
    for task, shift in (("digits", 0.0), ("mnist1d", -0.2)):
        for seed in range(3):
            rows += [
                _row(task, "bp-sgd", seed, 0.9 + shift, 100),
                _row(task, "bp-clone", seed, 0.9 + shift, 100),
                _row(task, "slow", seed, 0.7 + shift + 0.01 * seed, 200),
                _row(task, "random-features", seed, 0.5 + shift, None),
                _row(task, "noise-updates", seed, 0.5 + shift, None),
            ]
    return rows


def _view():
    [view] = across_tasks(aggregate(_rows()))
    return view, {rule["algorithm"]: rule for rule in view["rules"]}


def test_bp_sgd_scores_one_and_random_features_zero_and_an_identical_rule_ties():
    view, rules = _view()
    assert view["tasks"] == ["digits", "mnist1d"] and view["normalised_tasks"] == ["digits", "mnist1d"]
    assert view["targets"] == {"digits": "0.5", "mnist1d": "0.5"}
    assert rules["bp-sgd"]["iqm_normalised_score"] == pytest.approx(1.0)
    assert rules["random-features"]["iqm_normalised_score"] == pytest.approx(0.0)
    assert rules["bp-clone"]["iqm_normalised_score"] == pytest.approx(1.0)
    assert rules["bp-clone"]["probability_of_improvement"] == pytest.approx(0.5)


def test_a_noise_update_control_scores_zero_and_never_improves_on_bp_sgd():
    _, rules = _view()
    control = rules["noise-updates"]
    assert control["iqm_normalised_score"] == pytest.approx(0.0) and control["iqm_interval"] == pytest.approx([0, 0])
    assert control["probability_of_improvement"] == pytest.approx(0.0)
    assert control["profile"] == {"1": 0.0, "2": 0.0, "4": 0.0} and control["integrated_profile"] == 0.0


def test_a_rule_half_as_fast_has_ratio_two_and_its_interval_holds_its_iqm():
    _, rules = _view()
    slow = rules["slow"]
    assert slow["ratios"] == {"digits": pytest.approx(2.0), "mnist1d": pytest.approx(2.0)}
    assert slow["profile"] == {"1": 0.0, "2": 1.0, "4": 1.0}
    assert slow["integrated_profile"] == pytest.approx(2 / 3)
    assert rules["bp-sgd"]["integrated_profile"] == pytest.approx(1.0)
    low, high = slow["iqm_interval"]
    assert low <= slow["iqm_normalised_score"] <= high and low < high
    assert slow["iqm_normalised_score"] == pytest.approx(0.525)  # 0.5, 0.525, 0.55 on each task
    _, again = _view()
    assert again["slow"]["iqm_interval"] == slow["iqm_interval"]  # a fixed RNG seed: the same every time


def test_the_profile_target_is_the_highest_target_bp_sgd_reaches():
    rows = [{**r, "metrics": {**r["metrics"], "presentations_to_target": {"0.5": 10, "0.9": 400}}} for r in _rows()]
    rows = [r for r in rows if r["algorithm"] in ("bp-sgd", "slow")]
    for row in rows:
        if row["algorithm"] == "slow":
            row["metrics"]["presentations_to_target"] = {"0.5": 5, "0.9": None}  # faster to 0.5, never 0.9
    [view] = across_tasks(aggregate(rows))
    rules = {rule["algorithm"]: rule for rule in view["rules"]}
    assert view["targets"] == {"digits": "0.9", "mnist1d": "0.9"}
    assert rules["bp-sgd"]["profile"]["1"] == 1.0 and rules["slow"]["profile"]["4"] == 0.0


def test_a_task_where_bp_sgd_does_not_beat_the_floor_is_not_normalised():
    rows = [r for r in _rows() if r["task"] == "digits"]
    rows += [_row("blobs", "bp-sgd", seed, 0.5, 100) for seed in range(2)]
    rows += [_row("blobs", "random-features", seed, 0.6, None) for seed in range(2)]
    [view] = across_tasks(aggregate(rows))
    assert view["normalised_tasks"] == ["digits"]
    assert view["not_normalised"] == {"blobs": "bp-sgd does not beat random-features"}
    assert view["tasks"] == ["blobs", "digits"]  # profiles still count it


def test_every_format_shows_the_view():
    entries = aggregate(_rows())
    markdown = to_markdown(entries)
    assert "### Across tasks (quick suite)" in markdown
    assert "| algorithm | tasks | IQM normalised score [95% CI] | P(better than bp-sgd) [95% CI] |" in markdown
    assert "| slow | 2 | 0.525 [" in markdown and "digits (0.5)" in markdown
    [view] = json.loads(render_across_tasks(entries, "json"))
    assert {"iqm_normalised_score", "iqm_interval", "probability_of_improvement", "integrated_profile"} <= set(
        view["rules"][0]
    )
    csv_text = render_across_tasks(entries, "csv")
    assert "probability_of_improvement_interval" in csv_text and "ratios:digits" in csv_text
    assert render_across_tasks(entries, "md") in markdown


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory):
    """The hand-made runs above, saved as a store the CLI and the README generator read."""
    from harness.results.store import Store

    path = tmp_path_factory.mktemp("store") / "tiny.sqlite"
    environment = {"creditbench": "0", "packages": {"torch": "0"}, "device": "cpu", "git_commit": "abc"}
    with Store(path) as store:
        for number, row in enumerate(_rows()):
            store.save(
                {
                    **row,
                    "run_key": f"run-{number}",
                    "overrides": {},
                    "config": {},
                    "budget": {"presentations": 1000},
                    "code_version": "test",
                    "curve": [{"presentations": 100, "test_score": row["metrics"]["test_score"]}],
                    "environment": environment,
                    "wall_seconds": 1.0,
                    "finished_at": "2026-01-01T00:00:00",
                }
            )
    return path


def test_the_cli_prints_the_view_alone_and_refuses_it_for_html(tiny_store):
    from tests.test_cli import creditbench

    [view] = json.loads(creditbench("report", "--db", str(tiny_store), "--across-tasks", "--format", "json").stdout)
    assert view["suite"] == "quick" and view["rules"][0]["algorithm"] in {"bp-sgd", "bp-clone"}
    refused = creditbench(
        "report", "--db", str(tiny_store), "--across-tasks", "--format", "html", "--out", "x", check=False
    )
    assert refused.returncode == 2 and "--across-tasks is a section of every HTML page" in refused.stderr


def test_the_html_page_has_the_view_and_its_profile_figure(tiny_store, tmp_path):
    from harness.report.site import page_name
    from tests.test_cli import creditbench

    creditbench("report", "--db", str(tiny_store), "--format", "html", "--out", str(tmp_path / "html"))
    summary = (tmp_path / "html" / "index.html").read_text()
    assert "<h3>Across tasks</h3>" in summary and "IQM normalised score [95% CI]" in summary
    assert "<figcaption>performance profiles on presentations to target</figcaption>" in summary
    task = (tmp_path / "html" / page_name("task", "quick", "digits")).read_text()
    assert '<th scope="col">vs bp-sgd (paired)</th>' in task and "reference" in task


def test_the_readme_generator_emits_the_new_columns_and_the_view(tiny_store, tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPO

    readme = tmp_path / "README.md"
    readme.write_text("before\n<!-- leaderboard:start -->\nold\n<!-- leaderboard:end -->\nafter\n")
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "update_readme.py"), str(tiny_store), str(readme)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text, full = readme.read_text(), (tmp_path / "LEADERBOARD.md").read_text()
    assert text.startswith("before\n<!-- leaderboard:start -->\nGenerated from") and text.endswith("after\n")
    assert "old" not in text and "### Across tasks (quick suite)" in text and "[LEADERBOARD.md](LEADERBOARD.md)" in text
    assert "| 95% CI | vs bp-sgd (paired) |" not in text  # the tasks' tables are in LEADERBOARD.md only
    assert full.startswith("# creditbench leaderboard\n\nGenerated from") and "| 95% CI | vs bp-sgd (paired) |" in full
    assert "### Across tasks (quick suite)" in full
