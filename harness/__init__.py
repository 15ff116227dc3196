"""creditbench: a benchmarking harness for neural-network learning rules.

The import package is ``harness``; plugins need only what is exported here.
"""

from harness.contract import Algorithm, Budget, Learner, Metric, Plausibility, Splits, Task
from harness.hookspecs import CONTRACT_VERSION, hookimpl

__version__ = "0.1.0"

__all__ = [
    "Algorithm",
    "Budget",
    "CONTRACT_VERSION",
    "Learner",
    "Metric",
    "Plausibility",
    "Splits",
    "Task",
    "__version__",
    "hookimpl",
]
