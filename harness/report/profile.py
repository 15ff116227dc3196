"""Where a suite's time goes: each run's phases (``harness.training.phases``) summed, overall and per
(task, algorithm).

A run's **worker time** is its stored wall time (from the plugins loaded to the result ready) plus
``registry`` (loading the plugins) and the two phases only the coordinator sees (``worker_start``,
``return``); ``other`` is the part of the stored wall time no phase accounts for.  The
ratios put worker time over training time, and over training plus the robustness metric (the one metric
whose cost grows with the model).  ``store_write`` is measured by ``creditbench run --profile`` only (it
happens after a run's row exists).

Markdown: a table of phases (seconds summed over runs, share of worker time), then one row per (task,
algorithm) with runs, worker seconds, training seconds and both ratios, slowest first.  JSON: the same as
``{"runs", "phases": {name: seconds}, "worker_seconds", "train_seconds", "ratios", "per_run": [...]}``.
"""

from __future__ import annotations

import json
from collections import defaultdict

OUTSIDE_RUN_SPEC = ("worker_start", "registry", "return", "store_write")  # not in a row's wall_seconds
ROBUSTNESS = "metric:robustness"


def profile(rows: list[dict], store_write: dict[str, float] | None = None) -> dict:
    """The profile of the finished runs among ``rows`` that recorded their phases."""
    totals: dict[str, float] = defaultdict(float)
    groups: dict[tuple, dict] = {}
    for row in rows:
        phases = (row.get("metrics") or {}).get("phase_seconds")
        if row["status"] != "finished" or not phases:
            continue
        phases = dict(phases)
        if store_write and row["run_key"] in store_write:
            phases["store_write"] = store_write[row["run_key"]]
        inside = sum(seconds for name, seconds in phases.items() if name not in OUTSIDE_RUN_SPEC)
        phases["other"] = max(0.0, row["wall_seconds"] - inside)
        group = groups.setdefault(
            (row["task"], row["algorithm"]), {"task": row["task"], "algorithm": row["algorithm"], "runs": 0}
        )
        group["runs"] += 1
        for name, seconds in phases.items():
            totals[name] += seconds
            group.setdefault("phases", defaultdict(float))[name] += seconds
    per_run = [_with_ratios(group) for group in groups.values()]
    per_run.sort(key=lambda group: -group["worker_seconds"])
    overall = _with_ratios({"runs": sum(group["runs"] for group in per_run), "phases": totals})
    return {**overall, "per_run": per_run}


def _with_ratios(group: dict) -> dict:
    phases = dict(sorted(group.get("phases", {}).items(), key=lambda item: -item[1]))
    worker = sum(phases.values())
    train = phases.get("train", 0.0)
    return {
        **{key: value for key, value in group.items() if key != "phases"},
        "phases": phases,
        "worker_seconds": worker,
        "train_seconds": train,
        "ratios": {
            "worker_over_train": worker / train if train else None,
            "worker_over_train_and_robustness": worker / (train + phases.get(ROBUSTNESS, 0.0)) if train else None,
        },
    }


def _ratio(value) -> str:
    return "—" if value is None else f"{value:.2f}"


def to_markdown(result: dict) -> str:
    worker = result["worker_seconds"] or 1.0
    ratios = result["ratios"]
    out = [
        f"{result['runs']} runs: {result['worker_seconds']:.1f} s of worker time, {result['train_seconds']:.1f} s "
        f"training; worker / training {_ratio(ratios['worker_over_train'])}, "
        f"worker / (training + robustness) {_ratio(ratios['worker_over_train_and_robustness'])}",
        "",
        "| phase | seconds | share |",
        "|---|---|---|",
        *(f"| {name} | {seconds:.1f} | {seconds / worker:.1%} |" for name, seconds in result["phases"].items()),
        "",
        "| task | algorithm | runs | worker s | train s | worker / train | worker / (train + robustness) | top phases |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for group in result["per_run"]:
        top = ", ".join(f"{name} {seconds:.1f}" for name, seconds in list(group["phases"].items())[:3])
        out.append(
            f"| {group['task']} | {group['algorithm']} | {group['runs']} | {group['worker_seconds']:.1f} | "
            f"{group['train_seconds']:.1f} | {_ratio(group['ratios']['worker_over_train'])} | "
            f"{_ratio(group['ratios']['worker_over_train_and_robustness'])} | {top} |"
        )
    return "\n".join(out)


def render(result: dict, fmt: str) -> str:
    return json.dumps(result, indent=2) if fmt == "json" else to_markdown(result)
