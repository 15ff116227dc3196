"""``creditbench report --format html --out DIR``: the report as a small static site that works offline.

DIR holds ``index.html`` (per suite: the view across tasks, the map of rules by plausibility profile against
their gap to backprop, the tasks, the scaling ladders, the rules), a page per (suite, task) with its sortable
leaderboard, figures and failed runs, a page per rule (what it declares, its claims and whether they held, its
scores on every task), and ``static/`` with the scripts every page shares: BokehJS (BSD-3-Clause, its licence
beside it) and the table sorter.  Figures are Bokeh layouts from ``harness.report.plots``, coloured by one
``Palette`` for the whole site.  Every string that comes from a plugin or the store goes through Jinja2's
autoescaping (or Bokeh's JSON escaping): a plugin named ``<script>`` renders as text.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections import defaultdict
from pathlib import Path

from harness.errors import HarnessError
from harness.report import plots
from harness.report.across_tasks import across_tasks
from harness.report.aggregate import REFERENCE, aggregate, grouped, ladders
from harness.report.columns import (
    ACROSS_TASKS_COLUMNS,
    COLUMNS,
    LADDER_CELL,
    across_tasks_notes,
    interval_text,
    ladder_table,
    number,
)
from harness.report.palette import UNKNOWN_FAMILY, Palette
from harness.report.text import against_controls, robustness_notes

STATIC = "static"
TUNING_PAGE = "tuning.html"
ASV_DASHBOARD = Path(".asv/html/index.html")  # where ``make asv`` publishes (asv.conf.json's html_dir)
SORTER = "sort.js"
TASK_FIGURES = (  # (caption, draw(finished runs, view, palette), why a figure may be missing)
    ("learning curves", plots.learning_curves, "no finished runs"),
    ("presentations to target", plots.target_ecdf, "the task has no targets"),
    ("gradient fidelity", plots.gradient_fidelity, "no learner exposes a surrogate model"),
)
ENTRY_FIGURES = (  # (caption, draw(leaderboard entries, view, palette), why a figure may be missing)
    ("score against cost", plots.cost_fronts, "no run lasted long enough to have a step probed for FLOPs and memory"),
    ("robustness brackets", plots.robustness_brackets, "no learner has a robustness bound (no surrogate, or off)"),
)


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("harness.report", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )


def page_name(kind: str, *parts: str) -> str:
    """A file name from names that come from plugins: a safe alphabet, and a hash when that changed the name."""
    text = "-".join(parts)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip(".") or kind
    if safe != text:
        safe += "-" + hashlib.sha1(text.encode()).hexdigest()[:8]
    return f"{kind}-{safe}.html"


def _sort_value(value):
    return "" if value is None else value


def _table(rows: list[dict], columns, link=None) -> dict:
    """Headers and rows of (text, sort value, href or None) cells; ``link(row)`` is the first cell's href."""
    return {
        "headers": [name for name, _, _ in columns],
        "rows": [
            [
                (text(row), _sort_value(sort(row)), link(row) if link and i == 0 else None)
                for i, (_, text, sort) in enumerate(columns)
            ]
            for row in rows
        ],
    }


class Site:
    """The pages of one report: built from the store's rows and the installed plugins (``registry``)."""

    def __init__(self, rows: list[dict], registry, asv_dashboard: str | None = None, studies=(), claims=()):
        """``claims``: the paper claims the store recorded (``Store.claims``), each shown on its rules' pages."""
        self.rows = rows
        self.paper_claims = list(claims)
        self.studies = list(studies)
        self.registry = registry
        self.asv_dashboard = asv_dashboard
        self.entries = aggregate(rows, registry)
        self.algorithms = sorted({row["algorithm"] for row in rows})
        self.palette = Palette.of(
            {e["label"]: self.family(e["algorithm"]) for e in self.entries}
            | {a: self.family(a) for a in self.algorithms}
        )
        self.views = {view["suite"]: view for view in across_tasks(self.entries)}

    def family(self, algorithm: str) -> str:
        known = self.registry.algorithms.get(algorithm)
        return known.family if known else UNKNOWN_FAMILY

    def rule_page(self, algorithm: str) -> str:
        return page_name("rule", algorithm)

    def _render(self, template: str, title: str, figures: dict, **context) -> str:
        return render(template, title, figures, asv_dashboard=self.asv_dashboard, tuning=bool(self.studies), **context)

    def task_view(self, task_name: str, runs: list[dict]) -> plots.TaskView:
        """From the installed task when there is one, else from what the stored runs recorded."""
        if task_name in self.registry.tasks:
            task = self.registry.tasks[task_name]
            return plots.TaskView(task_name, tuple(task.targets), task.chance, task.score_name)
        targets = {t for run in runs for t in run["metrics"].get("presentations_to_target", {})}
        return plots.TaskView(task_name, tuple(sorted(map(float, targets))))

    def task_page(self, suite: str, task_name: str, group: list[dict]) -> str:
        runs = [r for r in self.rows if r["suite"] == suite and r["task"] == task_name]
        finished = [r for r in runs if r["status"] == "finished"]
        view = self.task_view(task_name, finished)
        figures, missing = {}, []
        for figure_list, data in ((TASK_FIGURES, finished), (ENTRY_FIGURES, group)):
            for caption, draw, why in figure_list:
                figures[caption] = draw(data, view, self.palette)
                if figures[caption] is None:
                    missing.append((caption, why))
        return self._render(
            "task.html",
            f"{task_name} ({suite} suite)",
            figures,
            suite=suite,
            task=task_name,
            targets=", ".join(f"{t:g}" for t in view.targets) or "none",
            leaderboard=_table(group, COLUMNS, lambda e: self.rule_page(e["algorithm"])),
            sources=[(e["label"], e["published_source"]) for e in group if e["published_source"]],
            against_controls=against_controls(group),
            robustness_notes=robustness_notes(group),
            captions=[caption for caption, figure in figures.items() if figure is not None],
            missing=missing,
            failures=[r for r in runs if r["status"] == "failed"],
            versions=sorted({r["code_version"] for r in runs}),
        )

    def rule_page_html(self, algorithm: str) -> str:
        declared = self.registry.algorithms.get(algorithm)
        entries = sorted(
            (e for e in self.entries if e["algorithm"] == algorithm), key=lambda e: (e["suite"], e["task"], e["label"])
        )
        references = {
            (e["suite"], e["task"]): e for e in self.entries if e["algorithm"] == REFERENCE and not e["overrides"]
        }
        rows = [
            {
                **e,
                "task_page": page_name("task", e["suite"], e["task"]),
                "score": number(e["test_score_mean"])
                + ("" if e["test_score_std"] is None else f" ± {number(e['test_score_std'])}"),
                "interval": interval_text(e.get("test_score_interval")),
                "difference": COLUMNS[4][1](e),
                "costs": ", ".join(f"{v:.3g} {unit}" for unit, v in e["cost_per_presentation"].items() if v is not None)
                or "–",
            }
            for e in entries
        ]
        return self._render(
            "rule.html",
            algorithm,
            {"scores": plots.rule_scores(entries, references, self.palette)},
            algorithm=algorithm,
            declared=declared,
            family=self.family(algorithm),
            colour=self.palette.colour(algorithm),
            profile=plots.profile_name(declared.plausibility) if declared else None,
            plausibility=[(name, getattr(declared.plausibility, field)) for field, name, _ in plots.PLAUSIBILITY_AXES]
            if declared and declared.plausibility
            else [],
            cost_units=sorted({unit for e in entries for unit in e["cost_per_presentation"]}),
            claims=self._claims(declared, entries),
            paper_claims=[_paper_claim(c) for c in self.paper_claims if algorithm in c["rules"]],
            rows=rows,
        )

    @staticmethod
    def _claims(declared, entries: list[dict]) -> list[dict]:
        """What the rule declares it reaches, against what was measured: its floors (least quick-suite test score
        on a task) and the figures it cites from its paper."""
        if declared is None:
            return []
        measured = {(e["suite"], e["task"]): e for e in entries if not e["overrides"] and not e["tuned"]}
        claims = []
        for task, floor in sorted(declared.floors.items()):
            entry = measured.get(("quick", task))
            mean = entry and entry["test_score_mean"]
            held = None if mean is None else mean >= floor
            claims.append(
                _claim(f"test score at least {floor:.3f} on {task} in the quick suite (its floor)", entry, held)
            )
        for task, (accuracy, source) in sorted(declared.published.items()):
            runs = [e for (_, name), e in measured.items() if name == task and e["test_score_mean"] is not None]
            entry = max(runs, key=lambda e: e["n_seeds"], default=None)
            high = entry and (entry.get("test_score_interval") or [None, entry["test_score_mean"]])[1]
            held = None if entry is None else high >= accuracy
            claims.append(_claim(f"{accuracy:.3f} on {task}, as published ({source})", entry, held))
        return claims

    def summary_page(self) -> str:
        suites = []
        figures = {}
        plausibility = {a: d.plausibility for a, d in self.registry.algorithms.items()}
        for suite in sorted({row["suite"] for row in self.rows}):
            view = self.views.get(suite)
            tasks = []
            for (entry_suite, task_name), group in grouped(self.entries):
                if entry_suite != suite:
                    continue
                scored = [e for e in group if e["test_score_mean"] is not None]
                best = max(scored, key=lambda e: e["test_score_mean"], default=None)
                reference = next((e for e in group if e["algorithm"] == REFERENCE and not e["overrides"]), None)
                tasks.append(
                    {
                        "name": task_name,
                        "page": page_name("task", suite, task_name),
                        "rules": len(group),
                        "best": best and f"{best['label']} ({best['test_score_mean']:.3f})",
                        "reference": reference and number(reference["test_score_mean"]),
                        "failed": sum(e["failed_runs"] for e in group),
                    }
                )
            key = _file_stem(suite)
            if view:
                figures[f"map-{key}"] = plots.plausibility_map(view, plausibility, self.palette)
                figures[f"profiles-{key}"] = plots.performance_profiles(view, self.palette)
            suite_ladders = []
            for index, ladder in enumerate(ladders([e for e in self.entries if e["suite"] == suite])):
                figures[f"ladder-{key}-{index}"] = plots.scaling_ladder(ladder, self.palette)
                suite_ladders.append(
                    {
                        "title": f"{ladder['family']} by {ladder['parameter']}",
                        "table": ladder_table(ladder),
                        "figure": f"ladder-{key}-{index}",
                    }
                )
            suites.append(
                {
                    "name": suite,
                    "key": key,
                    "runs": sum(row["suite"] == suite for row in self.rows),
                    "tasks": tasks,
                    "ladders": suite_ladders,
                    "across": view
                    and {
                        "notes": across_tasks_notes(view),
                        "table": _table(view["rules"], ACROSS_TASKS_COLUMNS, lambda r: self.rule_page(r["algorithm"])),
                    },
                }
            )
        rules = [
            {"name": a, "page": self.rule_page(a), "family": self.family(a), "colour": self.palette.colour(a)}
            for a in self.algorithms
        ]
        return self._render(
            "summary.html",
            "summary",
            figures,
            suites=suites,
            rules=rules,
            ladder_cell=LADDER_CELL,
            n_runs=len(self.rows),
            versions=sorted({row["code_version"] for row in self.rows}),
        )

    def pages(self):
        """(file name, HTML) of every page."""
        yield "index.html", self.summary_page()
        if self.studies:
            yield TUNING_PAGE, tuning_page(self.studies, self.asv_dashboard)
        for (suite, task_name), group in grouped(self.entries):
            yield page_name("task", suite, task_name), self.task_page(suite, task_name, group)
        for algorithm in self.algorithms:
            yield self.rule_page(algorithm), self.rule_page_html(algorithm)


def render(template: str, title: str, figures: dict, asv_dashboard=None, tuning=False, **context) -> str:
    """A page from ``templates/``: its Bokeh ``figures`` (name -> layout or None) embedded, the shared scripts
    linked, the navigation (summary, tuning when there are studies, the asv dashboard when there is one)."""
    import bokeh
    from bokeh.embed import components

    shown = {name: _lean(model) for name, model in figures.items() if model is not None}
    script, divs = components(shown) if shown else ("", {})
    return (
        _environment()
        .get_template(template)
        .render(
            title=title,
            script=script,
            divs=divs,
            bokeh_js=f"{STATIC}/{_bokeh_js_name()}",
            sorter=f"{STATIC}/{SORTER}",
            bokeh_version=bokeh.__version__,
            asv_dashboard=asv_dashboard,
            tuning=tuning,
            generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            **context,
        )
    )


def tuning_page(studies, asv_dashboard=None) -> str:
    """The sensitivity of every study (``harness.tuning.sensitivity``), grouped by task."""
    by_task = defaultdict(list)
    figures = {}
    for index, study in enumerate(studies):
        figures[f"study-{index}"] = plots.sensitivity(study)
        by_task[study.task].append({"study": study, "figure": f"study-{index}", "why": "no trial has a score yet"})
    return render("tuning.html", "tuning", figures, asv_dashboard, tuning=True, tasks=sorted(by_task.items()))


def _lean(model):
    """``model`` with its renderers' selection, non-selection and muted glyphs left to BokehJS to derive: Bokeh
    writes a copy of each glyph for each otherwise, a quarter of a page's bytes."""
    from bokeh.models import GlyphRenderer

    for renderer in model.select({"type": GlyphRenderer}):
        renderer.selection_glyph = renderer.nonselection_glyph = renderer.muted_glyph = "auto"
    return model


def _claim(text: str, entry: dict | None, held: bool | None) -> dict:
    measured = (
        "not run"
        if entry is None or entry["test_score_mean"] is None
        else f"{entry['test_score_mean']:.3f} {interval_text(entry.get('test_score_interval'))} ({entry['suite']} suite)"
    )
    return {"claim": text, "measured": measured, "held": held}


def _paper_claim(claim: dict) -> dict:
    """A recorded paper claim as the rule page shows it: the test's parameters (``[digits]``) after the claim."""
    parameters = claim["test"][claim["test"].index("[") :] if claim["test"].endswith("]") else ""
    return {
        "claim": f"{claim['claim']} {parameters}".strip(),
        "paper": claim["paper"],
        "test": claim["test"],
        "outcome": claim["outcome"] or "not run (pytest --benchmark)",
        "held": {"passed": True, "failed": False}.get(claim["outcome"]),
        "when": " ".join(filter(None, (claim["recorded_at"], claim["code_version"]))) or "–",
    }


def _bokeh_js_name() -> str:
    import bokeh

    return f"bokeh-{bokeh.__version__}.min.js"


def _copy_static(directory: Path) -> None:
    import bokeh
    from bokeh.util.paths import bokehjs_path

    static = directory / STATIC
    static.mkdir(exist_ok=True)
    shutil.copyfile(bokehjs_path() / "js" / "bokeh.min.js", static / _bokeh_js_name())
    shutil.copyfile(Path(bokeh.__file__).parent / "LICENSE.txt", static / "LICENSE-bokeh.txt")
    for name in (SORTER, "site.css"):
        shutil.copyfile(Path(__file__).parent / STATIC / name, static / name)


def write(
    rows: list[dict], out: str | Path, registry, asv_dashboard: str | Path | None = None, studies=(), claims=()
) -> list[Path]:
    """Write the site into ``out``; return the pages written, the summary first.  ``asv_dashboard`` is the
    asv dashboard's ``index.html`` to link to, when there is one; ``studies`` (``harness.tuning.sensitivity``)
    get a tuning page when there are any; ``claims`` (``Store.claims``) go on their rules' pages."""
    if not rows:
        raise HarnessError("no runs in the store to report")
    directory = Path(out)
    link = asv_dashboard and os.path.relpath(Path(asv_dashboard).resolve(), directory.resolve())
    site = Site(rows, registry, link, studies, claims)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _copy_static(directory)
        written = []
        for name, html in site.pages():
            path = directory / name
            path.write_text(html, encoding="utf-8")
            written.append(path)
    except OSError as error:
        raise HarnessError(f"cannot write the report into {out}: {error.strerror}") from None
    return written


def asv_dashboard() -> Path | None:
    """The asv dashboard published under the current directory, if there is one."""
    return ASV_DASHBOARD if ASV_DASHBOARD.is_file() else None


def _file_stem(name: str) -> str:
    return page_name("x", name)[2:-5]
