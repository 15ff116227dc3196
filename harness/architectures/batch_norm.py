"""Which reference architectures normalise by batch statistics, for the rules that cannot train them."""

from __future__ import annotations


def declines_batch_norm(why: str):
    """An ``Algorithm.declines`` for a rule that cannot train a network with batch norm (e.g. one that evaluates a
    population of perturbed networks with functional forward passes, which carry no running statistics): it
    declines every task whose reference architecture has ``batch_norm`` set, giving ``why`` (one clause)."""

    def declines(task, config) -> str | None:
        if getattr(task.architecture, "batch_norm", False):
            return f"{why}; {task.name} asks for a {task.architecture}"
        return None

    return declines
