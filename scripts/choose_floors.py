"""Score floors (``Algorithm.floors``) chosen on the selection suite, never on the seeds that are reported.

    creditbench run --suite selection --db selection.sqlite --no-report
    python scripts/choose_floors.py selection.sqlite [--algorithm A]...

A floor is the least quick-suite test score a rule is expected to reach on a task; ``pytest --benchmark``
fails a reported run below it, so it is an alarm for a rule that stopped learning, and must not ring for a
seed that is merely unlucky.  Per (task, algorithm) of the store's selection-suite runs (seeds 1000 on, the
quick budgets), the floor is the least selection score less three standard deviations or three points (0.03),
whichever is more, rounded down to 0.01.

The margin was chosen on the selection seeds alone (the store of the command above), leaving each seed out in
turn and checking it against the floor of the other four: two standard deviations rang for 14 of 385 held-out
seeds, three for 9, two or 0.02 for 5, and three or 0.02, 0.03 or 0.05 for 4 (seeds of rules with a long lower
tail: pc on mnist1d; bptt, tbptt and uoro on the adding ladder's rungs, whose skill swings by whole units). 0.03
is taken over 0.02 because a floor is checked on each of some 350 reported runs and 385 held-out seeds cannot
tell the two apart; 0.05 would let a rule lose five points unnoticed. A classification floor at or below chance
is shown as none: the check for a score above chance, which a floor replaces, is stricter. The script prints the
leave-one-out count under its table: a Markdown table with the declared floor beside the chosen one. A run that
failed or did not finish leaves its pair out.
"""

from __future__ import annotations

import argparse
import math
import statistics
from collections import defaultdict

MARGIN_SDS = 3.0
MINIMUM_MARGIN = 0.03


def chosen_floor(scores: list[float]) -> float:
    spread = statistics.stdev(scores) if len(scores) > 1 else 0.0
    margin = max(MARGIN_SDS * spread, MINIMUM_MARGIN)
    return math.floor(round(100 * (min(scores) - margin), 9)) / 100  # round: 0.93 is 92.999…


def leave_one_out_alarms(scores: dict[tuple, list[float]]) -> tuple[int, int]:
    """(held-out seeds below the floor of their pair's other seeds, held-out seeds), over pairs of 3+ seeds."""
    alarms = held_out = 0
    for values in scores.values():
        if len(values) < 3:
            continue
        for index, value in enumerate(values):
            held_out += 1
            alarms += value < chosen_floor(values[:index] + values[index + 1 :])
    return alarms, held_out


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
    for pair in unfinished:
        scores.pop(pair, None)
    for (task, algorithm), values in sorted(scores.items()):
        declared = plugins.algorithms[algorithm].floors.get(task) if algorithm in plugins.algorithms else None
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        floor = chosen_floor(values)
        chance = plugins.tasks[task].chance if task in plugins.tasks else None
        # a floor replaces the check for a score above chance: one at or below chance would only weaken it
        shown = f"none (≤ chance {chance:.2f})" if chance and floor <= chance else f"{floor:.2f}"
        print(
            f"| {task} | {algorithm} | {len(values)} | {min(values):.3f} | {spread:.3f} | {shown} | "
            f"{'—' if declared is None else declared} |"
        )
    alarms, held_out = leave_one_out_alarms(scores)
    print(f"\nLeft out in turn, {alarms} of {held_out} selection seeds fall below the floor of their pair's others.")


if __name__ == "__main__":
    main()
