"""The harness's own registrations, made through the same hooks as any plugin's: every built-in task and metric, once."""

from harness.hookspecs import hookimpl
from harness.metrics.cost import STEP_COST
from harness.metrics.curve import AULC, PRESENTATIONS_TO_TARGET, SCORE
from harness.metrics.fidelity import GRADIENT_FIDELITY
from harness.metrics.probe_control import PROBE_CONTROL
from harness.metrics.robustness.metric import ROBUSTNESS
from harness.tasks.adaptive_trap import ADAPTIVE_TRAP
from harness.tasks.adding import ADDING_TASKS
from harness.tasks.assoc_retrieval import ASSOC_RETRIEVAL
from harness.tasks.circling_ball import CIRCLING_BALL
from harness.tasks.digits import (
    DIGITS,
    MNIST1D,
    MNIST1D_CNN,
    MNIST1D_CNN_DEPTH_6,
    MNIST1D_DEPTH_TASKS,
    MNIST1D_REVNET_TASKS,
    MNIST5K,
    MNIST5K_CNN,
)
from harness.tasks.double_descent import DOUBLE_DESCENT_TASKS
from harness.tasks.few_shot import DIGITS_FEW_SHOT
from harness.tasks.influence_balancing import INFLUENCE_BALANCING
from harness.tasks.moving_balls import MOVING_BALLS
from harness.tasks.on_disk import CIFAR_TASKS, FASHION_MNIST, MNIST, MNIST_LENET
from harness.tasks.quadratics import QUADRATICS

TASKS = (
    DIGITS,
    MNIST5K,
    MNIST1D,
    MNIST5K_CNN,  # standard suite only
    MNIST1D_CNN,
    MNIST1D_CNN_DEPTH_6,  # the ladder and standard suites'
    *MNIST1D_DEPTH_TASKS,  # the ladder suite's
    *DOUBLE_DESCENT_TASKS,  # the double-descent suite's
    *MNIST1D_REVNET_TASKS,  # the ladder suite's
    MOVING_BALLS,
    CIRCLING_BALL,  # the toys suite's
    DIGITS_FEW_SHOT,  # the toys suite's
    ADAPTIVE_TRAP,
    QUADRATICS,
    ASSOC_RETRIEVAL,
    *ADDING_TASKS,
    INFLUENCE_BALANCING,
    MNIST,  # read from the user's data folder: the scale suite's
    FASHION_MNIST,
    MNIST_LENET,
    *CIFAR_TASKS,
)
METRICS = (SCORE, AULC, PRESENTATIONS_TO_TARGET, STEP_COST, GRADIENT_FIDELITY, ROBUSTNESS, PROBE_CONTROL)


@hookimpl
def register_tasks(register):
    for task in TASKS:
        register(task)


@hookimpl
def register_metrics(register):
    for metric in METRICS:
        register(metric)
