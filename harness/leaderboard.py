"""The leaderboard: stored runs aggregated per (suite, task, algorithm), rendered as Markdown, CSV or JSON.

Aggregation over seeds: means (and sample standard deviation) for the task's
score (accuracy, or skill for regression tasks), AULC and gradient cosine; medians for costs; for each target, the median over
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


def _score(metrics: dict):
    """The run's test score; stores written before scores existed have test accuracy only."""
    return metrics.get("test_score", metrics.get("test_accuracy"))


def aggregate(rows: list[dict], registry=None) -> list[dict]:
    """One entry per (suite, task, algorithm).

    With the registry, entries also carry what the installed algorithm and
    task declare: the paper's published figure for the task, whether the
    algorithm is a control (family ``"control"``), and the name of the task's score.
    """
    published = registry.published() if registry else {}
    score_names = {task.name: task.score_name for task in registry.tasks.values()} if registry else {}
    pretraining = {a.name: a.pretraining_presentations for a in registry.algorithms.values()} if registry else {}
    rungs = {task.name: task.ladder for task in registry.tasks.values() if task.ladder} if registry else {}
    controls = {a.name for a in registry.algorithms.values() if a.family == CONTROL} if registry else set()
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:  # runs with other settings (--set) are entries of their own, never averaged with the defaults
        groups[(row["suite"], row["task"], row["algorithm"], json.dumps(row.get("overrides") or {}, sort_keys=True))].append(row)
    entries = []
    for (suite, task, algorithm, overrides), runs in groups.items():
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
                "overrides": json.loads(overrides),
                "label": label(algorithm, json.loads(overrides)),
                "n_seeds": len(finished),
                "failed_runs": len(runs) - len(finished),
                "capped_runs": sum(m.get("stopped_by") == "wall_clock" for m in finished),
                "failure_reasons": sorted({run["reason"] for run in runs if run["status"] == "failed"}),
                "score_name": score_names.get(task, "score"),
                "ladder": list(rungs[task]) if task in rungs else None,
                "test_score_mean": _mean(_score(m) for m in finished),
                "test_score_std": _std([_score(m) for m in finished]),
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
                "pretraining_presentations": pretraining.get(algorithm, 0),
                "setup_seconds": _median(m.get("setup_seconds") for m in finished),
                "step_seconds": _median(m.get("step_seconds") for m in finished),
                "flops_per_step": _median(m.get("flops_per_step") for m in finished),
                "activation_bytes": _median(m.get("activation_bytes") for m in finished),
                "state_bytes": _median(m.get("state_bytes") for m in finished),
                "peak_bytes": _median(m.get("peak_bytes") for m in finished),
                "cost_per_presentation": {
                    unit: _median((m.get("cost_per_presentation") or {}).get(unit) for m in finished) for unit in cost_units
                },
                "gradient_cosine": _mean(m.get("gradient_cosine") for m in finished),
                "gradient_cosine_layers": {
                    name: _mean((m.get("gradient_cosine_layers") or {}).get(name) for m in finished) for name in layer_names
                }
                or None,
                **_robustness(finished),
            }
        )
    entries.sort(key=lambda e: (e["suite"], e["task"], -(e["test_score_mean"] if e["test_score_mean"] is not None else -math.inf), e["label"]))
    return entries


ROBUST_NORMS = {"l2": "L2", "linf": "L∞"}


def _robustness(finished: list[dict]) -> dict:
    """Robustness bounds over seeds: medians of the per-run quartiles and tightness, mean robust accuracy,
    the union of flags, and why a bound is not defined (when no seed has it)."""
    entry: dict = {}
    for norm in ROBUST_NORMS:
        for bound in ("lower", "upper"):
            for statistic in ("q1", "median", "q3"):
                key = f"robust_{bound}_{norm}_{statistic}"
                entry[key] = _median(m.get(key) for m in finished)
        entry[f"robust_tightness_{norm}_median"] = _median(m.get(f"robust_tightness_{norm}_median") for m in finished)
        for kind in ("certified", "attack"):
            key = f"robust_accuracy_{kind}_{norm}"
            entry[key] = _mean(m.get(key) for m in finished)
        reasons = {m[f"robust_lower_{norm}_not_defined"] for m in finished if m.get(f"robust_lower_{norm}_not_defined")}
        entry[f"robust_lower_{norm}_not_defined"] = "; ".join(sorted(reasons)) or None if entry[f"robust_lower_{norm}_median"] is None else None
    reasons = {m.get("robust_not_defined") for m in finished}
    entry["robust_not_defined"] = "; ".join(sorted(reasons)) if finished and None not in reasons else None
    entry["robust_flags"] = sorted({flag for m in finished for flag in m.get("robust_flags") or []})
    return entry


def _bracket_text(norm: str):
    def text(entry) -> str:
        if entry.get("robust_not_defined"):
            return "not defined"
        lower, upper = entry.get(f"robust_lower_{norm}_median"), entry.get(f"robust_upper_{norm}_median")
        if upper is None and lower is None:
            return "–"
        return f"{'n/d' if lower is None else f'{lower:.3g}'} – {'∞' if upper is None else f'{upper:.3g}'}"

    return text


def robustness_notes(group: list[dict]) -> list[str]:
    """Lines under a task's table: bracket tightness, bounds not defined and why, flags."""
    lines = []
    tight = [e for e in group if any(e.get(f"robust_tightness_{n}_median") is not None for n in ROBUST_NORMS)]
    if tight:
        lines.append("Robustness tightness (median certified lower / attack upper bound, "
                     + " / ".join(ROBUST_NORMS.values()) + "): "
                     + "; ".join(f"{e['label']} " + " / ".join(_number(e.get(f"robust_tightness_{n}_median"), digits=2)
                                                              for n in ROBUST_NORMS) for e in tight) + ".")
    missing = [f"{e['label']} ({e['robust_not_defined']})" for e in group if e.get("robust_not_defined")]
    if missing:
        lines.append("Robustness not defined: " + "; ".join(missing) + ".")
    uncertified = sorted({f"{e['label']} ({e[f'robust_lower_{n}_not_defined']})" for e in group for n in ROBUST_NORMS
                          if e.get(f"robust_lower_{n}_not_defined") and not e.get("robust_not_defined")})
    if uncertified:
        lines.append("Certified lower bound not defined (n/d): " + "; ".join(uncertified) + ".")
    flagged = [f"{e['label']}: {flag}" for e in group for flag in e.get("robust_flags") or []]
    if flagged:
        lines.append("Robustness flags: " + "; ".join(flagged) + ".")
    return lines


def label(algorithm: str, overrides: dict) -> str:
    """The algorithm's name, with the settings it was run with when they are not its defaults."""
    if not overrides:
        return algorithm
    return f"{algorithm} [{', '.join(f'{key}={value}' for key, value in sorted(overrides.items()))}]"


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
    ("algorithm", lambda e: e["label"], lambda e: e["label"]),
    ("seeds", _seeds_text, lambda e: e["n_seeds"]),
    ("test score", lambda e: f"{_number(e['test_score_mean'])} ± {_number(e['test_score_std'])}", lambda e: e["test_score_mean"]),
    ("paper", lambda e: _number(e["published_accuracy"]), lambda e: e["published_accuracy"]),
    ("AULC", lambda e: _number(e["aulc_mean"]), lambda e: e["aulc_mean"]),
    ("to 1st target", _first_target, _first_target_presentations),
    ("ms/step", lambda e: _number(e["step_seconds"], 1e3, 2), lambda e: e["step_seconds"]),
    ("MFLOP/step", lambda e: _number(e["flops_per_step"], 1e-6, 1), lambda e: e["flops_per_step"]),
    ("act. KiB", lambda e: _number(e["activation_bytes"], 1 / 1024, 1), lambda e: e["activation_bytes"]),
    ("state KiB", lambda e: _number(e.get("state_bytes"), 1 / 1024, 1), lambda e: e.get("state_bytes")),
    ("peak KiB", lambda e: _number(e["peak_bytes"], 1 / 1024, 1), lambda e: e["peak_bytes"]),
    ("grad cos", lambda e: _number(e["gradient_cosine"], digits=2), lambda e: e["gradient_cosine"]),
    ("own cost per presentation", _cost_text, _cost_text),
    ("L2 bracket", _bracket_text("l2"), lambda e: e.get("robust_upper_l2_median")),
    ("L∞ bracket", _bracket_text("linf"), lambda e: e.get("robust_upper_linf_median")),
)


def to_markdown(entries: list[dict]) -> str:
    out = []
    for (suite, task), group in grouped(entries):
        targets = ", ".join(group[0]["presentations_to_target"]) if group[0]["presentations_to_target"] else ""
        out.append(f"### {task} ({suite} suite; score: {group[0]['score_name']}; targets {targets})\n")
        out.append("| " + " | ".join(name for name, _, _ in COLUMNS) + " |")
        out.append("|" + "|".join("---" for _ in COLUMNS) + "|")
        for entry in group:
            out.append("| " + " | ".join(_escape_markdown(text(entry)) for _, text, _ in COLUMNS) + " |")
        sources = [f"{e['label']}: {e['published_source']}" for e in group if e["published_source"]]
        if sources:
            out.append("\nPaper figures: " + _escape_markdown("; ".join(sources)) + ".")
        pretrained = [f"{e['label']} {e['pretraining_presentations']:,} (set-up {_number(e['setup_seconds'], digits=1)} s)"
                      for e in group if e.get("pretraining_presentations")]
        if pretrained:
            out.append("\nPre-trained before the task budget (presentations of its own training distribution): "
                       + _escape_markdown("; ".join(pretrained)) + ".")
        out.extend("\n" + _escape_markdown(line) for line in against_controls(group))
        out.extend("\n" + _escape_markdown(line) for line in robustness_notes(group))
        out.append("")
    out.extend(ladder_markdown(ladder) for ladder in ladders(entries))
    return "\n".join(out)


def against_controls(group: list[dict]) -> list[str]:
    """For each control on a task, which learning rules beat its mean test score and which do not."""
    lines = []
    rules = [e for e in group if not e["control"] and e["test_score_mean"] is not None]
    for control in (e for e in group if e["control"] and e["test_score_mean"] is not None):
        bar = control["test_score_mean"]
        above = [e["label"] for e in rules if e["test_score_mean"] > bar]
        below = [e["label"] for e in rules if e["test_score_mean"] <= bar]
        lines.append(f"Against {control['algorithm']} ({bar:.3f}): above: {', '.join(above) or 'none'}; "
                     f"not above: {', '.join(below) or 'none'}.")
    return lines


def ladders(entries: list[dict]) -> list[dict]:
    """Scaling ladders: per (suite, family), each algorithm's entries keyed by the ladder parameter's value."""
    found: dict[tuple, dict] = {}
    for entry in entries:
        if not entry.get("ladder"):
            continue
        family, parameter, value = entry["ladder"]
        ladder = found.setdefault((entry["suite"], family), {"suite": entry["suite"], "family": family,
                                                             "parameter": parameter, "values": set(), "rows": {}})
        ladder["values"].add(value)
        ladder["rows"].setdefault(entry["label"], {})[value] = entry
    for ladder in found.values():
        ladder["values"] = sorted(ladder["values"])
    return [found[key] for key in sorted(found)]


def carried_bytes(entry) -> float | None:
    """Memory a step needs beyond the batch: activations saved for backward plus the state carried between steps."""
    parts = [entry.get("activation_bytes"), entry.get("state_bytes")]
    return None if all(p is None for p in parts) else sum(p or 0 for p in parts)


LADDER_CELL = "peak memory / activations held for backward + state carried between steps (KiB) · wall time"


def ladder_table(ladder: dict) -> tuple[list[str], list[list[str]]]:
    """Headers and rows: per algorithm, peak and activation + state KiB, and ms per step, at each of the ladder's values."""
    headers = ["algorithm", *(f"{v:g}" for v in ladder["values"])]
    rows = []
    for algorithm, by_value in sorted(ladder["rows"].items()):
        cells = [algorithm]
        for value in ladder["values"]:
            entry = by_value.get(value)
            cells.append("not run" if entry is None else
                         f"{_number(entry.get('peak_bytes'), 1 / 1024, 1)} / {_number(carried_bytes(entry), 1 / 1024, 1)} KiB"
                         f" · {_number(entry['step_seconds'], 1e3, 2)} ms")
        rows.append(cells)
    return headers, rows


def ladder_markdown(ladder: dict) -> str:
    headers, rows = ladder_table(ladder)
    out = [f"### Scaling ladder: {ladder['family']} by {ladder['parameter']} ({ladder['suite']} suite)\n",
           f"Per training step, medians over seeds: {LADDER_CELL}.\n",
           "| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out.extend("| " + " | ".join(_escape_markdown(cell) for cell in row) + " |" for row in rows)
    return "\n".join(out) + "\n"


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
