"""The leaderboard as text: Markdown (with the notes under each task's table, and the view across tasks), CSV
and JSON; and the view across tasks alone in the same three formats."""

from __future__ import annotations

import csv
import io
import json

from harness.metrics.robustness import keys
from harness.report.across_tasks import across_tasks
from harness.report.aggregate import grouped, ladders
from harness.report.columns import ACROSS_TASKS_COLUMNS, COLUMNS, LADDER_CELL, across_tasks_notes, ladder_table, number

FORMATS = ("md", "csv", "json")


def to_markdown(entries: list[dict], columns=COLUMNS) -> str:
    out = []
    for (suite, task), group in grouped(entries):
        targets = ", ".join(group[0]["presentations_to_target"]) if group[0]["presentations_to_target"] else ""
        out.append(f"### {task} ({suite} suite; score: {group[0]['score_name']}; targets {targets})\n")
        out.append("| " + " | ".join(name for name, _, _ in columns) + " |")
        out.append("|" + "|".join("---" for _ in columns) + "|")
        for entry in group:
            out.append("| " + " | ".join(_escape_markdown(text(entry)) for _, text, _ in columns) + " |")
        sources = [f"{e['label']}: {e['published_source']}" for e in group if e["published_source"]]
        if sources:
            out.append("\nPaper figures: " + _escape_markdown("; ".join(sources)) + ".")
        pretrained = [
            f"{e['label']} {e['pretraining_presentations']:,} (set-up {number(e['setup_seconds'], digits=1)} s)"
            for e in group
            if e.get("pretraining_presentations")
        ]
        if pretrained:
            out.append(
                "\nPre-trained before the task budget (presentations of its own training distribution): "
                + _escape_markdown("; ".join(pretrained))
                + "."
            )
        tuned = [
            f"{e['label']}: {', '.join(f'{k}={v}' for k, v in sorted(e['overrides'].items()))}"
            for e in group
            if e.get("tuned")
        ]
        if tuned:
            out.append(
                "\nEach study's best configuration (creditbench tune): " + _escape_markdown("; ".join(tuned)) + "."
            )
        failed = [
            f"{e['label']}: {e['failed_runs']} ({'; '.join(e['failure_reasons'])})" for e in group if e["failed_runs"]
        ]
        if failed:
            out.append("\nFailed runs, not scored: " + _escape_markdown("; ".join(failed)) + ".")
        out.extend("\n" + _escape_markdown(line) for line in against_controls(group))
        out.extend("\n" + _escape_markdown(line) for line in robustness_notes(group))
        out.append("")
    out.extend(ladder_markdown(ladder) for ladder in ladders(entries))
    out.extend(across_tasks_markdown(view) for view in across_tasks(entries))
    return "\n".join(out)


def across_tasks_markdown(view: dict) -> str:
    out = [f"### Across tasks ({view['suite']} suite)\n"]
    out.extend(_escape_markdown(line) + "\n" for line in across_tasks_notes(view))
    out.append("| " + " | ".join(name for name, _, _ in ACROSS_TASKS_COLUMNS) + " |")
    out.append("|" + "|".join("---" for _ in ACROSS_TASKS_COLUMNS) + "|")
    for rule in view["rules"]:
        out.append("| " + " | ".join(_escape_markdown(text(rule)) for _, text, _ in ACROSS_TASKS_COLUMNS) + " |")
    return "\n".join(out) + "\n"


def against_controls(group: list[dict]) -> list[str]:
    """For each control on a task, which learning rules beat its mean test score and which do not.

    A rule read out by the harness's probe is ranked against its matched controls instead, the same probe on
    the untrained network and on random ReLU features of the same width (``harness.metrics.probe_control``):
    the SGD-trained controls have a weaker readout."""
    lines = []
    read_by_probe = [e for e in group if e.get("probe_gain") is not None]
    rules = [e for e in group if not e["control"] and e["test_score_mean"] is not None and e not in read_by_probe]
    for control in (e for e in group if e["control"] and e["test_score_mean"] is not None):
        bar = control["test_score_mean"]
        above = [e["label"] for e in rules if e["test_score_mean"] > bar]
        below = [e["label"] for e in rules if e["test_score_mean"] <= bar]
        lines.append(
            f"Against {control['algorithm']} ({bar:.3f}): above: {', '.join(above) or 'none'}; "
            f"not above: {', '.join(below) or 'none'}."
        )
    for entry in read_by_probe:
        lines.append(
            f"{entry['label']} is read out by the harness's probe; the same probe scores "
            f"{entry['probe_untrained_test_score']:.3f} on the untrained network and "
            f"{entry['probe_random_relu_test_score']:.3f} on random ReLU features of the same width: "
            f"{entry['label']} is {entry['probe_gain']:+.3f} above the stronger."
        )
    return lines


def robustness_notes(group: list[dict]) -> list[str]:
    """Lines under a task's table: bracket tightness, bounds not defined and why, flags."""
    lines = []
    tight = [e for e in group if any(e.get(keys.tightness(n)) is not None for n in keys.NORMS)]
    if tight:
        lines.append(
            "Robustness tightness (median certified lower / attack upper bound, "
            + " / ".join(keys.NORM_LABELS.values())
            + "): "
            + "; ".join(
                f"{e['label']} " + " / ".join(number(e.get(keys.tightness(n)), digits=2) for n in keys.NORMS)
                for e in tight
            )
            + "."
        )
    missing = [f"{e['label']} ({e[keys.NOT_DEFINED]})" for e in group if e.get(keys.NOT_DEFINED)]
    if missing:
        lines.append("Robustness not defined: " + "; ".join(missing) + ".")
    uncertified = sorted(
        {
            f"{e['label']} ({e[keys.lower_not_defined(n)]})"
            for e in group
            for n in keys.NORMS
            if e.get(keys.lower_not_defined(n)) and not e.get(keys.NOT_DEFINED)
        }
    )
    if uncertified:
        lines.append("Certified lower bound not defined (n/d): " + "; ".join(uncertified) + ".")
    flagged = [f"{e['label']}: {flag}" for e in group for flag in e.get(keys.FLAGS) or []]
    if flagged:
        lines.append("Robustness flags: " + "; ".join(flagged) + ".")
    return lines


def ladder_markdown(ladder: dict) -> str:
    headers, rows = ladder_table(ladder)
    out = [
        f"### Scaling ladder: {ladder['family']} by {ladder['parameter']} ({ladder['suite']} suite)\n",
        f"Each cell: {LADDER_CELL}.\n",
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    out.extend("| " + " | ".join(_escape_markdown(cell) for cell in row) + " |" for row in rows)
    return "\n".join(out) + "\n"


def _escape_markdown(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def to_csv(entries: list[dict]) -> str:
    buffer = io.StringIO()
    flat = [flatten(entry) for entry in entries]
    names = list(dict.fromkeys(name for row in flat for name in row))
    writer = csv.DictWriter(buffer, fieldnames=names)
    writer.writeheader()
    writer.writerows(flat)
    return buffer.getvalue()


def flatten(entry: dict, prefix: str = "") -> dict:
    """Nested dicts become ``outer:inner`` columns; lists (seeds, an interval's bounds) one "; "-joined cell."""
    flat = {}
    for key, value in entry.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}:"))
        elif isinstance(value, list):
            flat[f"{prefix}{key}"] = "; ".join(map(str, value))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def to_json(entries: list[dict]) -> str:
    return json.dumps(entries, indent=2, allow_nan=False)


def render(entries: list[dict], fmt: str) -> str:
    return {"md": to_markdown, "csv": to_csv, "json": to_json}[fmt](entries)


def render_across_tasks(entries: list[dict], fmt: str) -> str:
    """The view across tasks alone: Markdown sections, one CSV row per (suite, rule), or the JSON views."""
    views = across_tasks(entries)
    if fmt == "md":
        return "\n".join(across_tasks_markdown(view) for view in views)
    if fmt == "json":
        return json.dumps(views, indent=2, allow_nan=False)
    return to_csv([{"suite": view["suite"], **rule} for view in views for rule in view["rules"]])
