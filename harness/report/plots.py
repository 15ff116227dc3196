"""The report's figures, drawn from stored runs as interactive Bokeh layouts (hover for values, click a legend
entry to hide its series, wheel and box zoom), or None when there is nothing to draw.

Series are coloured by ``harness.report.palette.Palette`` and split into small multiples of at most eight
rules each, grouped by family, with ``bp-sgd`` in every panel as the reference; legends sit beside the plot,
never on it, and rule names appear only in legends, on categorical axes and in hover boxes, so they never
overprint.  Per (suite, task), from its finished runs and a ``TaskView`` (read from the store, so tasks no
longer installed still plot):

* ``learning_curves``: the test score against presentations, mean over seeds with a min–max band;
* ``target_ecdf``: the COCO-style empirical cumulative distribution of presentations-to-target over all
  (target, seed) pairs — the fraction of pairs reached by x presentations;
* ``gradient_fidelity``: cosine between the rule's update direction and backprop's gradient (hidden weight
  matrices, mean over them) against presentations;

from the task's leaderboard entries (seeds aggregated):

* ``cost_fronts``: final score against FLOPs, activation bytes and state bytes per step, with the Pareto front
  (no cheaper rule is more accurate) over every rule, the other panels' rules in grey behind;
* ``robustness_brackets``: per rule and norm, [certified lower, attack upper] (medians);

and ``scaling_ladder`` (a ladder of tasks from ``harness.report.aggregate.ladders``: score, gap to bp-sgd, memory
and time per step, and FLOPs and time relative to bp-sgd's on the same rung), ``performance_profiles``
(``harness.report.across_tasks``: each rule's fraction of tasks reached within τ times the fastest rule's
presentations), ``plausibility_map`` (each rule's gap to backprop, grouped by its plausibility profile) and
``rule_scores`` (one rule's score on every task beside the reference's).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass

from harness.metrics import fidelity
from harness.metrics.robustness import keys
from harness.report.aggregate import REFERENCE, carried_bytes, label
from harness.report.palette import Palette

TOOLS = "pan,wheel_zoom,box_zoom,reset,save"
PANEL_WIDTH, PANEL_HEIGHT = 620, 300
COLUMNS = 2  # panels per row of a grid of small multiples
GREY = "#c8c8c8"
MAX_TICKS = 7


@dataclass(frozen=True)
class TaskView:
    name: str
    targets: tuple[float, ...]
    chance: float | None = None
    score_name: str = "score"  # "accuracy", or "skill" (regression, against the task's baseline)


def _panel(title: str, x_label: str, y_label: str, x_log=True, y_log=False, **ranges):
    from bokeh.models import Legend
    from bokeh.plotting import figure

    plot = figure(
        title=title,
        width=PANEL_WIDTH,
        height=PANEL_HEIGHT,
        tools=TOOLS,
        active_scroll="wheel_zoom",
        x_axis_type="log" if x_log else "linear",
        y_axis_type="log" if y_log else "linear",
        x_axis_label=x_label,
        y_axis_label=y_label,
        **ranges,
    )
    plot.title.text_font_size = "11pt"
    legend = Legend(items=[], click_policy="hide", label_text_font_size="9pt", spacing=0, location="top_left")
    plot.add_layout(legend, "right")
    return plot


def log_ticks(low: float, high: float) -> list[float]:
    """Ticks for a log axis from ``low`` to ``high``: 1, 2 and 5 times powers of ten, or powers of ten alone when
    those would be more than ``MAX_TICKS`` (Bokeh's own ticker crowds its labels on an axis under two decades)."""
    if low <= 0 or high <= low:
        return [low, high] if low > 0 else [high]
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    for mantissas in ((1, 2, 5), (1,)):
        ticks = [m * 10.0**k for k in range(first, last + 1) for m in mantissas if low <= m * 10.0**k <= high]
        if len(ticks) <= MAX_TICKS:
            return ticks
    return ticks[:: math.ceil(len(ticks) / MAX_TICKS)]


def _log_x_ticks(plot, xs) -> None:
    from bokeh.models import FixedTicker, NumeralTickFormatter

    xs = [x for x in xs if x > 0]
    if xs:
        plot.xaxis.ticker = FixedTicker(ticks=log_ticks(min(xs), max(xs)), minor_ticks=[])
        plot.xaxis.formatter = NumeralTickFormatter(format="0.[0]a")


def _add_legend_item(plot, name: str, renderers: list) -> None:
    from bokeh.models import LegendItem

    plot.legend[0].items.append(LegendItem(label=name, renderers=renderers))


def _hover(plot, renderers: list, tooltips: list) -> None:
    from bokeh.models import HoverTool

    plot.add_tools(HoverTool(renderers=renderers, tooltips=tooltips))


def _grid(panels: list):
    from bokeh.layouts import gridplot

    return gridplot(panels, ncols=COLUMNS, toolbar_location="right", merge_tools=True)


def _by_label(runs: list[dict]) -> dict[str, list[dict]]:
    """Runs grouped by algorithm and the settings it was run with (as the leaderboard labels them)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for run in runs:
        groups[label(run["algorithm"], run.get("overrides") or {})].append(run)
    return dict(sorted(groups.items()))


def _series_over_seeds(runs: list[dict], value) -> dict[str, list]:
    """Per evaluation point (presentations): mean, min and max of ``value(point)`` over the seeds that have it."""
    by_x: dict[int, list[float]] = defaultdict(list)
    for run in runs:
        for point in run["curve"]:
            number = value(point)
            if point["presentations"] > 0 and number is not None:
                by_x[point["presentations"]].append(number)
    xs = sorted(by_x)
    return {
        "x": xs,
        "mean": [statistics.fmean(by_x[x]) for x in xs],
        "low": [min(by_x[x]) for x in xs],
        "high": [max(by_x[x]) for x in xs],
        "seeds": [len(by_x[x]) for x in xs],
    }


def _banded_lines(series: dict[str, dict], palette: Palette, x_label: str, y_label: str, **ranges):
    """Small multiples of mean lines with min–max bands; ``series`` maps a label to ``_series_over_seeds``."""
    from bokeh.models import ColumnDataSource

    panels = []
    for heading, labels in palette.panels(series):
        plot = _panel(heading, x_label, y_label, **ranges)
        lines = []
        for name in labels:
            source = ColumnDataSource({**series[name], "rule": [name] * len(series[name]["x"])})
            colour = palette.colour(name)
            band = plot.varea(x="x", y1="low", y2="high", source=source, fill_color=colour, fill_alpha=0.12)
            line = plot.line(x="x", y="mean", source=source, line_color=colour, line_width=2)
            lines.append(line)
            _add_legend_item(plot, name, [line, band])
        _log_x_ticks(plot, [x for name in labels for x in series[name]["x"]])
        _hover(
            plot,
            lines,
            [
                ("rule", "@rule"),
                ("presentations", "@x{0,0}"),
                (y_label, "@mean{0.000} (min @low{0.000}, max @high{0.000}, @seeds seeds)"),
            ],
        )
        panels.append(plot)
    return _grid(panels)


def _test_score(point):
    return point.get("test_score", point.get("test_accuracy"))


def learning_curves(runs: list[dict], task: TaskView, palette: Palette):
    series = {name: _series_over_seeds(group, _test_score) for name, group in _by_label(runs).items()}
    series = {name: s for name, s in series.items() if s["x"]}
    if not series:
        return None
    grid = _banded_lines(series, palette, "presentations", f"test {task.score_name}")
    if task.chance is not None:
        from bokeh.models import Span

        for plot, _, _ in grid.children:
            plot.add_layout(Span(location=task.chance, dimension="width", line_dash="dotted", line_color="grey"))
    return grid


def _cumulative_steps(plot, name: str, reached: list[float], total: int, end: float, palette: Palette):
    """The fraction of ``total`` reached by x, from 1 to ``end``, as a step line with its legend entry."""
    from bokeh.models import ColumnDataSource

    reached = sorted(reached)
    xs = [1, *reached, end]
    ys = [0.0, *[(i + 1) / total for i in range(len(reached))], len(reached) / total]
    source = ColumnDataSource({"x": xs, "y": ys, "rule": [name] * len(xs)})
    step = plot.step(x="x", y="y", source=source, mode="after", line_color=palette.colour(name), line_width=2)
    _add_legend_item(plot, name, [step])
    return step


def target_ecdf(runs: list[dict], task: TaskView, palette: Palette):
    if not runs or not task.targets:
        return None

    budget = max(run["budget"]["presentations"] for run in runs)
    groups = _by_label(runs)
    panels = []
    for heading, labels in palette.panels(groups):
        plot = _panel(
            heading,
            "presentations",
            f"fraction of (target, seed) pairs reached, targets {', '.join(f'{t:g}' for t in task.targets)}",
            y_range=(0, 1.02),
        )
        steps = []
        for name in labels:
            reached = [
                run["metrics"].get("presentations_to_target", {}).get(f"{target:g}")
                for run in groups[name]
                for target in task.targets
            ]
            steps.append(
                _cumulative_steps(plot, name, [p for p in reached if p is not None], len(reached), budget, palette)
            )
        _log_x_ticks(plot, [1, budget])
        _hover(plot, steps, [("rule", "@rule"), ("presentations", "@x{0,0}"), ("fraction reached", "@y{0.00}")])
        panels.append(plot)
    return _grid(panels)


def _hidden_cosine(point) -> float | None:
    cosine = fidelity.summarise(point.get("gradient_cosine"))["gradient_cosine"]
    return cosine if cosine is not None and math.isfinite(cosine) else None


def gradient_fidelity(runs: list[dict], task: TaskView, palette: Palette):
    series = {name: _series_over_seeds(group, _hidden_cosine) for name, group in _by_label(runs).items()}
    series = {name: s for name, s in series.items() if s["x"]}
    if not series:
        return None
    return _banded_lines(
        series,
        palette,
        "presentations",
        "cosine with backprop gradient",
        y_range=(-1.02, 1.02),
    )


def pareto_front(points: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """The (cost, score, name) points that no other point beats on both: cheaper-or-equal and better."""
    front = []
    for cost, score, name in sorted(points, key=lambda p: (p[0], -p[1])):
        if not front or score > front[-1][1]:
            front.append((cost, score, name))
    return front


COSTS = (
    ("flops_per_step", "FLOPs per step"),
    ("activation_bytes", "activation bytes per step"),
    ("state_bytes", "state bytes carried between steps"),
)


def cost_fronts(entries: list[dict], task: TaskView, palette: Palette):
    """Per cost, a panel per group of families, each with every rule in grey behind (when there are several)."""
    from bokeh.models import ColumnDataSource, NumeralTickFormatter

    costs = [(key, name) for key, name in COSTS if any(e.get(key) for e in entries)]
    if not costs:
        return None
    plots = []
    for key, cost_name in costs:
        points = {
            e["label"]: (e[key], e["test_score_mean"])
            for e in entries
            if e.get(key) and e.get("test_score_mean") is not None
        }
        front = pareto_front([(cost, score, name) for name, (cost, score) in points.items()])
        log_scale = len(points) > 1 and max(c for c, _ in points.values()) / min(c for c, _ in points.values()) > 10
        panels = palette.panels(points)
        for heading, labels in panels:
            plot = _panel(
                heading,
                cost_name,
                f"test {task.score_name}",
                x_log=log_scale,
            )
            if log_scale:
                _log_x_ticks(plot, [c for c, _ in points.values()])
            else:
                plot.xaxis.formatter = NumeralTickFormatter(format="0.[00]a")
            everyone = ColumnDataSource(
                {"x": [c for c, _ in points.values()], "y": [s for _, s in points.values()], "rule": list(points)}
            )
            background = plot.scatter(x="x", y="y", source=everyone, size=7, color=GREY, visible=len(panels) > 1)
            line = plot.step(
                x=[p[0] for p in front], y=[p[1] for p in front], mode="after", line_color="#d62728", line_dash="dashed"
            )
            if len(panels) > 1:
                _add_legend_item(plot, "other rules", [background])
            _add_legend_item(plot, "Pareto front (all rules)", [line])
            markers = []
            for name in labels:
                cost, score = points[name]
                source = ColumnDataSource({"x": [cost], "y": [score], "rule": [name]})
                marker = plot.scatter(x="x", y="y", source=source, size=10, color=palette.colour(name))
                markers.append(marker)
                _add_legend_item(plot, name, [marker])
            _hover(plot, [background, *markers], [("rule", "@rule"), (cost_name, "@x{0.000a}"), ("score", "@y{0.000}")])
            plots.append(plot)
    return _grid(plots)


def _dot_plot(title: str, factors: list, x_label: str, **ranges):
    """A plot whose y axis is categorical (one row per factor, nested factors allowed), legend beside it."""
    from bokeh.models import FactorRange
    from bokeh.plotting import figure

    plot = figure(
        title=title,
        width=PANEL_WIDTH + 300,
        height=90 + 22 * len(factors),
        tools=TOOLS,
        y_range=FactorRange(*factors),
        x_axis_label=x_label,
        **ranges,
    )
    plot.title.text_font_size = "11pt"
    plot.ygrid.grid_line_color = None
    return plot


def robustness_brackets(entries: list[dict], task: TaskView, palette: Palette):
    """Per norm, each rule's bracket from its certified lower to its attack upper bound (medians over points,
    then seeds); a rule with an attack bound but no certificate is drawn from 0, dashed."""
    from bokeh.layouts import column
    from bokeh.models import ColumnDataSource

    rows = [e for e in entries if any(e.get(keys.quartile("upper", n, "median")) is not None for n in keys.NORMS)]
    if not rows:
        return None
    names = sorted((e["label"] for e in rows), reverse=True)
    plots = []
    for norm, norm_label in keys.NORM_LABELS.items():
        data = defaultdict(list)
        for entry in rows:
            lower, upper = (entry.get(keys.quartile(bound, norm, "median")) for bound in keys.BOUNDS)
            if upper is None:
                continue
            tightness = entry.get(keys.tightness(norm))
            data["rule"].append(entry["label"])
            data["lower"].append(0.0 if lower is None else lower)
            data["upper"].append(upper)
            data["colour"].append(palette.colour(entry["label"]))
            data["dash"].append("dashed" if lower is None else "solid")
            data["note"].append("no certificate" if lower is None else f"{tightness:.2f}" if tightness else "–")
        plot = _dot_plot(
            f"{task.name}: {norm_label} robustness bracket, certified lower to attack upper (medians)",
            names,
            f"{norm_label} perturbation",
        )
        source = ColumnDataSource(data)
        bars = plot.segment(
            x0="lower", y0="rule", x1="upper", y1="rule", source=source, line_color="colour", line_width=4
        )
        bars.glyph.line_dash = "solid"
        plot.scatter(x="upper", y="rule", source=source, marker="dash", angle=math.pi / 2, size=14, color="#d62728")
        _hover(plot, [bars], [("rule", "@rule"), ("bracket", "@lower{0.000} – @upper{0.000}"), ("tightness", "@note")])
        plots.append(plot)
    return column(plots)


def _gap_to_reference(entry):
    difference = entry.get("vs_reference")
    return difference["mean"] if difference else (0.0 if entry["algorithm"] == REFERENCE else None)


def _relative(key: str):
    """An entry's ``key`` over the reference's on the same rung, or None."""

    def measure(entry, reference):
        value, by = entry.get(key), (reference or {}).get(key)
        return value / by if value is not None and by else None

    return measure


LADDER_PANELS = (  # (quantity, its value for an entry and the reference's on its rung, whether the y axis is log)
    ("test score", lambda e, _: e.get("test_score_mean"), False),
    (f"paired difference to {REFERENCE}", lambda e, _: _gap_to_reference(e), False),
    ("peak bytes per step", lambda e, _: e.get("peak_bytes"), True),
    ("activation bytes per step", lambda e, _: e.get("activation_bytes"), True),
    ("activation + state bytes per step", lambda e, _: carried_bytes(e), True),
    ("seconds per step", lambda e, _: e.get("step_seconds"), True),
    (f"FLOPs per step / {REFERENCE}'s", _relative("flops_per_step"), False),
    (f"seconds per step / {REFERENCE}'s", _relative("step_seconds"), False),
)


def scaling_ladder(ladder: dict, palette: Palette):
    """Score, paired difference to the reference, peak, activation and activation + state bytes and wall time per
    step, and FLOPs and wall time per step relative to the reference's on the same rung, against the ladder's
    parameter: a panel per quantity and per group of families."""
    from bokeh.models import ColumnDataSource, FixedTicker

    reference = ladder["rows"].get(REFERENCE, {})
    series = {
        name: [(value, by_value[value], reference.get(value)) for value in ladder["values"] if value in by_value]
        for name, by_value in sorted(ladder["rows"].items())
    }
    if not any(carried_bytes(entry) for points in series.values() for _, entry, _ in points):
        return None
    panels = []
    for quantity, measure, logarithmic in LADDER_PANELS:
        for heading, labels in palette.panels(series):
            plot = _panel(heading, ladder["parameter"], quantity, y_log=logarithmic)
            plot.xaxis.ticker = FixedTicker(ticks=list(ladder["values"]))
            lines = []
            for name in labels:
                shown = [(x, measure(entry, on_rung)) for x, entry, on_rung in series[name]]
                shown = [(x, y) for x, y in shown if y is not None and (y > 0 or not logarithmic)]
                source = ColumnDataSource(
                    {"x": [x for x, _ in shown], "y": [y for _, y in shown], "rule": [name] * len(shown)}
                )
                colour = palette.colour(name)
                line = plot.line(x="x", y="y", source=source, line_color=colour, line_width=2)
                dots = plot.scatter(x="x", y="y", source=source, color=colour, size=7)
                lines.append(dots)
                _add_legend_item(plot, name, [line, dots])
            _hover(plot, lines, [("rule", "@rule"), (ladder["parameter"], "@x"), (quantity, "@y{0.000a}")])
            panels.append(plot)
    return _grid(panels)


def performance_profiles(view: dict, palette: Palette):
    """Dolan–Moré profiles of a view across tasks, τ on a log axis up to past the largest finite ratio."""
    from bokeh.models import Span

    ratios = [r for rule in view["rules"] for r in rule["ratios"].values() if r is not None]
    if not ratios:
        return None
    tau_max = max(2 * view["r_max"], 2 * max(ratios))
    n_tasks = len(view["tasks"])
    rules = {rule["algorithm"]: rule for rule in view["rules"]}
    panels = []
    for heading, labels in palette.panels(rules):
        plot = _panel(
            heading,
            "τ (presentations to the profile target / the fastest rule's)",
            f"fraction of the {n_tasks} tasks",
            y_range=(0, 1.02),
        )
        plot.add_layout(Span(location=view["r_max"], dimension="height", line_dash="dotted", line_color="grey"))
        steps = []
        for name in labels:
            reached = [r for r in rules[name]["ratios"].values() if r is not None]
            steps.append(_cumulative_steps(plot, name, reached, n_tasks, tau_max, palette))
        _log_x_ticks(plot, [1, tau_max])
        _hover(plot, steps, [("rule", "@rule"), ("τ", "@x{0.00}"), ("fraction of tasks", "@y{0.00}")])
        panels.append(plot)
    return _grid(panels)


def _interval_source(rows: list[dict]):
    """Rows of {"factor", "value", "low", "high", "rule", "colour", "text"} as a source for dots with whiskers."""
    from bokeh.models import ColumnDataSource

    return ColumnDataSource({key: [row[key] for row in rows] for key in rows[0]})


def _dots_with_intervals(plot, rows: list[dict], tooltips: list):
    source = _interval_source(rows)
    plot.segment(x0="low", y0="factor", x1="high", y1="factor", source=source, line_color="colour", line_width=2)
    dots = plot.scatter(x="value", y="factor", source=source, color="colour", size=9)
    _hover(plot, [dots], tooltips)


def plausibility_map(view: dict, plausibility: dict, palette: Palette):
    """Each rule's gap to backprop (IQM normalised score − 1, with its interval) on a row of its own, rows grouped
    by the rule's plausibility profile (``profile_name``)."""
    from bokeh.models import Span

    rows = []
    for rule in view["rules"]:
        iqm = rule["iqm_normalised_score"]
        if iqm is None:
            continue
        low, high = rule["iqm_interval"] or (iqm, iqm)
        profile = profile_name(plausibility.get(rule["algorithm"]))
        rows.append(
            {
                "factor": (profile, rule["algorithm"]),
                "value": iqm - 1,
                "low": low - 1,
                "high": high - 1,
                "rule": rule["algorithm"],
                "colour": palette.colour(rule["algorithm"]),
                "text": profile,
            }
        )
    if not rows:
        return None
    rows.sort(key=lambda row: (row["factor"][0], -row["value"]), reverse=True)
    plot = _dot_plot(
        f"rules by plausibility profile against their gap to {REFERENCE} ({view['suite']} suite)",
        [row["factor"] for row in rows],
        f"gap to {REFERENCE}: IQM normalised score − 1 (0 = {REFERENCE}, −1 = {view['floor']}), 95% CI",
    )
    plot.add_layout(Span(location=0, dimension="height", line_color="black", line_dash="dotted"))
    plot.yaxis.group_label_orientation = "horizontal"
    _dots_with_intervals(
        plot, rows, [("rule", "@rule"), ("profile", "@text"), ("gap", "@value{+0.000} [@low{+0.000}, @high{+0.000}]")]
    )
    return plot


PLAUSIBILITY_AXES = (  # (field of harness.Plausibility, what the profile says when it holds, when it does not)
    ("weight_transport", "weight transport", "no weight transport"),
    ("backward_phase", "backward phase", "no backward phase"),
    ("local_updates", "local", "non-local"),
)


def profile_name(plausibility) -> str:
    if plausibility is None:
        return "profile not declared"
    return " · ".join(yes if getattr(plausibility, field) else no for field, yes, no in PLAUSIBILITY_AXES)


def rule_scores(entries: list[dict], references: dict, palette: Palette):
    """One rule's mean test score with its 95% interval on each (suite, task), the reference's beside it."""
    shown = {}  # factor -> entry, the reference once per task
    for entry in entries:
        if entry["test_score_mean"] is not None:
            task = (entry["suite"], entry["task"])
            shown[(*task, entry["label"])] = entry
            reference = references.get(task)
            if reference is not None and reference["test_score_mean"] is not None:
                shown[(*task, reference["label"])] = reference
    rows = []
    for factor, entry in shown.items():
        mean = entry["test_score_mean"]
        low, high = entry.get("test_score_interval") or (mean, mean)
        rows.append(
            {
                "factor": factor,
                "value": mean,
                "low": low,
                "high": high,
                "rule": entry["label"],
                "colour": palette.colour(entry["label"]),
                "text": entry["score_name"],
            }
        )
    if not rows:
        return None
    plot = _dot_plot(
        "test score on each task (mean, 95% CI), with the reference's", [r["factor"] for r in rows], "test score"
    )
    plot.yaxis.group_label_orientation = "horizontal"
    plot.yaxis.subgroup_label_orientation = "horizontal"
    _dots_with_intervals(plot, rows, [("rule", "@rule"), ("@text", "@value{0.000} [@low{0.000}, @high{0.000}]")])
    return plot


def sensitivity(study):
    """DeepOBS-style sensitivity of one study (``harness.tuning.sensitivity.Sensitivity``): the validation score of
    every scored trial against each searched setting, completed trials filled, pruned ones hollow (their last
    reported score), the best completed trial starred; a panel per setting."""
    if not study.trials:
        return None
    from bokeh.models import ColumnDataSource
    from bokeh.plotting import figure

    panels = []
    for name, points in sorted(study.settings.items()):
        numeric = all(isinstance(p.value, (int, float)) and not isinstance(p.value, bool) for p in points)
        xs = [p.value if numeric else str(p.value) for p in points]
        axis = (
            {"x_axis_type": "log" if name in study.log_scale else "linear"} if numeric else {"x_range": sorted(set(xs))}
        )
        plot = figure(
            title=f"{study.algorithm} on {study.task}: {name}",
            width=420,
            height=300,
            tools=TOOLS,
            x_axis_label=name,
            y_axis_label="validation score",
            **axis,
        )
        renderers = []
        for pruned, style in ((False, {"color": "#1f77b4"}), (True, {"fill_color": None, "line_color": "grey"})):
            shown = [(x, p.score) for x, p in zip(xs, points, strict=True) if p.pruned == pruned]
            if shown:
                source = ColumnDataSource({"x": [x for x, _ in shown], "y": [y for _, y in shown]})
                renderers.append(
                    plot.scatter(
                        x="x",
                        y="y",
                        source=source,
                        size=8,
                        legend_label="pruned (last report)" if pruned else "completed",
                        **style,
                    )
                )
        if study.best is not None:
            plot.scatter(
                [xs[study.best]],
                [points[study.best].score],
                marker="star",
                size=16,
                color="#d62728",
                legend_label="best",
            )
        plot.legend.click_policy = "hide"
        plot.legend.location = "bottom_right"
        _hover(plot, renderers, [(name, "@x"), ("validation score", "@y{0.000}")])
        panels.append(plot)
    from bokeh.layouts import row

    return row(panels)
