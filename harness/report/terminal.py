"""The leaderboard on a terminal: one rich table per (suite, task) with a compact set of columns, failures under it,
and the view across tasks.  Every cell is text, never rich markup (a plugin named ``[bold]x`` prints as typed)."""

from __future__ import annotations

from harness.errors import HarnessError, unknown_name
from harness.report.across_tasks import across_tasks
from harness.report.aggregate import grouped
from harness.report.columns import ACROSS_TASKS_COLUMNS, COLUMNS

DEFAULT_COLUMNS = ("algorithm", "seeds", "test score", "95% CI", COLUMNS[4][0], "ms/step", "grad cos")
ALL = "all"


def choose_columns(names: str | None) -> tuple:
    """The leaderboard's columns named in ``names`` (comma-separated headers, any case; ``all``), in that order;
    the compact default when None.  The algorithm column always comes first."""
    by_name = {column[0].lower(): column for column in COLUMNS}
    if names is None:
        wanted = list(DEFAULT_COLUMNS)
    elif names.strip().lower() == ALL:
        return COLUMNS
    else:
        wanted = [name.strip() for name in names.split(",") if name.strip()]
    for name in wanted:
        if name.lower() not in by_name:
            raise HarnessError(unknown_name("column", name, [column[0] for column in COLUMNS]))
    chosen = [by_name[name.lower()] for name in wanted]
    first = COLUMNS[0]
    return (first, *(column for column in chosen if column is not first))


def tables(entries: list[dict], columns=COLUMNS) -> list:
    """The rich renderables of the leaderboard: per task a table and its failed runs, then the view across tasks."""
    from rich.table import Table
    from rich.text import Text

    out = []
    for (suite, task), group in grouped(entries):
        table = Table(
            *(name for name, _, _ in columns),
            title=Text(f"{task} ({suite} suite; score: {group[0]['score_name']})"),
            title_justify="left",
        )
        for entry in group:
            table.add_row(*(Text(text(entry)) for _, text, _ in columns))
        out.append(table)
        failed = [
            f"{e['label']}: {e['failed_runs']} ({'; '.join(e['failure_reasons'])})" for e in group if e["failed_runs"]
        ]
        if failed:
            out.append(Text("Failed runs, not scored (creditbench show RUN prints one): " + "; ".join(failed)))
    for view in across_tasks(entries):
        table = Table(
            *(name for name, _, _ in ACROSS_TASKS_COLUMNS),
            title=Text(f"Across tasks ({view['suite']} suite)"),
            title_justify="left",
        )
        for rule in view["rules"]:
            table.add_row(*(Text(text(rule)) for _, text, _ in ACROSS_TASKS_COLUMNS))
        out.append(table)
    return out
