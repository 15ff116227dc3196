"""The report's figures, drawn from stored runs with matplotlib's Agg canvas and returned as PNG bytes.

Each function takes the finished runs of one (suite, task) and a ``TaskView``
(read from the store, so tasks that are no longer installed still plot) and
returns one figure, or None when there is nothing to draw:

* ``learning_curves``: the test score against presentations, mean over seeds
  with a min–max band;
* ``target_ecdf``: the COCO-style empirical cumulative distribution of
  presentations-to-target over all (target, seed) pairs — the fraction of pairs
  reached by x presentations;
* ``cost_fronts``: final score against FLOPs per step and against
  activation bytes per step, with the Pareto front (no cheaper run is more
  accurate) drawn through the non-dominated algorithms;
* ``scaling_ladder`` (one per ladder of tasks, from ``harness.report.aggregate.ladders``):
  test score, paired difference to bp-sgd, memory, time per training step, and FLOPs and time relative to bp-sgd's
  on the same rung, against the parameter the tasks vary.
* ``gradient_fidelity``: cosine between the rule's update direction and backprop's gradient (hidden layers)
  (mean over weight matrices) against presentations.

and, for the view across tasks (``harness.report.across_tasks``), ``performance_profiles``: each rule's
fraction of tasks reached within τ times the fastest rule's presentations, against τ.
"""

from __future__ import annotations

import io
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass

from harness.metrics import fidelity
from harness.metrics.robustness import keys
from harness.report.aggregate import REFERENCE, carried_bytes, label


@dataclass(frozen=True)
class TaskView:
    name: str
    targets: tuple[float, ...]
    chance: float | None = None
    score_name: str = "score"  # "accuracy", or "skill" (regression, against the task's baseline)


def _figure(width=6.4, height=4.0, columns=1, rows=1):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width * columns, height * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).flatten()
    return figure, axes


def _png(figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def _by_algorithm(runs: list[dict]) -> dict[str, list[dict]]:
    """Runs grouped by algorithm and the settings it was run with (as the leaderboard labels them)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for run in runs:
        groups[label(run["algorithm"], run.get("overrides") or {})].append(run)
    return dict(sorted(groups.items()))


def _legend(axes) -> None:
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize="small", ncols=2)


def _series_over_seeds(runs: list[dict], value) -> tuple[list, list, list, list]:
    """Per evaluation point (presentations): mean, min and max of ``value(point)`` over the seeds that have it."""
    by_x: dict[int, list[float]] = defaultdict(list)
    for run in runs:
        for point in run["curve"]:
            number = value(point)
            if point["presentations"] > 0 and number is not None:
                by_x[point["presentations"]].append(number)
    xs = sorted(by_x)
    return (xs, [statistics.fmean(by_x[x]) for x in xs], [min(by_x[x]) for x in xs], [max(by_x[x]) for x in xs])


def learning_curves(runs: list[dict], task) -> bytes | None:
    if not runs:
        return None
    figure, (axes,) = _figure()
    for algorithm, group in _by_algorithm(runs).items():
        xs, mean, low, high = _series_over_seeds(
            group, lambda point: point.get("test_score", point.get("test_accuracy"))
        )
        (line,) = axes.plot(xs, mean, label=algorithm)
        axes.fill_between(xs, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    if task.chance is not None:
        axes.axhline(
            task.chance,
            color="grey",
            linestyle=":",
            linewidth=1,
            label="baseline" if task.score_name == "skill" else "chance",
        )
    axes.set(
        xscale="log",
        xlabel="presentations",
        ylabel=f"test {task.score_name}",
        title=f"{task.name}: learning curves (band: min–max over seeds)",
    )
    _legend(axes)
    return _png(figure)


def target_ecdf(runs: list[dict], task) -> bytes | None:
    if not runs or not task.targets:
        return None
    budget = max(run["budget"]["presentations"] for run in runs)
    figure, (axes,) = _figure()
    for algorithm, group in _by_algorithm(runs).items():
        reached = [
            run["metrics"].get("presentations_to_target", {}).get(f"{target:g}")
            for run in group
            for target in task.targets
        ]
        times = sorted(p for p in reached if p is not None)
        total = len(reached)
        xs = [1, *times, budget]
        ys = [0.0, *[(i + 1) / total for i in range(len(times))], len(times) / total]
        axes.step(xs, ys, where="post", label=algorithm)
    targets = ", ".join(f"{t:g}" for t in task.targets)
    axes.set(
        xscale="log",
        ylim=(0, 1.02),
        xlabel="presentations",
        ylabel="fraction of (target, seed) pairs reached",
        title=f"{task.name}: targets {targets} (ECDF)",
    )
    _legend(axes)
    return _png(figure)


def pareto_front(points: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """The (cost, score, name) points that no other point beats on both: cheaper-or-equal and better."""
    front = []
    for cost, score, name in sorted(points, key=lambda p: (p[0], -p[1])):
        if not front or score > front[-1][1]:
            front.append((cost, score, name))
    return front


def cost_fronts(entries: list[dict], task) -> bytes | None:
    """``entries`` are the leaderboard entries (seeds aggregated) of one task."""
    axes_spec = (
        ("flops_per_step", "FLOPs per step"),
        ("activation_bytes", "activation bytes per step"),
        ("state_bytes", "state bytes carried between steps"),
    )
    if not any(entry.get(key) for entry in entries for key, _ in axes_spec):
        return None
    figure, all_axes = _figure(columns=len(axes_spec))
    for axes, (key, axis_label) in zip(all_axes, axes_spec):
        points = [
            (entry[key], entry["test_score_mean"], entry["label"])
            for entry in entries
            if entry.get(key) and entry.get("test_score_mean") is not None
        ]
        for cost, score, name in points:
            axes.scatter(cost, score, color="tab:blue", zorder=2)
            axes.annotate(name, (cost, score), fontsize="x-small", xytext=(3, 3), textcoords="offset points")
        front = pareto_front(points)
        if front:
            axes.step(
                [p[0] for p in front],
                [p[1] for p in front],
                where="post",
                color="tab:red",
                label="Pareto front",
                zorder=1,
            )
        log_scale = len(points) > 1 and max(p[0] for p in points) / min(p[0] for p in points) > 10
        axes.set(
            xscale="log" if log_scale else "linear",
            xlabel=axis_label,
            ylabel=f"test {task.score_name}",
            title=f"{task.name}: {task.score_name} vs {axis_label}",
        )
        _legend(axes)
    return _png(figure)


def _hidden_cosine(point) -> float | None:
    cosine = fidelity.summarise(point.get("gradient_cosine"))["gradient_cosine"]
    return cosine if cosine is not None and math.isfinite(cosine) else None


def gradient_fidelity(runs: list[dict], task) -> bytes | None:
    groups = {
        a: g
        for a, g in _by_algorithm(runs).items()
        if any(_hidden_cosine(p) is not None for r in g for p in r["curve"])
    }
    if not groups:
        return None
    figure, (axes,) = _figure()
    for algorithm, group in groups.items():
        xs, mean, low, high = _series_over_seeds(group, _hidden_cosine)
        (line,) = axes.plot(xs, mean, label=algorithm)
        axes.fill_between(xs, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    axes.set(
        xscale="log",
        ylim=(-1.02, 1.02),
        xlabel="presentations",
        ylabel="cosine with backprop gradient",
        title=f"{task.name}: gradient fidelity (rule's direction, hidden weight matrices)",
    )
    _legend(axes)
    return _png(figure)


def robustness_brackets(entries: list[dict], task) -> bytes | None:
    """Per algorithm and norm, the bracket [certified lower, attack upper] (medians over points, then seeds).

    The median tightness (lower / upper) is printed beside each bracket; an algorithm with an attack bound
    but no certified bound is drawn from 0 with a dashed line.
    """
    rows = [e for e in entries if any(e.get(keys.quartile("upper", n, "median")) is not None for n in keys.NORMS)]
    if not rows:
        return None
    rows.sort(key=lambda e: e["label"], reverse=True)
    figure, all_axes = _figure(height=1.2 + 0.3 * len(rows), columns=len(keys.NORMS))
    for axes, (norm, norm_label) in zip(all_axes, keys.NORM_LABELS.items()):
        for y, entry in enumerate(rows):
            lower, upper = (entry.get(keys.quartile(bound, norm, "median")) for bound in keys.BOUNDS)
            if upper is None:
                continue
            if lower is None:
                axes.plot([0, upper], [y, y], color="grey", linestyle="--", linewidth=1)
                axes.plot([upper], [y], marker="|", color="tab:red", markersize=10)
                note = "no certificate"
            else:
                axes.plot([lower, upper], [y, y], color="tab:blue", linewidth=3, solid_capstyle="butt")
                axes.plot([lower], [y], marker="|", color="tab:green", markersize=10)
                axes.plot([upper], [y], marker="|", color="tab:red", markersize=10)
                tightness = entry.get(keys.tightness(norm))
                note = "" if tightness is None else f"{tightness:.2f}"
            axes.annotate(note, (upper, y), fontsize="x-small", xytext=(6, -3), textcoords="offset points")
        axes.set_yticks(range(len(rows)), [e["label"] for e in rows], fontsize="small")
        axes.set(
            xlim=(0, None),
            xlabel=f"{norm_label} perturbation, medians: certified (green) to attack (red)",
            title=f"{task.name}: {norm_label} robustness bracket (tightness beside)",
        )
        axes.margins(x=0.15)
    return _png(figure)


def _gap_to_reference(entry):
    difference = entry.get("vs_reference")
    return difference["mean"] if difference else (0.0 if entry["algorithm"] == REFERENCE else None)


def _relative(key: str):
    """An entry's ``key`` over the reference's on the same rung, or None."""

    def measure(entry, reference):
        value, by = entry.get(key), (reference or {}).get(key)
        return value / by if value is not None and by else None

    return measure


def scaling_ladder(ladder: dict) -> bytes | None:
    """Test score, paired difference to the reference, peak bytes, activation bytes, activation + state bytes, wall
    time per step, and FLOPs and wall time per step relative to the reference's on the same rung, against the
    ladder's parameter, per algorithm."""
    panels = (  # (quantity, its value for an entry and the reference's entry on its rung, whether the y axis is log)
        ("test score", lambda e, _: e.get("test_score_mean"), False),
        (f"paired difference to {REFERENCE}", lambda e, _: _gap_to_reference(e), False),
        ("peak bytes per step", lambda e, _: e.get("peak_bytes"), True),
        ("activation bytes per step", lambda e, _: e.get("activation_bytes"), True),
        ("activation + state bytes per step", lambda e, _: carried_bytes(e), True),
        ("seconds per step", lambda e, _: e.get("step_seconds"), True),
        (f"FLOPs per step / {REFERENCE}'s", _relative("flops_per_step"), False),
        (f"seconds per step / {REFERENCE}'s", _relative("step_seconds"), False),
    )
    reference = ladder["rows"].get(REFERENCE, {})
    series = {
        algorithm: [(value, by_value[value], reference.get(value)) for value in ladder["values"] if value in by_value]
        for algorithm, by_value in sorted(ladder["rows"].items())
    }
    if not any(carried_bytes(entry) for points in series.values() for _, entry, _ in points):
        return None
    figure, all_axes = _figure(columns=len(panels) // 2, rows=2)
    for axes, (panel, measure, logarithmic) in zip(all_axes, panels):
        for algorithm, points in series.items():
            shown = [(value, measure(entry, on_rung)) for value, entry, on_rung in points]
            shown = [(x, y) for x, y in shown if y is not None and (y > 0 or not logarithmic)]
            axes.plot([x for x, _ in shown], [y for _, y in shown], marker="o", label=algorithm)
        axes.set(
            xscale="log",
            yscale="log" if logarithmic else "linear",
            xlabel=ladder["parameter"],
            ylabel=panel,
            title=f"{ladder['family']}: {panel} by {ladder['parameter']}",
        )
        axes.set_xticks(ladder["values"], [f"{value:g}" for value in ladder["values"]], minor=False)
        axes.set_xticks([], minor=True)
        _legend(axes)
    return _png(figure)


def performance_profiles(view: dict) -> bytes | None:
    """Dolan–Moré profiles of a view across tasks, τ on a log axis up to past the largest finite ratio."""
    ratios = [r for rule in view["rules"] for r in rule["ratios"].values() if r is not None]
    if not ratios:
        return None
    tau_max = max(2 * view["r_max"], 2 * max(ratios))
    figure, (axes,) = _figure()
    n_tasks = len(view["tasks"])
    for rule in view["rules"]:
        reached = sorted(r for r in rule["ratios"].values() if r is not None)
        axes.step(
            [1, *reached, tau_max],
            [0.0, *[(i + 1) / n_tasks for i in range(len(reached))], len(reached) / n_tasks],
            where="post",
            label=rule["algorithm"],
        )
    axes.axvline(view["r_max"], color="grey", linestyle=":", linewidth=1, label=f"r_max = {view['r_max']:g}")
    axes.set(
        xscale="log",
        ylim=(0, 1.02),
        xlabel="τ (presentations to the profile target / the fastest rule's)",
        ylabel="fraction of tasks",
        title=f"performance profiles over {n_tasks} tasks ({view['suite']} suite)",
    )
    _legend(axes)
    return _png(figure)
