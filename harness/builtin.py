"""The harness's own registrations, made through the same hooks as any plugin's."""

from harness.hookspecs import hookimpl
from harness.metrics import BUILTIN_METRICS
from harness.tasks import BUILTIN_TASKS


@hookimpl
def register_tasks(register):
    for task in BUILTIN_TASKS:
        register(task)


@hookimpl
def register_metrics(register):
    for metric in BUILTIN_METRICS:
        register(metric)
