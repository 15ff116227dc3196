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
``Learner`` an algorithm builds are defined in ``harness.contract``.  Keep the
plugin module light: import torch inside ``build``, not at module level, so
``creditbench list`` stays fast.
"""

import pluggy

CONTRACT_VERSION = 1

hookspec = pluggy.HookspecMarker("creditbench")
hookimpl = pluggy.HookimplMarker("creditbench")


@hookspec
def register_algorithms(register):
    """Call ``register(Algorithm(...))`` once for each learning rule."""


@hookspec
def register_tasks(register):
    """Call ``register(Task(...))`` once for each task."""


@hookspec
def register_metrics(register):
    """Call ``register(Metric(...))`` once for each metric."""


@hookspec
def register_commands(cli):
    """Add commands to the ``creditbench`` click group ``cli``."""
