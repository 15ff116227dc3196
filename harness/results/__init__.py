"""Results: the SQLite ``store`` (one file, one transaction per run), ``exchange`` (export and import between
stores), the ``environment`` a run was computed with, and the ``reader`` a notebook uses (``open_store``)."""

from harness.results.reader import Results, open_store

__all__ = ["Results", "open_store"]
