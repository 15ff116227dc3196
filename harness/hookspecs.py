"""The plugin contract: the hooks a creditbench plugin implements.

A plugin is a module (or package) named by an entry point in the group
``creditbench``.  It declares the contract version it was written against and
implements any of the hooks below with ``@hookimpl``::

    from harness import Algorithm, hookimpl

    CREDITBENCH_CONTRACT = 1

    @hookimpl
    def register_algorithms(register):
        register(Algorithm(name="my-rule", family="...", citation="...", build=build))

The objects passed to ``register`` (``Algorithm``, ``Task``, ``Metric``) and the
``Learner`` an algorithm builds are defined in ``harness.contract`` and exported
by ``harness``.  Keep the plugin module light: import torch inside ``build``,
not at module level, so ``creditbench list`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from harness.contract import Algorithm, Metric, Task

CONTRACT_VERSION = 1

hookspec = pluggy.HookspecMarker("creditbench")
hookimpl = pluggy.HookimplMarker("creditbench")


@hookspec
def register_algorithms(register: Callable[[Algorithm], None]) -> None:
    """Call ``register(Algorithm(...))`` once for each learning rule."""


@hookspec
def register_tasks(register: Callable[[Task], None]) -> None:
    """Call ``register(Task(...))`` once for each task."""


@hookspec
def register_metrics(register: Callable[[Metric], None]) -> None:
    """Call ``register(Metric(...))`` once for each metric; ``Metric.compute`` receives a finished run."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``creditbench`` click group ``cli``."""
