"""Each rule's test score at its defaults and at its tuned configuration, side by side, with the ranks of both.

    creditbench tune --task mnist1d --trials 20 --db DB
    creditbench run --task mnist1d --db DB --no-report             # the defaults, on the reported seeds
    creditbench run --suite tuned --task mnist1d --db DB --no-report
    python scripts/tuning_gain.py DB --task mnist1d [--budget quick]

Defaults are the quick (or, with ``--budget standard``, the standard) suite's rows; tuned ones the tuned suite's
rows of that budget, the latest tuning of each study.  Both are scored on the same reported seeds with the test
split, so the difference per seed is paired; its 95% bootstrap interval says whether tuning changed the score
(the leaderboard's own ``harness.report.intervals``).  A Markdown table, best tuned score first; the ranks are
among the rules that have both rows.
"""

from __future__ import annotations

import argparse

from harness.registry import registry
from harness.report.aggregate import aggregate
from harness.report.intervals import paired_difference
from harness.results.store import Store


def gains(rows: list[dict], task: str, budget: str) -> list[dict]:
    suite = "quick" if budget == "quick" else "standard"
    entries = [e for e in aggregate(rows, registry()) if e["task"] == task]
    defaults = {e["algorithm"]: e for e in entries if e["suite"] == suite and not e["overrides"]}
    tuned: dict[str, dict] = {}
    for entry in entries:
        if entry["suite"] == "tuned" and entry["tuned"] and entry["tuned"]["budget"] == budget:
            best = tuned.get(entry["algorithm"])
            if best is None or entry["tuned"]["trials"] > best["tuned"]["trials"]:
                tuned[entry["algorithm"]] = entry
    both = sorted(set(defaults) & set(tuned))
    rank_before = _ranks({name: defaults[name] for name in both})
    rank_after = _ranks({name: tuned[name] for name in both})
    table = []
    for name in both:
        before, after = defaults[name], tuned[name]
        table.append(
            {
                "algorithm": name,
                "defaults": before,
                "tuned": after,
                "difference": paired_difference(after["test_score_by_seed"], before["test_score_by_seed"]),
                "rank_before": rank_before[name],
                "rank_after": rank_after[name],
            }
        )
    return sorted(table, key=lambda row: -row["tuned"]["test_score_mean"])


def _ranks(entries: dict[str, dict]) -> dict[str, int]:
    order = sorted(entries, key=lambda name: -entries[name]["test_score_mean"])
    return {name: order.index(name) + 1 for name in entries}


def _score(entry: dict) -> str:
    return f"{entry['test_score_mean']:.3f} ± {entry['test_score_std']:.3f}"


def markdown(table: list[dict]) -> str:
    lines = [
        "| algorithm | defaults | tuned | tuned − defaults (paired, 95% CI) | rank before → after | tuned settings |",
        "|---|---|---|---|---|---|",
    ]
    for row in table:
        difference = row["difference"]
        if difference is None:
            change = "–"
        elif difference["interval"] is None:
            change = f"{difference['mean']:+.3f} (one seed)"
        else:
            low, high = difference["interval"]
            change = f"{difference['mean']:+.3f} [{low:+.3f}, {high:+.3f}]{' tied' if difference['tied'] else ''}"
        settings = ", ".join(
            f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(row["tuned"]["overrides"].items())
        )
        lines.append(
            f"| {row['algorithm']} | {_score(row['defaults'])} | {_score(row['tuned'])} | {change} "
            f"| {row['rank_before']} → {row['rank_after']} | {settings} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--task", required=True)
    parser.add_argument("--budget", choices=("quick", "standard"), default="quick")
    args = parser.parse_args()
    with Store(args.db, create=False) as store:
        rows = store.runs()
    print(markdown(gains(rows, args.task, args.budget)))


if __name__ == "__main__":
    main()
