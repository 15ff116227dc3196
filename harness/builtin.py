"""The harness's own registrations, made through the same hooks as any plugin's."""

from harness.hookspecs import hookimpl
from harness.metrics import BUILTIN_METRICS
from harness.adaptive_trap import ADAPTIVE_TRAP
from harness.adding import ADDING_TASKS
from harness.assoc_retrieval import ASSOC_RETRIEVAL
from harness.influence_balancing import INFLUENCE_BALANCING
from harness.moving_balls import MOVING_BALLS
from harness.quadratics import QUADRATICS
from harness.tasks import BUILTIN_TASKS


@hookimpl
def register_tasks(register):
    for task in (*BUILTIN_TASKS, MOVING_BALLS, ADAPTIVE_TRAP, QUADRATICS, ASSOC_RETRIEVAL, *ADDING_TASKS, INFLUENCE_BALANCING):
        register(task)


@hookimpl
def register_metrics(register):
    for metric in BUILTIN_METRICS:
        register(metric)
