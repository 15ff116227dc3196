"""Results: the SQLite ``store`` (one file, one transaction per run), ``exchange`` (export and import between
stores) and the ``environment`` a run was computed with."""
