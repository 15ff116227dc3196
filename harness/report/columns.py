"""The leaderboard's columns and cells: how each aggregated value is written, and how HTML tables sort it."""

from __future__ import annotations

from harness.metrics.robustness import keys
from harness.report.aggregate import REFERENCE, carried_bytes


def _bracket_text(norm: str):
    def text(entry) -> str:
        if entry.get(keys.NOT_DEFINED):
            return "not defined"
        lower, upper = (
            entry.get(keys.quartile("lower", norm, "median")),
            entry.get(keys.quartile("upper", norm, "median")),
        )
        if upper is None and lower is None:
            return "–"
        return f"{'n/d' if lower is None else f'{lower:.3g}'} – {'∞' if upper is None else f'{upper:.3g}'}"

    return text


def number(value, scale=1.0, digits=3, suffix=""):
    if value is None:
        return "–"
    return f"{value * scale:.{digits}f}{suffix}"


def _first_target(entry) -> str:
    """The first target, and the median presentations to reach it."""
    if not entry["presentations_to_target"]:
        return "–"
    presentations = next(iter(entry["presentations_to_target"].values()))
    return f"{presentations:,.0f}" if presentations is not None else "not reached"


def _seeds_text(entry) -> str:
    notes = [f"{entry['failed_runs']} failed"] if entry["failed_runs"] else []
    notes += [f"{entry['capped_runs']} stopped by the time cap"] if entry.get("capped_runs") else []
    return f"{entry['n_seeds']}" + (f" ({', '.join(notes)})" if notes else "")


def _first_target_presentations(entry):
    return next(iter(entry["presentations_to_target"].values()), None)


def interval_text(interval, digits=3) -> str:
    return "–" if interval is None else f"[{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]"


def _difference_text(entry) -> str:
    """The mean paired difference to the reference, its interval, and "tied" when the interval holds zero."""
    if entry["algorithm"] == REFERENCE and not entry["overrides"] and entry.get("latest_version", True):
        return "reference"
    difference = entry.get("vs_reference")
    if difference is None:
        return "–"
    tied = " tied" if difference["tied"] else ""
    return f"{difference['mean']:+.3f} {interval_text(difference['interval'])}{tied}"


def _difference_sort(entry):
    difference = entry.get("vs_reference")
    return difference["mean"] if difference else None


def _cost_text(entry) -> str:
    return ", ".join(f"{v:.3g} {unit}" for unit, v in entry["cost_per_presentation"].items() if v is not None) or "–"


def _cosine_text(entry) -> str:
    """The hidden layers' direction cosine with the task loss's gradient, and with the rule's own objective's."""
    own = entry.get("gradient_cosine_objective")
    text = number(entry["gradient_cosine"], digits=2)
    return text if own is None else f"{text} (own objective {own:.2f})"


# (header, text, sort value): the text is what Markdown and HTML show, the sort value orders HTML tables.
COLUMNS = (
    ("algorithm", lambda e: e["label"], lambda e: e["label"]),
    ("seeds", _seeds_text, lambda e: e["n_seeds"]),
    (
        "test score",
        lambda e: (
            number(e["test_score_mean"]) + ("" if e["test_score_mean"] is None else f" ± {number(e['test_score_std'])}")
        ),
        lambda e: e["test_score_mean"],
    ),
    (
        "95% CI",
        lambda e: interval_text(e.get("test_score_interval")),
        lambda e: (e.get("test_score_interval") or [None])[0],
    ),
    (f"vs {REFERENCE} (paired)", _difference_text, _difference_sort),
    ("paper", lambda e: number(e["published_accuracy"]), lambda e: e["published_accuracy"]),
    ("AULC", lambda e: number(e["aulc_mean"]), lambda e: e["aulc_mean"]),
    ("to 1st target", _first_target, _first_target_presentations),
    ("ms/step", lambda e: number(e["step_seconds"], 1e3, 2), lambda e: e["step_seconds"]),
    ("MFLOP/step", lambda e: number(e["flops_per_step"], 1e-6, 1), lambda e: e["flops_per_step"]),
    ("act. KiB", lambda e: number(e["activation_bytes"], 1 / 1024, 1), lambda e: e["activation_bytes"]),
    ("state KiB", lambda e: number(e.get("state_bytes"), 1 / 1024, 1), lambda e: e.get("state_bytes")),
    ("peak KiB", lambda e: number(e["peak_bytes"], 1 / 1024, 1), lambda e: e["peak_bytes"]),
    ("grad cos", _cosine_text, lambda e: e["gradient_cosine"]),
    (
        "applied cos",
        lambda e: number(e.get("gradient_cosine_applied"), digits=2),
        lambda e: e.get("gradient_cosine_applied"),
    ),
    ("own cost per presentation", _cost_text, _cost_text),
    *(
        (f"{label} bracket", _bracket_text(norm), lambda e, norm=norm: e.get(keys.quartile("upper", norm, "median")))
        for norm, label in keys.NORM_LABELS.items()
    ),
)


LADDER_CELL = (
    f"mean test score (paired difference to {REFERENCE} [95% CI]) · per training step, medians over seeds: peak "
    "memory / activations held for backward + state carried between steps (KiB) · wall time"
)


def ladder_table(ladder: dict) -> tuple[list[str], list[list[str]]]:
    """Headers and rows: per algorithm, at each of the ladder's values, its score and paired difference to the
    reference (does the gap grow with depth, with length?), then peak and activation + state KiB and ms per step."""
    headers = ["algorithm", *(f"{v:g}" for v in ladder["values"])]
    rows = []
    for algorithm, by_value in sorted(ladder["rows"].items()):
        cells = [algorithm]
        for value in ladder["values"]:
            entry = by_value.get(value)
            cells.append(
                "not run"
                if entry is None
                else f"{number(entry['test_score_mean'])} ({_difference_text(entry)})"
                f" · {number(entry.get('peak_bytes'), 1 / 1024, 1)} / {number(carried_bytes(entry), 1 / 1024, 1)} KiB"
                f" · {number(entry['step_seconds'], 1e3, 2)} ms"
            )
        rows.append(cells)
    return headers, rows


def _with_interval(value_key: str, interval_key: str):
    return lambda rule: f"{number(rule[value_key])} {interval_text(rule[interval_key])}"


# The view across tasks (``harness.report.across_tasks``), one row per rule: (header, text, sort value).
ACROSS_TASKS_COLUMNS = (
    ("algorithm", lambda r: r["algorithm"], lambda r: r["algorithm"]),
    ("tasks", lambda r: str(len(r["tasks"])), lambda r: len(r["tasks"])),
    (
        "IQM normalised score [95% CI]",
        _with_interval("iqm_normalised_score", "iqm_interval"),
        lambda r: r["iqm_normalised_score"],
    ),
    (
        f"P(better than {REFERENCE}) [95% CI]",
        _with_interval("probability_of_improvement", "probability_of_improvement_interval"),
        lambda r: r["probability_of_improvement"],
    ),
    *(
        (f"ρ({tau})", lambda r, tau=tau: number(r["profile"][tau], digits=2), lambda r, tau=tau: r["profile"][tau])
        for tau in ("1", "2", "4")
    ),
    (
        "integrated profile (r_max 4)",
        lambda r: number(r["integrated_profile"], digits=2),
        lambda r: r["integrated_profile"],
    ),
)


def across_tasks_notes(view: dict) -> list[str]:
    """What the view's numbers are taken over: its tasks and targets, the normalisation, what is left out."""
    targets = ", ".join(f"{task} ({view['targets'][task] or 'no target'})" for task in view["tasks"])
    lines = [
        f"Over the tasks {view['reference']} runs on, with the target whose presentations the profiles count "
        f"(the highest that {view['reference']} reaches): {targets}.",
        f"Normalised score per run: 0 = {view['floor']}, 1 = {view['reference']} (their mean scores on the task); "
        "IQM = interquartile mean over all the rule's runs; P(better) = probability that a run of the rule "
        f"beats a run of {view['reference']} on the same task, averaged over tasks; 95% stratified-bootstrap "
        "intervals over seeds. ρ(τ) = fraction of tasks reached within τ× the presentations of the fastest rule; "
        f"integrated profile = the mean of ρ over τ from 1 to {view['r_max']:g}.",
    ]
    if view["not_normalised"]:
        lines.append(
            "Not normalised: " + "; ".join(f"{task} ({why})" for task, why in view["not_normalised"].items()) + "."
        )
    return lines
