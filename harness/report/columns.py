"""The leaderboard's columns and cells: how each aggregated value is written, and how HTML tables sort it."""

from __future__ import annotations

from harness.metrics.robustness import keys
from harness.report.aggregate import carried_bytes


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
        lambda e: f"{number(e['test_score_mean'])} ± {number(e['test_score_std'])}",
        lambda e: e["test_score_mean"],
    ),
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


LADDER_CELL = "peak memory / activations held for backward + state carried between steps (KiB) · wall time"


def ladder_table(ladder: dict) -> tuple[list[str], list[list[str]]]:
    """Headers and rows: per algorithm, peak and activation + state KiB, and ms per step, at each of the ladder's values."""
    headers = ["algorithm", *(f"{v:g}" for v in ladder["values"])]
    rows = []
    for algorithm, by_value in sorted(ladder["rows"].items()):
        cells = [algorithm]
        for value in ladder["values"]:
            entry = by_value.get(value)
            cells.append(
                "not run"
                if entry is None
                else f"{number(entry.get('peak_bytes'), 1 / 1024, 1)} / {number(carried_bytes(entry), 1 / 1024, 1)} KiB"
                f" · {number(entry['step_seconds'], 1e3, 2)} ms"
            )
        rows.append(cells)
    return headers, rows
