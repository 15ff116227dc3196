"""Score floors (``Algorithm.floors``) chosen on the selection suite, never on the seeds that are reported.

    creditbench run --suite selection --db selection.sqlite --no-report
    python scripts/choose_floors.py selection.sqlite [--algorithm A]...

A floor is the least quick-suite test score a rule is expected to reach on a task; ``pytest --benchmark``
fails a reported run below it.  Per (task, algorithm) of the store's selection-suite runs (seeds 1000 on, the
quick budgets), the floor is the least selection score minus twice their standard deviation, rounded down to
0.01: a reported seed of the same distribution falls below it rarely (about 2% of the time for a normal spread,
beyond the least of five seeds), while a rule that stops learning falls below it by far.  Prints a Markdown
table with the declared floor beside the chosen one; a run that failed or did not finish leaves its pair out.
"""

from __future__ import annotations

import argparse
import math
import statistics
from collections import defaultdict

MARGIN_SDS = 2.0


def chosen_floor(scores: list[float]) -> float:
    spread = statistics.stdev(scores) if len(scores) > 1 else 0.0
    return math.floor(round(100 * (min(scores) - MARGIN_SDS * spread), 9)) / 100  # round: 0.93 is 92.999…


def main(argv=None) -> None:
    from harness.registry import registry
    from harness.results.store import Store

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db")
    parser.add_argument("--algorithm", action="append", default=[])
    args = parser.parse_args(argv)
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    unfinished: set[tuple[str, str]] = set()
    with Store(args.db, create=False) as store:
        for row in store.runs(suite="selection"):
            if args.algorithm and row["algorithm"] not in args.algorithm:
                continue
            pair = (row["task"], row["algorithm"])
            # (a store from before creditbench 0.3 may hold runs a time cap stopped early: not a score)
            if row["status"] == "finished" and row["metrics"].get("stopped_by") != "wall_clock":
                scores[pair].append(row["metrics"]["test_score"])
            else:
                unfinished.add(pair)
    if not scores:
        parser.exit(1, f"{args.db} holds no finished selection-suite runs\n")
    plugins = registry()
    print("| task | algorithm | seeds | least | sd | chosen floor | declared floor |")
    print("|---|---|---|---|---|---|---|")
    for (task, algorithm), values in sorted(scores.items()):
        if (task, algorithm) in unfinished:
            continue
        declared = plugins.algorithms[algorithm].floors.get(task) if algorithm in plugins.algorithms else None
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        print(
            f"| {task} | {algorithm} | {len(values)} | {min(values):.3f} | {spread:.3f} | {chosen_floor(values):.2f} | "
            f"{'—' if declared is None else declared} |"
        )


if __name__ == "__main__":
    main()
