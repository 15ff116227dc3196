"""What the local executor's fork server imports before it forks workers, so that no worker imports it again.

Every worker would otherwise import, per run: the entry script's modules (a forked worker re-runs the main
script, the CLI's is ``harness.cli``), the plugins' modules (the built-in one's too) (the registry imports every selected entry
point), and ask the package metadata and git for the versions its run records.  A worker still builds its
own registry from the entry points it sees (with the modules imported that takes milliseconds), so a plugin
installed since the fork server started is found, and a plugin that fails to import fails there, in the
worker's log, not here.
"""

from __future__ import annotations

import importlib

import harness.builtin  # the built-in plugin: tasks, metrics
import harness.cli  # noqa: F401  (the entry script's imports)
from harness.registry import selected_entry_points
from harness.results import environment

for entry_point in selected_entry_points():
    try:
        importlib.import_module(entry_point.module)
    except Exception:  # the worker's registry reports it
        continue
environment.static_facts()
