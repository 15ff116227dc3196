"""The ``creditbench`` command line.

Exit codes: 0 success; 1 from ``run`` when any of its runs failed (all of them are saved, and the failures
are listed with the key ``creditbench show`` takes); 2 a user error (unknown name, bad option, unusable store:
one line on stderr, nothing written); 130 interrupted by Ctrl-C, 143 terminated by SIGTERM (``kill``, a scheduler's time limit): either
way the running workers are stopped and the completed runs are saved.  torch is imported only by the
commands that train.
"""

from __future__ import annotations

import json
import math
import signal
import sys
import threading
import warnings
from pathlib import Path

import click

from harness.errors import HarnessError
from harness.execution.executors import EXECUTORS
from harness.execution.submitit_executor import DEFAULT_SUBMITIT_FOLDER
from harness.execution.suites import SELECTION_SEEDS
from harness.report.text import FORMATS as REPORT_FORMATS
from harness.results.exchange import FORMATS as EXPORT_FORMATS
from harness.results.store import DEFAULT_PATH
from harness.tuning.study import BUDGETS, SAMPLERS


class FiniteRange(click.FloatRange):
    """A float range that also refuses nan and inf, which click's ``FloatRange`` lets through."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


INTERRUPTED = "creditbench: interrupted; completed runs are saved"  # also printed by creditbench_entry
EXIT_RUNS_FAILED = 1  # `run`: every run was saved, and at least one of this invocation's runs failed
EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(BaseException):
    """SIGTERM, raised where the coordinator is, so that it unwinds as from Ctrl-C: the executor stops its
    workers on the way out (by default the signal would end this process alone and leave them running)."""


def _terminate(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the stopping of the workers short
    raise Terminated


LIST_KINDS = ("algorithms", "tasks", "metrics", "suites")


def _registry():
    from harness.registry import registry

    return registry()


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="creditbench")
def cli():
    """Benchmark learning rules on the same tasks, budgets and metrics."""


def _describe(kind: str) -> list[dict]:
    from harness.execution.suites import SUITES

    registry = _registry()
    if kind == "algorithms":
        return [
            {
                "name": a.name,
                "family": a.family,
                "citation": a.citation,
                "description": a.description,
                "task_kinds": list(a.task_kinds),
                "plausibility": vars(a.plausibility),
                "defaults": dict(a.defaults),
                "uses_reference_architecture": a.uses_reference_architecture,
                "supervised": a.supervised,
                "version": registry.versions[a.name],
            }
            for a in registry.algorithms.values()
        ]
    if kind == "tasks":
        return [
            {
                "name": t.name,
                "kind": t.kind,
                "score": t.score_name,
                "description": t.description,
                "architecture": str(t.architecture),
                "budget": vars(t.budget),
                "quick_budget": vars(t.quick_budget),
                "targets": list(t.targets),
                "dataset": t.dataset,
            }
            for t in registry.tasks.values()
        ]
    if kind == "metrics":
        return [{"name": m.name, "description": m.description} for m in registry.metrics.values()]
    return [
        {
            "name": s.name,
            "description": s.description,
            "seeds": s.seeds,
            "first_seed": s.first_seed,
            "time_limit": s.time_limit,
        }
        for s in SUITES.values()
    ]


@cli.command("list")
@click.argument("kind", type=click.Choice(LIST_KINDS), default="algorithms")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_command(kind, as_json):
    """List installed algorithms, tasks, metrics or suites."""
    items = _describe(kind)
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    from rich.markup import escape
    from rich.table import Table

    columns = {
        "algorithms": ("name", "family", "description"),
        "tasks": ("name", "kind", "score", "architecture", "description"),
        "metrics": ("name", "description"),
        "suites": ("name", "seeds", "time_limit", "description"),
    }[kind]
    table = Table(*columns)
    for item in items:
        table.add_row(*(escape(str(item[c])) for c in columns))  # plugin strings are text, not rich markup
    _console().print(table)


def _parse_settings(settings: tuple[str, ...]) -> dict:
    overrides = {}
    for setting in settings:
        key, sep, text = setting.partition("=")
        if not sep or not key:
            raise HarnessError(f"--set takes KEY=VALUE, got {setting!r}")
        try:
            overrides[key] = json.loads(text)
        except json.JSONDecodeError:
            overrides[key] = text
    return overrides


def _executor_options(command):
    """The options that say where runs execute, shared by ``run`` and ``tune``."""
    for option in reversed(
        (
            click.option("--jobs", default=2, show_default=True, type=click.IntRange(1, 256), help="Runs in parallel."),
            click.option(
                "--threads", default=1, show_default=True, type=click.IntRange(1, 256), help="Torch threads per run."
            ),
            click.option("--device", default="auto", show_default=True, help="cpu, cuda, cuda:N or auto."),
            click.option(
                "--time-limit",
                type=FiniteRange(1),
                help="Safety limit: seconds a run may take before it is killed and recorded as failed (default: the suite's; "
                "runs that timed out under a smaller limit run again).",
            ),
            click.option(
                "--memory-limit",
                default=6.0,
                show_default=True,
                type=FiniteRange(0.5, 2**20),
                help="GiB of address space per run.",
            ),
            click.option(
                "--native-numerics",
                is_flag=True,
                help="Leave the CPU's numerical code paths unpinned (scores may then differ between machines).",
            ),
            click.option(
                "--executor",
                "executor_name",
                type=click.Choice(EXECUTORS),
                default="local",
                show_default=True,
                help="Where runs execute: worker processes here, a Dask cluster, or submitit jobs (SLURM).",
            ),
            click.option(
                "--scheduler", metavar="ADDRESS", help="Dask scheduler to connect to (default: start a local cluster)."
            ),
            click.option(
                "--submitit-folder",
                default=DEFAULT_SUBMITIT_FOLDER,
                show_default=True,
                type=click.Path(file_okay=False),
                help="submitit's job files and logs (on a file system the nodes share).",
            ),
            click.option(
                "--cluster", type=click.Choice(("local", "slurm")), help="submitit backend (default: SLURM if present)."
            ),
            click.option("--partition", help="SLURM partition for submitit jobs."),
            click.option(
                "--runs-per-job",
                default=1,
                show_default=True,
                type=click.IntRange(1),
                help="Runs each submitit job runs in turn (shares a job's start-up among tiny runs).",
            ),
        )
    ):
        command = option(command)
    return command


TERMINAL_FORMATS = ("table", "md")  # the leaderboard on the terminal: a rich table, or the Markdown of the README


def _leaderboard_options(command):
    """How the leaderboard is printed, shared by ``run`` and ``report``."""
    command = click.option(
        "--columns",
        metavar="NAMES",
        help="Comma-separated columns of the table and the Markdown (headers as printed, e.g. "
        "'seeds,test score,AULC'; 'all' for every one; default: a compact set).",
    )(command)
    return click.option(
        "--all-versions",
        is_flag=True,
        help="Also the runs of older code versions (harness or plugin), as rows of their own; default: the latest.",
    )(command)


def _print_leaderboard(entries: list[dict], fmt: str | None, columns: str | None) -> None:
    """A rich table on a terminal (``fmt`` None) or when asked, else Markdown: the compact columns on a table,
    all of them in Markdown, unless ``columns`` names them."""
    from harness.report.terminal import choose_columns, tables
    from harness.report.text import to_markdown

    console = _console()
    if fmt is None:
        fmt = "table" if console.is_terminal else "md"
    if fmt == "md":
        click.echo(to_markdown(entries, choose_columns(columns or "all")))
        return
    for renderable in tables(entries, choose_columns(columns)):
        console.print(renderable)


def _device_and_numerics(device: str, native_numerics: bool) -> tuple[str, str]:
    from harness.execution import numerics
    from harness.results import environment

    setting = numerics.NATIVE if native_numerics else numerics.PINNED
    numerics.check_environment(setting)
    _import_extensions_uninterrupted()
    return environment.resolve_device(device), setting


def _executor(name, jobs, threads, memory_limit, scheduler, submitit_folder, cluster, partition, runs_per_job):
    from harness.execution.executors import make_executor

    return make_executor(
        name,
        jobs=jobs,
        threads=threads,
        memory_limit=int(memory_limit * (1 << 30)),
        scheduler=scheduler,
        folder=submitit_folder,
        cluster=cluster,
        partition=partition,
        runs_per_job=runs_per_job,
    )


@cli.command()
@click.option(
    "--suite",
    default="quick",
    show_default=True,
    help="quick, extended, ladder, standard, scale, selection, or tuned (each study's best configuration).",
)
@click.option("--task", "tasks", multiple=True, help="Only this task (repeatable).")
@click.option("--algorithm", "algorithms", multiple=True, help="Only this algorithm (repeatable).")
@click.option("--seeds", type=int, help="Number of seeds (default: the suite's).")
@click.option(
    "--first-seed",
    type=int,
    help=f"First seed (default: the suite's; reporting suites stay below {SELECTION_SEEDS}, selection from it on).",
)
@click.option(
    "--set", "settings", multiple=True, metavar="KEY=VALUE", help="Override an algorithm setting (repeatable)."
)
@click.option("--db", default=DEFAULT_PATH, show_default=True, type=click.Path(dir_okay=False), help="Result store.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    help="Folder of the datasets read from disk, the scale suite's (default: $CREDITBENCH_DATA); nothing is downloaded.",
)
@click.option("--retry-failed", is_flag=True, help="Run again the runs recorded as failed.")
@click.option(
    "--lean",
    is_flag=True,
    help="Validation score only (for tuning): no test split, no probes, no metrics but the score; "
    "never on the leaderboard.",
)
@click.option("--no-report", is_flag=True, help="Do not print the leaderboard at the end.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(TERMINAL_FORMATS),
    help="The leaderboard at the end: a table (default on a terminal) or Markdown (default otherwise).",
)
@_leaderboard_options
@click.option("--profile", "show_profile", is_flag=True, help="Print where this invocation's runs spent their time.")
@_executor_options
def run(
    suite,
    tasks,
    algorithms,
    seeds,
    first_seed,
    settings,
    db,
    data_dir,
    jobs,
    threads,
    device,
    time_limit,
    memory_limit,
    native_numerics,
    retry_failed,
    lean,
    no_report,
    fmt,
    columns,
    all_versions,
    show_profile,
    executor_name,
    scheduler,
    submitit_folder,
    cluster,
    partition,
    runs_per_job,
):
    """Run a suite (default: quick) into the store, resuming where it stopped, and print the leaderboard.

    Runs are pinned to the AVX2 baseline unless --native-numerics is given.  Lean runs (--lean) are not on the
    leaderboard, which is then not printed.  Exits with 1 when any of the runs it executed failed
    (``creditbench show RUN`` prints a failed run's traceback and output).
    """
    import dataclasses

    from harness.execution import matrix, suites
    from harness.progress import Progress
    from harness.report.aggregate import aggregate
    from harness.report.terminal import choose_columns
    from harness.results.store import Store
    from harness.tasks import data_folder
    from harness.tuning.tuned import TUNED_SUITE, plan_tuned

    if data_dir:
        data_folder.use(data_dir)  # workers inherit it with the environment
    choose_columns(columns)  # a misspelt column is refused before anything runs
    registry = _registry()
    device, setting = _device_and_numerics(device, native_numerics)
    if suite == TUNED_SUITE:
        if settings or first_seed is not None or lean:
            raise click.UsageError("--suite tuned runs each study's best configuration: no --set, --first-seed, --lean")
        specs = plan_tuned(registry, db, tasks, algorithms, seeds, device, time_limit)
    else:
        specs = suites.plan(
            registry, suite, tasks, algorithms, seeds, _parse_settings(settings), device, first_seed, time_limit
        )
    specs = [dataclasses.replace(spec, numerics=setting, lean=lean) for spec in specs]
    executor = _executor(
        executor_name, jobs, threads, memory_limit, scheduler, submitit_folder, cluster, partition, runs_per_job
    )
    with Store(db) as store, Progress(_console(stderr=True)) as progress:
        summary = matrix.run_matrix(
            specs, store, executor, registry, retry_failed, on_start=progress.start, on_result=progress.advance
        )
        rows = store.runs(suite)
        executed = store.runs(suite, keys=set(summary.store_seconds)) if show_profile else []
    console = _console(stderr=True)
    console.print(
        f"{summary.planned} runs planned, {summary.skipped} already in {db}, "
        f"{summary.finished} finished, {len(summary.failed)} failed",
        markup=False,
    )
    for label, reason, key in summary.failed:
        console.print(f"  failed {label} (creditbench show {key[:12]}): {reason}", markup=False)
    if not (no_report or lean):
        _print_leaderboard(aggregate(rows, registry, all_versions), fmt, columns)
    if show_profile:
        from harness.report import profile

        click.echo(profile.to_markdown(profile.profile(executed, summary.store_seconds)))
    if summary.failed:
        sys.exit(EXIT_RUNS_FAILED)


@cli.command()
@click.option("--task", "tasks", multiple=True, help="Only this task (repeatable; default: the selection suite's).")
@click.option("--algorithm", "algorithms", multiple=True, help="Only this algorithm (repeatable).")
@click.option("--trials", default=20, show_default=True, type=click.IntRange(1), help="Trials per (task, rule).")
@click.option(
    "--sampler", type=click.Choice(SAMPLERS), default="qmc", show_default=True, help="The same for every rule."
)
@click.option("--budget", type=click.Choice(BUDGETS), default="quick", show_default=True, help="The tasks' budgets.")
@click.option(
    "--seeds",
    default=1,
    show_default=True,
    type=click.IntRange(1),
    help=f"Selection seeds every trial runs (from {SELECTION_SEEDS} on); its score is their mean.",
)
@click.option("--db", default=DEFAULT_PATH, show_default=True, type=click.Path(dir_okay=False), help="Result store.")
@_executor_options
def tune(
    tasks,
    algorithms,
    trials,
    sampler,
    budget,
    seeds,
    db,
    jobs,
    threads,
    device,
    time_limit,
    memory_limit,
    native_numerics,
    executor_name,
    scheduler,
    submitit_folder,
    cluster,
    partition,
    runs_per_job,
):
    """Tune every (task, rule) with the same Optuna search on validation scores of selection seeds; print the best.

    One study per (task, rule, budget) in DB.optuna.sqlite, beside the store, which holds the trials' lean runs
    (never the test split, never on the leaderboard).  Rerunning resumes: finished trials are kept, and --trials
    only adds the missing ones.  See harness.tuning.study for what a trial is.
    """
    from harness.results.store import Store
    from harness.tuning import study

    registry = _registry()
    device, setting = _device_and_numerics(device, native_numerics)
    executor = _executor(
        executor_name, jobs, threads, memory_limit, scheduler, submitit_folder, cluster, partition, runs_per_job
    )
    console = _console(stderr=True)

    def on_trial(name, trial):
        value = "" if trial.value is None else f" val score {trial.value:.4f}"
        console.print(f"{name} trial {trial.number}: {trial.state.name.lower()}{value}", markup=False)

    study.pairs(registry, tasks, algorithms, seeds)  # bad names are an error before the store is created
    with Store(db) as store:
        results = study.tune(
            registry,
            store,
            executor,
            study.storage_path(db),
            tasks,
            algorithms,
            trials,
            sampler,
            budget,
            seeds,
            device=device,
            numerics=setting,
            time_limit=time_limit,
            on_trial=on_trial,
        )
    click.echo("| task | rule | trials (complete / pruned / failed) | best val score | best configuration |")
    click.echo("|---|---|---|---|---|")
    for result in results:
        score = "—" if result.best_score is None else f"{result.best_score:.4f}"
        config = "—" if result.best_config is None else json.dumps(result.best_config, sort_keys=True)
        click.echo(
            f"| {result.task} | {result.algorithm} | {result.trials} ({result.complete} / {result.pruned} / "
            f"{result.failed}) | {score} | `{config}` |"
        )


@cli.command()
@click.option("--db", default=DEFAULT_PATH, show_default=True, type=click.Path(dir_okay=False), help="Result store.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("table", *REPORT_FORMATS, "html")),
    help="Default: a table on a terminal, else md.",
)
@click.option("--suite", help="Only this suite.")
@click.option("--out", type=click.Path(), help="Write to this file (a directory for html) instead of stdout.")
@click.option(
    "--across-tasks",
    is_flag=True,
    help="Only the view across tasks: performance profiles, IQM of the normalised score, P(better than bp-sgd).",
)
@_leaderboard_options
def report(db, fmt, suite, out, across_tasks, columns, all_versions):
    """Print the leaderboard from the store, or write it as HTML pages with plots.

    The leaderboard and the HTML pages end with the view across tasks; ``--across-tasks`` prints
    that view alone (md, csv or json).  The store is only read.
    """
    from harness.report.aggregate import aggregate
    from harness.report.terminal import choose_columns
    from harness.report.text import render, render_across_tasks
    from harness.results.store import Store

    if fmt == "html" and not out:
        raise HarnessError("--format html needs --out DIR")
    if fmt == "html" and across_tasks:
        raise HarnessError("--across-tasks is a section of every HTML page; drop it or choose md, csv or json")
    if columns and (fmt not in (None, *TERMINAL_FORMATS) or across_tasks):
        raise HarnessError("--columns chooses the leaderboard's columns in a table or md; drop it")
    if fmt == "table" and (out or across_tasks):
        raise HarnessError("--format table is for the terminal; choose md, csv or json")
    choose_columns(columns)
    with Store(db, read_only=True) as store:
        rows, claims = store.runs(suite), store.claims()
    if fmt == "html":
        from harness.report import site
        from harness.tuning.sensitivity import sensitivities

        pages = site.write(rows, out, _registry(), site.asv_dashboard(), sensitivities(db), claims)
        click.echo(f"wrote {len(pages)} pages into {out}: open {pages[0]}")
        return
    entries = aggregate(rows, _registry(), all_versions)
    if not out and not across_tasks and fmt in (None, *TERMINAL_FORMATS):
        _print_leaderboard(entries, fmt, columns)
        return
    fmt = fmt or "md"
    if fmt == "md" and not across_tasks:
        from harness.report.text import to_markdown

        text = to_markdown(entries, choose_columns(columns or "all"))
    else:
        text = (render_across_tasks if across_tasks else render)(entries, fmt)
    if out:
        try:
            Path(out).write_text(text + "\n", encoding="utf-8")
        except OSError as error:
            raise HarnessError(f"cannot write {out}: {error.strerror}") from None
    else:
        click.echo(text)


@cli.command("profile")
@click.option("--db", default=DEFAULT_PATH, show_default=True, type=click.Path(dir_okay=False), help="Result store.")
@click.option("--suite", help="Only this suite.")
@click.option("--task", "tasks", multiple=True, help="Only this task (repeatable).")
@click.option("--algorithm", "algorithms", multiple=True, help="Only this algorithm (repeatable).")
@click.option("--format", "fmt", type=click.Choice(("md", "json")), default="md", show_default=True)
def profile_command(db, suite, tasks, algorithms, fmt):
    """Where the stored runs spent their time: per phase, and per (task, algorithm)."""
    from harness.report import profile
    from harness.results.store import Store

    with Store(db, read_only=True) as store:
        rows = store.runs(suite)
    rows = [r for r in rows if (not tasks or r["task"] in tasks) and (not algorithms or r["algorithm"] in algorithms)]
    click.echo(profile.render(profile.profile(rows), fmt))


@cli.command("export")
@click.option("--db", default=DEFAULT_PATH, show_default=True, type=click.Path(dir_okay=False), help="Result store.")
@click.option("--suite", help="Only this suite.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="File to write (.jsonl or .parquet).")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), help="Default: from --out's extension.")
def export_command(db, suite, out, fmt):
    """Export the store's runs, to merge them into another store with creditbench import."""
    from harness.results import exchange
    from harness.results.store import Store

    if Path(out).resolve() == Path(db).resolve():
        raise HarnessError("--out is the store itself")
    with Store(db, read_only=True) as store:
        rows = store.runs(suite)
    click.echo(f"exported {exchange.export(rows, out, fmt)} runs to {out}")


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--db", default=DEFAULT_PATH, show_default=True, type=click.Path(dir_okay=False), help="Result store.")
def import_command(files, db):
    """Merge exported runs into the store; runs already there are kept (a finished run replaces a failed one)."""
    from harness.results import exchange
    from harness.results.store import Store

    rows = [row for path in files for row in exchange.read(path)]  # every file is validated before any write
    with Store(db) as store:
        added, replaced = store.merge(rows)
    click.echo(
        f"read {len(rows)} runs from {len(files)} file(s): {added} added, {replaced} failed runs replaced by "
        f"finished ones, {len(rows) - added - replaced} already in {db}"
    )


@cli.command()
@click.argument("reference", metavar="RUN")
@click.option("--db", default=DEFAULT_PATH, show_default=True, type=click.Path(dir_okay=False), help="Result store.")
def show(reference, db):
    """Print one stored run: what it ran, its metrics and, for a failed run, its traceback and captured output.

    RUN is a run key, a prefix of one (run prints it beside each failure), or task::algorithm::seedN.
    """
    from harness.results.store import Store, label

    with Store(db, read_only=True) as store:
        row = store.find(reference)
        log = store.failure_log(row["run_key"])
    facts = {
        "run": row["run_key"],
        "label": label(row),
        "suite": row["suite"],
        "status": row["status"] + (f": {row['reason']}" if row["reason"] else ""),
        "code": row["code_version"],
        "device": row["environment"].get("device"),
        "finished at": row["finished_at"],
        "wall seconds": f"{row['wall_seconds']:.1f}",
        "budget": json.dumps(row["budget"]),
        "overrides": json.dumps(row["overrides"], sort_keys=True),
        "config": json.dumps(row["config"], sort_keys=True),
    }
    for name, value in facts.items():
        click.echo(f"{name + ':':<14}{value}")
    if row["metrics"]:
        click.echo("metrics:")
        for name, value in sorted(row["metrics"].items()):
            click.echo(f"  {name}: {json.dumps(value)}")
    if row["status"] == "failed":
        if log is None:
            click.echo(
                "no traceback or output was kept for this run (it failed outside the plugin, or before creditbench kept them)"
            )
        else:
            click.echo("traceback:\n" + (log["traceback"].rstrip() or "(none: the worker did not raise)"))
            click.echo("output:\n" + (log["output"].rstrip() or "(nothing printed)"))


@cli.command()
@click.option("--failed", is_flag=True, help="Remove the failed runs (they run again on the next `run`).")
@click.option(
    "--stale",
    is_flag=True,
    help="Remove the runs of older code versions than their entry's latest (the older rows --all-versions adds).",
)
@click.option("--suite", help="Only this suite's runs.")
@click.option("--dry-run", is_flag=True, help="Say what would be removed, remove nothing.")
@click.option("--db", default=DEFAULT_PATH, show_default=True, type=click.Path(dir_okay=False), help="Result store.")
def prune(failed, stale, suite, dry_run, db):
    """Remove failed or stale runs from the store, on request only (nothing is ever pruned by default)."""
    from harness.report.aggregate import superseded
    from harness.results.store import Store

    if not (failed or stale):
        raise HarnessError("prune needs --failed, --stale or both: nothing is removed by default")
    with Store(db, create=False) as store:
        rows = store.runs(suite)
        chosen = {row["run_key"] for row in rows if failed and row["status"] == "failed"}
        chosen |= {row["run_key"] for row in superseded(rows)} if stale else set()
        removed = len(chosen) if dry_run else store.delete(chosen)
    click.echo(f"{'would remove' if dry_run else 'removed'} {removed} of {len(rows)} runs from {db}")


@cli.command("check-plugin")
@click.argument("name")
def check_plugin(name):
    """Run the conformance kit on an installed algorithm."""
    from harness.testing import run_checks

    registry = _registry()
    algorithm = registry.algorithm(name)
    failures = 0
    for check, problem in run_checks(algorithm):
        mark = "ok  " if problem is None else "FAIL"
        click.echo(f"{mark} {check}" + (f": {problem}" if problem else ""))
        failures += problem is not None
    click.echo(f"{name}: {'conforms' if not failures else f'{failures} check(s) failed'}")
    sys.exit(1 if failures else 0)


def _format_warning(message, category, filename, lineno, line=None):
    return f"creditbench: warning: {message}\n"


def printable(text: str) -> str:
    """``text`` with control characters escaped, so that an error stays on one line whatever the user typed."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _add_plugin_commands() -> None:
    try:
        _registry().manager.hook.register_commands(cli=cli)
    except Exception as error:  # a plugin's command hook must not take the CLI down
        warnings.warn(f"a plugin failed to add its commands: {type(error).__name__}: {error}", stacklevel=1)


def _import_extensions_uninterrupted() -> None:
    """Import numpy and torch with SIGINT held back (``run`` and ``tune``, before they resolve the device): a
    KeyboardInterrupt inside a C extension's import leaves it half-loaded, and the next import fails with an
    ImportError and a traceback instead of the one-line message.  A Ctrl-C that arrived meanwhile is delivered when
    the imports end, as a KeyboardInterrupt ``main`` handles.  Only the main thread may hold signals back."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        import numpy  # noqa: F401
        import torch  # noqa: F401
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def main(argv=None):
    warnings.formatwarning = _format_warning
    on_main_thread = threading.current_thread() is threading.main_thread()  # only it may set handlers
    previous = signal.signal(signal.SIGTERM, _terminate) if on_main_thread else None
    try:
        _add_plugin_commands()  # inside: a Ctrl-C while the plugins load is an interruption like any other
        cli.main(args=argv, prog_name="creditbench", standalone_mode=False)
    except HarnessError as error:
        click.echo(f"creditbench: error: {printable(str(error))}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo(INTERRUPTED, err=True)
        sys.exit(130)
    except click.ClickException as error:
        click.echo(f"creditbench: error: {printable(error.format_message())}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo(INTERRUPTED, err=True)
        sys.exit(130)
    except Terminated:
        click.echo("creditbench: terminated; completed runs are saved", err=True)
        sys.exit(EXIT_TERMINATED)
    finally:
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous)
