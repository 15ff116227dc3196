"""The leaderboard: stored runs aggregated per (suite, task, algorithm), rendered as Markdown, CSV or JSON.

Aggregation over seeds: means (and sample standard deviation) for accuracy,
AULC and gradient cosine; medians for costs; for each target, the median over
seeds of presentations-to-target, where a seed that never reached it counts as
infinitely many (so the median is null when half or more of the seeds failed
to reach it).  Failed runs are counted, never averaged.
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from collections import defaultdict

FORMATS = ("md", "csv", "json")
CONTROL = "control"  # the family of baselines that learn no hidden layer (a readout alone, frozen features)


def _mean(values):
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def _std(values):
    values = [v for v in values if v is not None]
    return statistics.stdev(values) if len(values) > 1 else (0.0 if values else None)


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _median_reached(values):
    """Median where None (not reached) is +inf; None if the median is not reached."""
    if not values:
        return None
    median = statistics.median([math.inf if v is None else v for v in values])
    return None if math.isinf(median) else median


def aggregate(rows: list[dict], registry=None) -> list[dict]:
    """One entry per (suite, task, algorithm).

    With the registry, entries also carry what the installed algorithm
    declares: the paper's published figure for the task, and whether it is a
    control (family ``"control"``).
    """
    published = registry.published() if registry else {}
    controls = {a.name for a in registry.algorithms.values() if a.family == CONTROL} if registry else set()
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["suite"], row["task"], row["algorithm"])].append(row)
    entries = []
    for (suite, task, algorithm), runs in groups.items():
        finished = [run["metrics"] for run in runs if run["status"] == "finished"]
        targets = sorted({t for m in finished for t in m.get("presentations_to_target", {})}, key=float)
        paper_accuracy, paper_source = published.get((task, algorithm), (None, None))
        layer_names = sorted({name for m in finished for name in (m.get("gradient_cosine_layers") or {})})
        cost_units = sorted({name for m in finished for name in (m.get("cost_per_presentation") or {})})
        entries.append(
            {
                "suite": suite,
                "task": task,
                "algorithm": algorithm,
                "n_seeds": len(finished),
                "failed_runs": len(runs) - len(finished),
                "capped_runs": sum(m.get("stopped_by") == "wall_clock" for m in finished),
                "failure_reasons": sorted({run["reason"] for run in runs if run["status"] == "failed"}),
                "test_accuracy_mean": _mean(m.get("test_accuracy") for m in finished),
                "test_accuracy_std": _std([m.get("test_accuracy") for m in finished]),
                "control": algorithm in controls,
                "published_accuracy": paper_accuracy,
                "published_source": paper_source,
                "test_loss_mean": _mean(m.get("test_loss") for m in finished),
                "aulc_mean": _mean(m.get("aulc") for m in finished),
                "presentations_to_target": {
                    t: _median_reached([m.get("presentations_to_target", {}).get(t) for m in finished]) for t in targets
                },
                "step_seconds": _median(m.get("step_seconds") for m in finished),
                "flops_per_step": _median(m.get("flops_per_step") for m in finished),
                "activation_bytes": _median(m.get("activation_bytes") for m in finished),
                "peak_bytes": _median(m.get("peak_bytes") for m in finished),
                "cost_per_presentation": {
                    unit: _median((m.get("cost_per_presentation") or {}).get(unit) for m in finished) for unit in cost_units
                },
                "gradient_cosine": _mean(m.get("gradient_cosine") for m in finished),
                "gradient_cosine_layers": {
                    name: _mean((m.get("gradient_cosine_layers") or {}).get(name) for m in finished) for name in layer_names
                }
                or None,
            }
        )
    entries.sort(key=lambda e: (e["suite"], e["task"], -(e["test_accuracy_mean"] or -1.0), e["algorithm"]))
    return entries


def _number(value, scale=1.0, digits=3, suffix=""):
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


# (header, text, sort value): the text is what Markdown and HTML show, the sort value orders HTML tables.
COLUMNS = (
    ("algorithm", lambda e: e["algorithm"], lambda e: e["algorithm"]),
    ("seeds", _seeds_text, lambda e: e["n_seeds"]),
    ("test acc", lambda e: f"{_number(e['test_accuracy_mean'])} ± {_number(e['test_accuracy_std'])}", lambda e: e["test_accuracy_mean"]),
    ("paper", lambda e: _number(e["published_accuracy"]), lambda e: e["published_accuracy"]),
    ("AULC", lambda e: _number(e["aulc_mean"]), lambda e: e["aulc_mean"]),
    ("to 1st target", _first_target, _first_target_presentations),
    ("ms/step", lambda e: _number(e["step_seconds"], 1e3, 2), lambda e: e["step_seconds"]),
    ("MFLOP/step", lambda e: _number(e["flops_per_step"], 1e-6, 1), lambda e: e["flops_per_step"]),
    ("act. KiB", lambda e: _number(e["activation_bytes"], 1 / 1024, 1), lambda e: e["activation_bytes"]),
    ("peak KiB", lambda e: _number(e["peak_bytes"], 1 / 1024, 1), lambda e: e["peak_bytes"]),
    ("grad cos", lambda e: _number(e["gradient_cosine"], digits=2), lambda e: e["gradient_cosine"]),
    ("own cost per presentation", _cost_text, _cost_text),
)


def to_markdown(entries: list[dict]) -> str:
    out = []
    for (suite, task), group in grouped(entries):
        targets = ", ".join(group[0]["presentations_to_target"]) if group[0]["presentations_to_target"] else ""
        out.append(f"### {task} ({suite} suite; targets {targets})\n")
        out.append("| " + " | ".join(name for name, _, _ in COLUMNS) + " |")
        out.append("|" + "|".join("---" for _ in COLUMNS) + "|")
        for entry in group:
            out.append("| " + " | ".join(_escape_markdown(text(entry)) for _, text, _ in COLUMNS) + " |")
        sources = [f"{e['algorithm']}: {e['published_source']}" for e in group if e["published_source"]]
        if sources:
            out.append("\nPaper figures: " + _escape_markdown("; ".join(sources)) + ".")
        out.extend("\n" + _escape_markdown(line) for line in against_controls(group))
        out.append("")
    return "\n".join(out)


def against_controls(group: list[dict]) -> list[str]:
    """For each control on a task, which learning rules beat its mean test accuracy and which do not."""
    lines = []
    rules = [e for e in group if not e["control"] and e["test_accuracy_mean"] is not None]
    for control in (e for e in group if e["control"] and e["test_accuracy_mean"] is not None):
        bar = control["test_accuracy_mean"]
        above = [e["algorithm"] for e in rules if e["test_accuracy_mean"] > bar]
        below = [e["algorithm"] for e in rules if e["test_accuracy_mean"] <= bar]
        lines.append(f"Against {control['algorithm']} ({bar:.3f}): above: {', '.join(above) or 'none'}; "
                     f"not above: {', '.join(below) or 'none'}.")
    return lines


def grouped(entries):
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for entry in entries:
        groups[(entry["suite"], entry["task"])].append(entry)
    return groups.items()


def _escape_markdown(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def to_csv(entries: list[dict]) -> str:
    buffer = io.StringIO()
    flat = [_flatten(entry) for entry in entries]
    names = list(dict.fromkeys(name for row in flat for name in row))
    writer = csv.DictWriter(buffer, fieldnames=names)
    writer.writeheader()
    writer.writerows(flat)
    return buffer.getvalue()


def _flatten(entry: dict) -> dict:
    flat = {}
    for key, value in entry.items():
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                flat[f"{key}:{inner}"] = inner_value
        elif isinstance(value, list):
            flat[key] = "; ".join(map(str, value))
        else:
            flat[key] = value
    return flat


def to_json(entries: list[dict]) -> str:
    return json.dumps(entries, indent=2, allow_nan=False)


def render(entries: list[dict], fmt: str) -> str:
    return {"md": to_markdown, "csv": to_csv, "json": to_json}[fmt](entries)
