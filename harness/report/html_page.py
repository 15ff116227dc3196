"""``creditbench report --format html --out DIR``: one self-contained page per suite, plus an index.

Each page carries the sortable leaderboard and, per task, the figures of
``harness.report.plots`` embedded as PNG data URIs, then the view across tasks with its performance profiles, so a page can be mailed or
archived alone.  Every string that comes from a plugin or the store goes
through Jinja2's autoescaping: a plugin named ``<script>`` renders as text.
"""

from __future__ import annotations

import base64
import time
from collections import defaultdict
from pathlib import Path

from harness.errors import HarnessError
from harness.report import plots
from harness.report.across_tasks import across_tasks
from harness.report.aggregate import aggregate, grouped, ladders
from harness.report.columns import ACROSS_TASKS_COLUMNS, COLUMNS, LADDER_CELL, across_tasks_notes, ladder_table
from harness.report.text import against_controls, robustness_notes

FIGURES = (  # (caption, draw, why a figure may be missing)
    ("learning curves", plots.learning_curves, "no finished runs"),
    ("presentations to target", plots.target_ecdf, "the task has no targets"),
    ("gradient fidelity", plots.gradient_fidelity, "no learner exposes a surrogate model"),
)
COST_FIGURE = ("score against cost", "no run lasted long enough to have a step probed for FLOPs and memory")
ROBUSTNESS_FIGURE = ("robustness brackets", "no learner has a robustness bound (no surrogate, or the metric is off)")


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("harness.report", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _task_view(name: str, runs: list[dict], registry) -> plots.TaskView:
    """From the installed task when there is one, else from what the stored runs recorded."""
    if name in registry.tasks:
        task = registry.tasks[name]
        return plots.TaskView(name, tuple(task.targets), task.chance, task.score_name)
    targets = {t for run in runs for t in run["metrics"].get("presentations_to_target", {})}
    return plots.TaskView(name, tuple(sorted(map(float, targets))))


def _sort_value(value):
    return "" if value is None else value


def _table(entries: list[dict], columns=COLUMNS) -> dict:
    return {
        "headers": [name for name, _, _ in columns],
        "rows": [[(text(e), _sort_value(sort(e))) for _, text, sort in columns] for e in entries],
    }


def suite_page(suite: str, rows: list[dict], registry) -> str:
    entries = aggregate(rows, registry)
    finished = defaultdict(list)
    for row in rows:
        if row["status"] == "finished":
            finished[row["task"]].append(row)
    tasks = []
    for (_, task_name), group in grouped(entries):
        view = _task_view(task_name, finished[task_name], registry)
        figures = [(title, draw(finished[task_name], view), why) for title, draw, why in FIGURES]
        figures.insert(2, (COST_FIGURE[0], plots.cost_fronts(group, view), COST_FIGURE[1]))
        figures.append((ROBUSTNESS_FIGURE[0], plots.robustness_brackets(group, view), ROBUSTNESS_FIGURE[1]))
        tasks.append(
            {
                "name": task_name,
                "targets": ", ".join(f"{t:g}" for t in view.targets),
                "table": _table(group),
                "sources": [(e["label"], e["published_source"]) for e in group if e["published_source"]],
                "against_controls": against_controls(group),
                "robustness_notes": robustness_notes(group),
                "figures": [(title, png and _data_uri(png), why) for title, png, why in figures],
            }
        )
    ladder_views = [
        {
            "title": f"{ladder['family']} by {ladder['parameter']}",
            "table": ladder_table(ladder),
            "cell": LADDER_CELL,
            "figure": (png := plots.scaling_ladder(ladder)) and _data_uri(png),
        }
        for ladder in ladders(entries)
    ]
    across = [
        {
            "notes": across_tasks_notes(view),
            "table": _table(view["rules"], ACROSS_TASKS_COLUMNS),
            "figure": (png := plots.performance_profiles(view)) and _data_uri(png),
        }
        for view in across_tasks(entries)
    ]
    failures = [row for row in rows if row["status"] == "failed"]
    return (
        _environment()
        .get_template("report.html")
        .render(
            suite=suite,
            tasks=tasks,
            ladders=ladder_views,
            across=across,
            failures=failures,
            versions=sorted({row["code_version"] for row in rows}),
            n_runs=len(rows),
            generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        )
    )


def tuning_page(studies) -> str:
    """The sensitivity of every study (``harness.tuning.sensitivity``), grouped by task."""
    by_task = defaultdict(list)
    for study in studies:
        figure = plots.sensitivity(study)
        by_task[study.task].append(
            {"study": study, "figure": figure and _data_uri(figure), "why": "no trial has a score yet"}
        )
    return (
        _environment()
        .get_template("tuning.html")
        .render(tasks=sorted(by_task.items()), generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    )


def write(rows: list[dict], out: str | Path, registry, studies=()) -> list[Path]:
    """Write ``<suite>.html`` per suite, ``tuning.html`` when there are ``studies`` (sensitivities), and
    ``index.html``; return the paths written."""
    by_suite = defaultdict(list)
    for row in rows:
        by_suite[row["suite"]].append(row)
    if not by_suite:
        raise HarnessError("no runs in the store to report")
    directory = Path(out)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        pages = []
        for suite, suite_rows in sorted(by_suite.items()):
            path = directory / f"{_file_name(suite)}.html"
            path.write_text(suite_page(suite, suite_rows, registry), encoding="utf-8")
            written.append(path)
            pages.append((suite, path.name, len(suite_rows)))
        if studies:
            path = directory / "tuning.html"
            path.write_text(tuning_page(studies), encoding="utf-8")
            written.append(path)
        index = directory / "index.html"
        index.write_text(
            _environment().get_template("index.html").render(pages=pages, studies=len(studies)), encoding="utf-8"
        )
    except OSError as error:
        raise HarnessError(f"cannot write the report into {out}: {error.strerror}") from None
    return [index, *written]


def _file_name(suite: str) -> str:
    """Suite names are ours, but stores can be shared: keep file names to a safe alphabet."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in suite) or "suite"
