"""Each rule's training step over its algorithmic floor, per task, and the step ratios the issue tracks.

    python scripts/algorithmic_floors.py [--algorithm NAME]... [--task NAME]... [--steps 20] [--format md|json]

For every algorithm whose learner implements ``floor_step`` (``harness.algorithmic_floor``), on every task of
the quick and extended suites it runs (every task it supports but the ladder-only rungs; or those given, a ladder
rung included): median seconds of ``train_step`` and of ``floor_step`` over the same
batches, alternating, one thread, and their ratio; then the fixed comparisons in ``COMPARISONS`` (one rule's
step over another's).  Markdown prints a table with the floor in words; JSON a list of rows.
"""

from __future__ import annotations

import argparse
import json

COMPARISONS = (("uoro", "bptt", "adding-10"), ("uoro", "bptt", "adding-1000"))


def main(argv=None) -> None:
    import torch

    from harness import algorithmic_floor
    from harness.errors import HarnessError
    from harness.registry import registry

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--algorithm", action="append", default=[])
    parser.add_argument("--task", action="append", default=[])
    parser.add_argument("--steps", type=int, default=algorithmic_floor.STEPS)
    parser.add_argument("--format", choices=("md", "json"), default="md")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    plugins = registry()
    try:
        pairs = _pairs(plugins, args.task, args.algorithm)
    except HarnessError as error:
        parser.exit(2, f"error: {error}\n")
    rows = []
    for algorithm, task in pairs:
        measured = algorithmic_floor.measure(plugins, algorithm, task, steps=args.steps)
        if measured is not None:
            rows.append(_row(measured))
    for algorithm, reference, task in COMPARISONS:
        if (not args.algorithm or algorithm in args.algorithm) and (not args.task or task in args.task):
            rows.append(_row(algorithmic_floor.compare(plugins, algorithm, reference, task, steps=args.steps)))
    if args.format == "json":
        print(json.dumps(rows, indent=1))
        return
    print("| task | step | over | step ms | over ms | ratio | floor |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['task']} | {row['numerator']} | {row['denominator']} | {1e3 * row['numerator_seconds']:.2f} | "
            f"{1e3 * row['denominator_seconds']:.2f} | {row['ratio']:.2f} | {row['floor']} |"
        )


def _pairs(plugins, tasks, algorithms) -> list[tuple[str, str]]:
    """(algorithm, task) of the quick and extended suites, and of the ladder's rungs for a task named; an error
    only for a task none of them runs."""
    pairs = set()
    for task in tasks:
        plugins.task(task)  # an unknown task's error, before the suites' own
        pairs |= _suites_pairs(plugins, ("quick", "extended", "ladder"), [task], algorithms)
    return sorted(pairs if tasks else _suites_pairs(plugins, ("quick", "extended"), [], algorithms))


def _suites_pairs(plugins, suites, tasks, algorithms) -> set[tuple[str, str]]:
    from harness.errors import HarnessError
    from harness.execution.suites import plan

    pairs, errors = set(), []
    for suite in suites:
        try:
            pairs |= {(spec.algorithm, spec.task) for spec in plan(plugins, suite, tasks=tasks, algorithms=algorithms)}
        except HarnessError as error:  # a pair one suite leaves out is another's
            errors.append(error)
    if len(errors) == len(suites):
        raise HarnessError(f"none of the {', '.join(suites)} suites runs {', '.join(tasks) or 'those algorithms'}")
    return pairs


def _row(measured) -> dict:
    return {**vars(measured), "ratio": measured.ratio}


if __name__ == "__main__":
    main()
