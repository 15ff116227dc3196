"""Stored runs aggregated per (suite, task, algorithm, settings): the leaderboard's entries, and its ladders.

Aggregation over seeds: means (and sample standard deviation) for the task's score (accuracy, or skill for
regression tasks), AULC and gradient cosine; for the score also its 95% bootstrap interval over seeds and
the paired difference to ``bp-sgd`` (``REFERENCE``, default settings) on the same seeds, with its interval
and whether it is tied (``harness.report.intervals``); medians for costs; for each target, the median over seeds of
presentations-to-target, where a seed that never reached it counts as infinitely many (so the median is
null when half or more of the seeds failed to reach it).  Failed runs (a run that exceeded its time limit among
them) are counted, with their reasons, never averaged.  A ladder needs two rungs in a suite to be shown.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict

from harness.execution.numerics import NATIVE
from harness.metrics.robustness import keys
from harness.report.intervals import mean_interval, paired_difference

# rules read out by the harness's probe: the probe on the untrained network, on random ReLU features, the gain
PROBE_CONTROL_KEYS = ("probe_untrained_test_score", "probe_random_relu_test_score", "probe_gain")

CONTROL = "control"  # the family of baselines that learn no hidden layer (a readout alone, frozen features)
REFERENCE = "bp-sgd"  # what every rule's paired difference is taken against


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


def _conditions(row: dict) -> dict:
    """What a run was computed under, when it is not the default: ``{"numerics": "native"}`` for unpinned numerics
    (``--native-numerics``), ``{"device": "cuda"}`` for a device other than the CPU."""
    environment = row.get("environment") or {}
    numerics = environment.get("numerics") or {}
    device = environment.get("device") or "cpu"
    return {
        **({"numerics": numerics["setting"]} if numerics.get("setting") == NATIVE else {}),
        **({} if device.startswith("cpu") else {"device": device}),
    }


def _entry_key(row: dict) -> tuple:
    """What makes runs one entry, code version aside: (suite, task, algorithm, settings, tuning, lean)."""
    metrics = row.get("metrics") or {}
    settings = {**(row.get("overrides") or {}), **_conditions(row)}
    tuned = json.dumps(metrics.get("tuned"), sort_keys=True)
    return (
        row["suite"],
        row["task"],
        row["algorithm"],
        json.dumps(settings, sort_keys=True),
        tuned,
        bool(metrics.get("lean")),
    )


def latest_versions(rows: list[dict]) -> dict[tuple, str]:
    """Per entry (``_entry_key``), the code version (harness and plugin, ``RunSpec.key``) of its most recent run."""
    newest: dict[tuple, tuple[str, str]] = {}
    for row in rows:
        key = _entry_key(row)
        finished_at, version = row.get("finished_at", ""), row.get("code_version", "")
        if key not in newest or finished_at > newest[key][0]:
            newest[key] = (finished_at, version)
    return {key: version for key, (_, version) in newest.items()}


def superseded(rows: list[dict]) -> list[dict]:
    """The runs of an older code version than their entry's latest: those the leaderboard leaves out by default."""
    latest = latest_versions(rows)
    return [row for row in rows if row.get("code_version", "") != latest[_entry_key(row)]]


def aggregate(rows: list[dict], registry=None, all_versions: bool = False) -> list[dict]:
    """One entry per (suite, task, algorithm, settings overridden with ``--set``); runs with native numerics are
        entries of their own, labelled ``[numerics=native]``, never averaged with pinned ones, and so are runs on a GPU
    (``[device=cuda]``).  Lean runs
        (``RunSpec.lean``: validation score only, no test split) are left out.

        Code versions are never pooled: by default only the runs of each entry's latest code version (that of its most
        recently finished run) count, so that bumping a plugin's version starts its rows afresh; ``all_versions``
        shows the runs of older versions too, as entries of their own labelled with their version
        (``latest_version`` False).

        With the registry, entries also carry what the installed algorithm and
        task declare: the paper's published figure for the task, whether the
        algorithm is a control (family ``"control"``), and the name of the task's score.
    """
    published = registry.published() if registry else {}
    score_names = {task.name: task.score_name for task in registry.tasks.values()} if registry else {}
    pretraining = {a.name: a.pretraining_presentations for a in registry.algorithms.values()} if registry else {}
    rungs = {task.name: task.ladder for task in registry.tasks.values() if task.ladder} if registry else {}
    controls = {a.name for a in registry.algorithms.values() if a.family == CONTROL} if registry else set()
    rows = [row for row in rows if not (row.get("metrics") or {}).get("lean")]  # validation scores only: not results
    latest = latest_versions(rows)
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:  # runs with other settings (--set, native numerics) or code are entries of their own
        key = _entry_key(row)
        version = row.get("code_version", "")
        if all_versions or version == latest[key]:
            groups[(key, version)].append(row)
    entries = []
    for (key, version), runs in groups.items():
        suite, task, algorithm, overrides, tuned, _ = key
        tuning = json.loads(tuned)
        is_latest = version == latest[key]
        finished = [run["metrics"] for run in runs if run["status"] == "finished"]
        by_seed = {run["seed"]: _score(run["metrics"]) for run in runs if run["status"] == "finished"}
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
                "tuned": tuning,
                "label": label(algorithm, json.loads(overrides), tuning) + ("" if is_latest else f" @ {version}"),
                "code_version": version,
                "latest_version": is_latest,
                "n_seeds": len(finished),
                "failed_runs": len(runs) - len(finished),
                # stores written while a training-time cap stopped runs early (creditbench 0.2) mark those runs
                "capped_runs": sum(m.get("stopped_by") == "wall_clock" for m in finished),
                "failure_reasons": sorted({run["reason"] for run in runs if run["status"] == "failed"}),
                "score_name": score_names.get(task, "score"),
                "ladder": list(rungs[task]) if task in rungs else None,
                "test_score_mean": _mean(_score(m) for m in finished),
                "test_score_std": _std([_score(m) for m in finished]),
                "test_score_interval": mean_interval(by_seed.values()),
                "test_score_by_seed": dict(sorted(by_seed.items())),
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
                    unit: _median((m.get("cost_per_presentation") or {}).get(unit) for m in finished)
                    for unit in cost_units
                },
                **{
                    key: _mean(m.get(key) for m in finished)
                    for key in (
                        "gradient_cosine",
                        "gradient_cosine_output",
                        "gradient_cosine_objective",
                        "gradient_cosine_applied",
                    )
                },
                "gradient_cosine_layers": {
                    name: _mean((m.get("gradient_cosine_layers") or {}).get(name) for m in finished)
                    for name in layer_names
                }
                or None,
                **_robustness(finished),
                **{key: _mean(m.get(key) for m in finished) for key in PROBE_CONTROL_KEYS},
            }
        )
    _pair_with_reference(entries)
    entries.sort(
        key=lambda e: (
            e["suite"],
            e["task"],
            -(e["test_score_mean"] if e["test_score_mean"] is not None else -math.inf),
            e["label"],
        )
    )
    return entries


def _pair_with_reference(entries: list[dict]) -> None:
    """Each entry's ``vs_reference``: its paired difference to the reference on its task (None for the
    reference itself, or where the reference has no runs)."""
    references = {
        (e["suite"], e["task"]): e
        for e in entries
        if e["algorithm"] == REFERENCE and not e["overrides"] and e["latest_version"]
    }
    for entry in entries:
        reference = references.get((entry["suite"], entry["task"]))
        entry["vs_reference"] = (
            None
            if reference is None or reference is entry
            else paired_difference(entry["test_score_by_seed"], reference["test_score_by_seed"])
        )


def _robustness(finished: list[dict]) -> dict:
    """Robustness bounds over seeds: medians of the per-run quartiles and tightness, mean robust accuracy,
    the union of flags, and why a bound is not defined (when no seed has it)."""
    entry: dict = {}
    for norm in keys.NORMS:
        for bound in keys.BOUNDS:
            for key in keys.quartiles(bound, norm):
                entry[key] = _median(m.get(key) for m in finished)
        entry[keys.tightness(norm)] = _median(m.get(keys.tightness(norm)) for m in finished)
        for kind in keys.ROBUST_ACCURACIES:
            entry[keys.accuracy(kind, norm)] = _mean(m.get(keys.accuracy(kind, norm)) for m in finished)
        not_defined = keys.lower_not_defined(norm)
        reasons = {m[not_defined] for m in finished if m.get(not_defined)}
        certified = entry[keys.quartile("lower", norm, "median")] is not None
        entry[not_defined] = None if certified else "; ".join(sorted(reasons)) or None
    reasons = {m.get(keys.NOT_DEFINED) for m in finished}
    entry[keys.NOT_DEFINED] = "; ".join(sorted(reasons)) if finished and None not in reasons else None
    entry[keys.FLAGS] = sorted({flag for m in finished for flag in m.get(keys.FLAGS) or []})
    return entry


def label(algorithm: str, overrides: dict, tuning: dict | None = None) -> str:
    """The algorithm's name, with the settings it was run with when they are not its defaults; a tuned run's
    "tuned (N trials, sampler, budget)" instead (its settings are the study's best, in the entry's overrides)."""
    if tuning is not None:
        return f"{algorithm} · tuned ({tuning['trials']} trials, {tuning['sampler']}, {tuning['budget']})"
    if not overrides:
        return algorithm
    return f"{algorithm} [{', '.join(f'{key}={value}' for key, value in sorted(overrides.items()))}]"


def ladders(entries: list[dict]) -> list[dict]:
    """Scaling ladders: per (suite, family) with at least two rungs, each algorithm's entries keyed by the ladder
    parameter's value."""
    found: dict[tuple, dict] = {}
    for entry in entries:
        if not entry.get("ladder"):
            continue
        family, parameter, value = entry["ladder"]
        ladder = found.setdefault(
            (entry["suite"], family),
            {"suite": entry["suite"], "family": family, "parameter": parameter, "values": set(), "rows": {}},
        )
        ladder["values"].add(value)
        ladder["rows"].setdefault(entry["label"], {})[value] = entry
    for ladder in found.values():
        ladder["values"] = sorted(ladder["values"])
    return [found[key] for key in sorted(found) if len(found[key]["values"]) > 1]


def carried_bytes(entry) -> float | None:
    """Memory a step needs beyond the batch: activations saved for backward plus the state carried between steps."""
    parts = [entry.get("activation_bytes"), entry.get("state_bytes")]
    return None if all(p is None for p in parts) else sum(p or 0 for p in parts)


def grouped(entries):
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for entry in entries:
        groups[(entry["suite"], entry["task"])].append(entry)
    return groups.items()
