"""What the local executor's fork server imports before it forks workers, so that no worker imports it again.

Every worker would otherwise import, per run: the plugins' modules (the registry imports every selected entry
point) and the built-in plugin's, the entry script's modules (a forked worker re-runs the main script, the
CLI's is ``harness.cli``), and ask the package metadata and git for the versions its run records.  A worker
still builds its own registry from the entry points it sees (with the modules imported that takes
milliseconds), so a plugin installed since the fork server started is found, and a plugin that fails to import
fails there, in the worker's log; warnings are the coordinator's to show.  The plugins' submodules that their
``build`` imports (where a rule's code usually lives) are still imported by each worker.  Only suites that run on the CPU
alone import them here (``harness.execution.local_executor``): a plugin that asks for CUDA at import would
initialise it in the fork server, and a forked process cannot use CUDA then.

A worker whose coordinator goes away while starting it (Ctrl-C at that moment) finds its start-up data cut
short; nobody waits for it, so it ends without the traceback multiprocessing would print on the terminal.
"""

from __future__ import annotations

import importlib
import sys
import warnings

import harness.builtin  # the built-in plugin: tasks, metrics
import harness.cli  # noqa: F401  (the entry script's imports)
from harness.registry import selected_entry_points
from harness.results import environment


def _silent_when_orphaned(kind, value, traceback) -> None:
    if issubclass(kind, (EOFError, BrokenPipeError, ConnectionResetError)):
        return
    sys.__excepthook__(kind, value, traceback)


sys.excepthook = _silent_when_orphaned
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for entry_point in selected_entry_points():
        try:
            importlib.import_module(entry_point.module)
        except (Exception, SystemExit):  # the worker's registry reports it
            continue
environment.static_facts()
