"""The robustness radii of each task, chosen on its validation split (``harness.metrics.robustness.radii``).

    python scripts/choose_robustness_radii.py [--tasks digits mnist5k mnist1d] [--seeds 1000 1001]

Trains bp-sgd on each task's quick budget with the selection seeds, on a view of the task whose test split is
its validation split, brackets fixed validation points, and prints per task and norm the median attack bound
and the radius (half of it, to one significant figure) as a Markdown table.  ``ROBUSTNESS_RADII`` in
``harness/tasks/digits.py`` is set from its output.
"""

import argparse
import statistics

from harness.execution.suites import SELECTION_SEEDS
from harness.metrics.robustness import radii
from harness.registry import registry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["digits", "mnist5k", "mnist1d"])
    parser.add_argument("--seeds", nargs="+", type=int, default=list(radii.RADII_SEEDS))
    parser.add_argument("--points", type=int, default=radii.POINTS)
    args = parser.parse_args()
    if any(seed < SELECTION_SEEDS for seed in args.seeds):
        parser.error(f"selection seeds are {SELECTION_SEEDS} or more: seeds 0 … n−1 are the reported ones")
    plugins = registry()
    print("| task | norm | median validation attack bound | radius |")
    print("|---|---|---|---|")
    for name in args.tasks:
        bounds = radii.attack_bounds(plugins.task(name), plugins, seeds=args.seeds, count=args.points)
        for norm, values in bounds.items():
            print(f"| {name} | {norm} | {statistics.median(values):.4g} | {radii.radius(values):g} |")


if __name__ == "__main__":
    main()
