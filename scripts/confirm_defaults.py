"""Re-pick first-party defaults: each study's best configuration against the rule's current default, on fresh
selection seeds.

    creditbench tune --task T --algorithm A --trials 20 --db DB
    python scripts/confirm_defaults.py DB [--task T]... [--algorithm A]... [--seeds 4] [--jobs 2]

A study's best trial is the best of its trials on one selection seed (1000), so its score there is biased
upward by the choice.  Before it replaces a default, both are run side by side on the next selection seeds
(1001 on, the study's budget, lean runs: validation scores only, the test split never loaded), and the one with
the higher mean validation score is kept: the current default when it holds (or ties).  The best's floats are
rounded to three significant digits first, so what is confirmed is what is written.  The runs go to DB as tuning runs
(suite ``tune``), so a second call finds them and runs nothing.

Prints a Markdown table, one row per study: the default's and the best's mean validation score, their paired
difference with its 95% interval, the verdict, and the ``task_defaults`` entry to write (with the study it came
from, for the comment beside it).  ``--format py`` prints the same as the entries of a plugin's
``tuned_defaults.TUNED`` (rule, then task), each with that evidence as its comment.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
from pathlib import Path

from harness.execution import matrix, suites
from harness.execution.local_executor import LocalExecutor
from harness.registry import registry
from harness.report.intervals import paired_difference
from harness.results.store import Store
from harness.training.spec import run_key
from harness.tuning import pruning
from harness.tuning.space import decode
from harness.tuning.study import TUNING_SUITE, counted_trials, storage_path

FIRST_SEED = suites.SELECTION_SEEDS + 1  # the studies' trials ran seed 1000


def best_trials(db, tasks=(), algorithms=(), budget="quick") -> list[dict]:
    """Each study's best completed trial: task, algorithm, study name, counted trials, its decoded config."""
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rdb = pruning.storage(optuna, f"sqlite:///{Path(storage_path(db)).resolve()}")
    reg = registry()
    found = []
    for summary in sorted(optuna.get_all_study_summaries(rdb), key=lambda s: s.study_name):
        task, algorithm, study_budget = summary.study_name.split("::")
        if study_budget != budget or (tasks and task not in tasks) or (algorithms and algorithm not in algorithms):
            continue
        study = optuna.load_study(study_name=summary.study_name, storage=rdb)
        complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
        if not complete or algorithm not in reg.algorithms:
            continue
        best = max(complete, key=lambda t: t.value)
        found.append(
            {
                "task": task,
                "algorithm": algorithm,
                "study": summary.study_name,
                "trials": counted_trials(study),
                "best": _rounded(decode(reg.algorithm(algorithm).search_space, best.params)),
            }
        )
    return found


def _rounded(config: dict) -> dict:
    """Floats to three significant digits, as a default is written; the confirmation runs what is written."""
    return {name: float(f"{value:.3g}") if isinstance(value, float) else value for name, value in config.items()}


def _specs(reg, task, algorithm, config, seeds, budget):
    specs = suites.plan(reg, "selection", [task], [algorithm], seeds, config, first_seed=FIRST_SEED)
    task_budget = reg.task(task).budget
    return [
        dataclasses.replace(
            spec,
            suite=TUNING_SUITE,
            lean=True,
            budget=task_budget if budget == "standard" else spec.budget,
            time_limit=suites.FULL_BUDGET_TIME_LIMIT if budget == "standard" else spec.time_limit,
        )
        for spec in specs
    ]


def confirm(db, tasks=(), algorithms=(), seeds=4, jobs=2, budget="quick") -> list[dict]:
    """Run every study's best and its rule's default on the confirmation seeds; one comparison per study."""
    reg = registry()
    studies = best_trials(db, tasks, algorithms, budget)
    planned = []
    for entry in studies:
        algorithm = reg.algorithm(entry["algorithm"])
        defaults = algorithm.config_for(entry["task"])
        default = {name: defaults.get(name) for name in entry["best"]}
        entry["default"] = default
        entry["specs"] = {
            "default": _specs(reg, entry["task"], entry["algorithm"], None, seeds, budget),
            "best": _specs(reg, entry["task"], entry["algorithm"], entry["best"], seeds, budget),
        }
        planned += entry["specs"]["default"] + entry["specs"]["best"]
    with Store(db) as store:
        matrix.run_matrix(planned, store, LocalExecutor(jobs), reg)
        rows = {row["run_key"]: row for row in store.runs(keys={run_key(reg, spec) for spec in planned})}
    for entry in studies:
        scores = {}
        for side, specs in entry.pop("specs").items():
            finished = [rows[run_key(reg, spec)] for spec in specs]
            scores[side] = {
                row["seed"]: row["metrics"]["val_score"] if row["status"] == "finished" else None for row in finished
            }
        entry["scores"] = scores
        entry["difference"] = paired_difference(scores["best"], scores["default"])
        means = {side: _mean(values) for side, values in scores.items()}
        entry["means"] = means
        entry["keep"] = (
            "best"
            if means["best"] is not None and (means["default"] is None or means["best"] > means["default"])
            else "default"
        )
    return studies


def _mean(scores: dict) -> float | None:
    values = [value for value in scores.values() if value is not None]
    return statistics.fmean(values) if len(values) == len(scores) else None


def _entry(config: dict) -> str:
    return ", ".join(f'"{name}": {_value(value)}' for name, value in sorted(config.items()))


def _value(value) -> str:
    if isinstance(value, float):
        return repr(value)  # 1.0 stays a float: a default's type is what --set checks values against
    return f'"{value}"' if isinstance(value, str) else repr(value)  # as the plugins write their defaults


def _score(value: float | None) -> str:
    return "failed" if value is None else f"{value:.4f}"


def _shown_difference(difference: dict | None) -> str:
    if difference is None or difference["interval"] is None:
        return "—"
    low, high = difference["interval"]
    return f"{difference['mean']:+.4f} [{low:+.4f}, {high:+.4f}]"


def markdown(results: list[dict], seeds: int) -> list[str]:
    last = FIRST_SEED + seeds - 1
    lines = [
        f"| task | rule | default (val, seeds {FIRST_SEED}–{last}) | best of study | best − default (95% CI) | keep | entry |",
        "|---|---|---|---|---|---|---|",
    ]
    for entry in results:
        kept = entry[entry["keep"]]
        lines.append(
            f"| {entry['task']} | {entry['algorithm']} | {_score(entry['means']['default'])} | "
            f"{_score(entry['means']['best'])} | {_shown_difference(entry['difference'])} | {entry['keep']} | "
            f"`{{{_entry(kept)}}}` ({entry['study']}, {entry['trials']} trials) |"
        )
    return lines


def python_entries(results: list[dict], seeds: int) -> list[str]:
    verdict = {"best": "the study's best", "default": "the previous default held"}
    lines = []
    for algorithm in sorted({entry["algorithm"] for entry in results}):
        lines.append(f'    "{algorithm}": {{')
        for entry in (e for e in results if e["algorithm"] == algorithm):
            lines.append(
                f"        # {verdict[entry['keep']]} ({entry['study']}, {entry['trials']} trials; validation, seeds "
                f"{FIRST_SEED}–{FIRST_SEED + seeds - 1}): best {_score(entry['means']['best'])}, previous "
                f"{_score(entry['means']['default'])}, difference {_shown_difference(entry['difference'])}"
            )
            lines.append(f'        "{entry["task"]}": {{{_entry(entry[entry["keep"]])}}},')
        lines.append("    },")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db")
    parser.add_argument("--task", action="append", default=[])
    parser.add_argument("--algorithm", action="append", default=[])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--budget", choices=("quick", "standard"), default="quick")
    parser.add_argument("--format", choices=("md", "py"), default="md")
    args = parser.parse_args()
    if not storage_path(args.db).exists():
        parser.exit(2, f"no studies beside {args.db} ({storage_path(args.db)} is missing)\n")
    results = confirm(args.db, args.task, args.algorithm, args.seeds, args.jobs, args.budget)
    print("\n".join((markdown if args.format == "md" else python_entries)(results, args.seeds)))


if __name__ == "__main__":
    main()
