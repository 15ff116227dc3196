"""Reading a store from a notebook: runs, curves, the leaderboard and the paper claims' outcomes as pandas
DataFrames, the report's figures.

``open_store(path)`` opens an existing store read-only: a mistyped path is an error, never a new file, and
nothing is written (an older store is read as it is).  Nested values (a run's metrics, a curve point's
gradient cosines, the leaderboard's intervals) become ``outer:inner`` columns, as in the CSV leaderboard.
pandas is imported when a DataFrame is asked for.
"""

from __future__ import annotations

from pathlib import Path

from harness.report.text import flatten
from harness.results.store import Store

RUN_COLUMNS = ("run_key", "suite", "task", "algorithm", "seed", "status", "reason", "code_version", "wall_seconds")
CLAIM_COLUMNS = ("test", "rules", "paper", "claim", "outcome", "code_version", "recorded_at")
FIGURES = ("learning_curves", "target_ecdf", "gradient_fidelity", "cost_fronts", "robustness_brackets")


class Results:
    """A store's contents, read-only.  Use as a context manager, or call ``close``."""

    def __init__(self, path: str | Path):
        self.store = Store(path, read_only=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        self.store.close()

    def _rows(self, suite: str | None) -> list[dict]:
        return self.store.runs(suite)

    def runs(self, suite: str | None = None):
        """One row per stored run: its identity, status, device, settings and every metric (``metric:inner`` for
        nested ones)."""
        import pandas

        records = [
            {
                **{name: row[name] for name in RUN_COLUMNS},
                "device": row["environment"].get("device"),
                "finished_at": row["finished_at"],
                **flatten(row["overrides"], "override:"),
                **flatten(row["metrics"]),
            }
            for row in self._rows(suite)
        ]
        return pandas.DataFrame.from_records(records, columns=_columns(records, RUN_COLUMNS))

    def curves(self, suite: str | None = None):
        """One row per evaluation of every finished run: the run's identity and the curve point (presentations,
        validation and test scores and losses, the gradient cosines measured there)."""
        import pandas

        identity = ("run_key", "suite", "task", "algorithm", "seed")
        records = [
            {**{name: row[name] for name in identity}, **flatten(point)}
            for row in self._rows(suite)
            if row["status"] == "finished"
            for point in row["curve"]
        ]
        return pandas.DataFrame.from_records(records, columns=_columns(records, identity))

    def leaderboard(self, suite: str | None = None, all_versions: bool = False, registry=None):
        """The leaderboard's entries (``harness.report.aggregate``), one row per (suite, task, rule, settings);
        ``registry`` (default: the installed plugins) adds the papers' figures and the controls."""
        import pandas

        from harness.report.aggregate import aggregate

        records = [flatten(entry) for entry in aggregate(self._rows(suite), _installed(registry), all_versions)]
        return pandas.DataFrame.from_records(records, columns=_columns(records, ("suite", "task", "label")))

    def claims(self):
        """One row per paper claim ``pytest --benchmark`` registered: its test, rules (comma-separated), paper,
        claim and last outcome (missing when it never ran), when and with which code version."""
        import pandas

        records = [{**claim, "rules": ", ".join(claim["rules"])} for claim in self.store.claims()]
        return pandas.DataFrame.from_records(records, columns=CLAIM_COLUMNS)

    def failure_log(self, run_key: str) -> dict | None:
        """A failed run's ``traceback`` and captured ``output`` (``run_key`` or a prefix of it), or None."""
        return self.store.failure_log(self.store.find(run_key)["run_key"])

    def figure(self, name: str, task: str, suite: str = "quick", registry=None):
        """The report's figure ``name`` (one of ``FIGURES``) for a task of a suite, as the HTML report draws it: a
        Bokeh layout (``bokeh.io.show`` in a notebook after ``bokeh.io.output_notebook()``, ``bokeh.io.save`` to a
        file), or None when there is nothing to draw (no finished runs, no targets, no surrogate, ...)."""
        from harness.errors import HarnessError, unknown_name
        from harness.report import plots
        from harness.report.site import Site

        if name not in FIGURES:
            raise HarnessError(unknown_name("figure", name, FIGURES))
        rows = [row for row in self._rows(suite) if row["task"] == task]
        site = Site(rows, _installed(registry))
        finished = [row for row in rows if row["status"] == "finished"]
        view = site.task_view(task, finished)
        draw = getattr(plots, name)
        if name in ("cost_fronts", "robustness_brackets"):
            return draw(site.entries, view, site.palette)
        return draw(finished, view, site.palette)


def open_store(path: str | Path) -> Results:
    """An existing store, read-only; ``HarnessError`` when ``path`` is not one (a typo makes no new file)."""
    return Results(path)


def _installed(registry):
    if registry is not None:
        return registry
    from harness.registry import registry as installed

    return installed()


def _columns(records: list[dict], first: tuple) -> list[str]:
    """``first``, then every other key of the records in order of appearance (so an empty store has columns)."""
    return list(dict.fromkeys([*first, *(key for record in records for key in record)]))
