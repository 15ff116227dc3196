"""The speed cost of pinned numerics: time per training step, pinned to AVX2 against native, per rule family.

    python scripts/numerics_cost.py [--rounds 3] [--seconds 0.5] [--algorithm NAME]...

One algorithm per family (the first registered; ``--algorithm`` picks others) on the first task it supports
(digits first), set up as the asv ``Step`` benchmark sets it up (one thread, the task's batch, a warmed-up
learner).  Each setting is timed in its own fresh process, since the libraries read the pinned variables once;
the processes alternate for ``--rounds`` rounds (pinned then native, then native then pinned, …), so that a
change in machine load hits both alike.  Per algorithm: the median over rounds of each setting's time per step,
their ratio (pinned / native: above 1 means pinning costs time), and the range over rounds of the ratio within a
round.  Default: 3 rounds, since each round starts two interpreters that load every task.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PREFERRED_TASKS = ("digits", "adding-10", "assoc-retrieval", "moving-balls", "quadratics", "influence-balancing")


def _pairs(algorithms: list[str]) -> list[tuple[str, str]]:
    """(algorithm, task): the chosen algorithms, or the first of each family, on the first task each supports."""
    from harness.registry import registry

    registry = registry()
    if not algorithms:
        families: dict[str, str] = {}
        for algorithm in registry.algorithms.values():
            families.setdefault(algorithm.family, algorithm.name)
        algorithms = list(families.values())
    tasks = [*PREFERRED_TASKS, *sorted(set(registry.tasks) - set(PREFERRED_TASKS))]
    pairs = []
    for name in algorithms:
        algorithm = registry.algorithm(name)
        supported = [task for task in tasks if not algorithm.declined(registry.task(task), algorithm.config_for(task))]
        if supported:
            pairs.append((name, supported[0]))
    return pairs


def _child(pairs: list[tuple[str, str]], seconds: float) -> None:
    """In a fresh process: seconds per training step of each pair, as JSON on the last line of stdout."""
    sys.path.insert(0, str(REPO))
    from benchmarks.learning_rules import Step

    times = {}
    for algorithm, task in pairs:
        step = Step()
        step.setup(algorithm, task, "cpu")
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            step.time_train_step(algorithm, task, "cpu")
            count += 1
        times[algorithm] = (time.perf_counter() - started) / count
    print(json.dumps(times))


def _timed(setting: str, pairs, seconds: float) -> dict[str, float]:
    from harness.execution import numerics

    environ = {key: value for key, value in os.environ.items() if key not in numerics.PINNED_ENVIRONMENT}
    environ.update(numerics.environment(setting))
    command = [sys.executable, __file__, "--child", json.dumps(pairs), "--seconds", str(seconds)]
    result = subprocess.run(command, env=environ, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.5, help="time spent stepping each algorithm per round")
    parser.add_argument("--algorithm", action="append", default=[])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        _child(json.loads(options.child), options.seconds)
        return
    from harness.execution import numerics
    from harness.registry import registry

    pairs = _pairs(options.algorithm)
    samples: dict[str, list[dict[str, float]]] = {numerics.PINNED: [], numerics.NATIVE: []}
    for round_ in range(options.rounds):  # the order alternates, so that a trend in machine load hits both alike
        for setting in list(samples)[:: 1 if round_ % 2 == 0 else -1]:
            samples[setting].append(_timed(setting, pairs, options.seconds))
    print("| family rule | task | pinned ms/step | native ms/step | pinned / native | per round |")
    print("|---|---|---|---|---|---|")
    ratios = []
    for algorithm, task in pairs:
        pinned, native = (statistics.median(run[algorithm] for run in samples[setting]) for setting in samples)
        ratios.append(pinned / native)
        rounds = [a[algorithm] / b[algorithm] for a, b in zip(samples[numerics.PINNED], samples[numerics.NATIVE])]
        family = registry().algorithm(algorithm).family
        print(
            f"| {family} {algorithm} | {task} | {pinned * 1e3:.3f} | {native * 1e3:.3f} | {pinned / native:.2f} "
            f"| {min(rounds):.2f}–{max(rounds):.2f} |"
        )
    print(f"geometric mean of the ratios: {statistics.geometric_mean(ratios):.3f} ({options.rounds} rounds)")


if __name__ == "__main__":
    main()
