"""The names of the robustness metric's values, defined once for the metric and for the report."""

import math

NORMS = {"l2": 2.0, "linf": math.inf}  # norm name -> p
NORM_LABELS = {"l2": "L2", "linf": "L∞"}
QUARTILES = ("q1", "median", "q3")
BOUNDS = ("lower", "upper")  # certified lower bound, attack upper bound
ROBUST_ACCURACIES = ("certified", "attack")

NOT_DEFINED = "robust_not_defined"  # why the metric is not defined for a run
FLAGS = "robust_flags"
POINTS = "robust_points"
SECONDS = "robust_seconds"


def quartile(bound: str, norm: str, statistic: str) -> str:
    return f"robust_{bound}_{norm}_{statistic}"


def quartiles(bound: str, norm: str) -> tuple[str, str, str]:
    return tuple(quartile(bound, norm, statistic) for statistic in QUARTILES)


def tightness(norm: str) -> str:
    """Median over points of certified lower / attack upper bound."""
    return f"robust_tightness_{norm}_median"


def accuracy(kind: str, norm: str) -> str:
    """Robust accuracy at the task's radius, certified or under attack."""
    return f"robust_accuracy_{kind}_{norm}"


def lower_not_defined(norm: str) -> str:
    return f"robust_lower_{norm}_not_defined"


def lower_method(norm: str) -> str:
    return f"robust_lower_{norm}_method"


def transfer_wins(norm: str) -> str:
    return f"robust_transfer_wins_{norm}"


def radius(norm: str) -> str:
    return f"robust_radius_{norm}"
