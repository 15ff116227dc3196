"""Each feedback rule's gap to backprop on mnist1d's MLP and on its CNN, side by side (issue 16's "what it must show").

    creditbench run --suite standard --task mnist1d --task mnist1d-cnn \\
        --algorithm bp-sgd --algorithm fa --algorithm dfa --algorithm sign-symmetry --seeds 5 --db scale.sqlite
    python scripts/conv_gap.py scale.sqlite

BioTorch (Sanfiz & Akrout 2021) finds that convolutions widen FA's and DFA's gap to backprop and not sign
symmetry's.  Per rule and architecture the table gives the mean test score over the finished seeds with its 95%
bootstrap interval, and the mean paired difference to ``bp-sgd`` (per seed, on the seeds both finished) with its
interval (``harness.report.intervals``).  Runs that failed are left out and counted.
"""

from __future__ import annotations

import argparse
import sys

from harness.errors import HarnessError
from harness.report.intervals import mean_interval, paired_difference
from harness.results.store import Store

TASKS = {"MLP": "mnist1d", "CNN": "mnist1d-cnn"}
REFERENCE = "bp-sgd"
RULES = ("bp-sgd", "fa", "dfa", "sign-symmetry")


def scores_by_seed(runs: list[dict], suite: str) -> dict:
    """{(task, algorithm): {seed: test score}} of the suite's finished runs with no --set overrides."""
    found: dict = {}
    for run in runs:
        if run["suite"] == suite and run["status"] == "finished" and not run["overrides"]:
            found.setdefault((run["task"], run["algorithm"]), {})[run["seed"]] = run["metrics"]["test_score"]
    return found


def _interval(interval) -> str:
    return f"[{interval[0]:.3f}, {interval[1]:.3f}]" if interval else "[n/a]"


def cell(scores: dict | None, reference: dict | None, is_reference: bool) -> str:
    if not scores:
        return "no runs"
    text = f"{sum(scores.values()) / len(scores):.3f} {_interval(mean_interval(scores.values()))} n={len(scores)}"
    gap = None if is_reference or not reference else paired_difference(scores, reference)
    return text if gap is None else f"{text}; gap {gap['mean']:+.3f} {_interval(gap['interval'])}"


def table(runs: list[dict], suite: str = "standard") -> str:
    found = scores_by_seed(runs, suite)
    failed = sum(run["status"] == "failed" and run["task"] in TASKS.values() for run in runs)
    lines = ["| rule | " + " | ".join(f"{arch} ({task})" for arch, task in TASKS.items()) + " |"]
    lines.append("|---" * (len(TASKS) + 1) + "|")
    for rule in RULES:
        cells = [
            cell(found.get((task, rule)), found.get((task, REFERENCE)), rule == REFERENCE) for task in TASKS.values()
        ]
        lines.append(f"| {rule} | " + " | ".join(cells) + " |")
    lines.append(
        f"\ntest score (mean [95% interval] over seeds); gap: paired difference to {REFERENCE}; {failed} failed runs left out"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--suite", default="standard")
    args = parser.parse_args(argv)
    try:
        with Store(args.store, create=False) as store:
            runs = store.runs()
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(table(runs, args.suite))
    return 0


if __name__ == "__main__":
    sys.exit(main())
