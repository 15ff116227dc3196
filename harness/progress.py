"""A progress bar over runs (rich) that degrades to one plain line per run when not on a terminal.

The bar counts the suite's planned presentations, not its runs (a run of 100,000 presentations is not one of
2,000), so its estimate of the time left is the presentations still to train at the rate measured over the
suite so far (`time_left`).  Lines are printed as text, never as rich markup.
"""

from __future__ import annotations

from datetime import timedelta
from math import ceil

from rich.progress import BarColumn, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.text import Text


def _presentations(spec) -> int:
    return max(1, spec.budget.presentations)


def time_left(planned: float, trained: float, elapsed_seconds: float | None) -> float | None:
    """Seconds to train the presentations still planned at the rate measured so far; None before any rate."""
    if not trained or not elapsed_seconds:
        return None
    return max(0.0, planned - trained) * elapsed_seconds / trained


class TimeLeftColumn(ProgressColumn):
    """The bar's estimate of the time left, over the suite's whole elapsed time (rich's own
    `TimeRemainingColumn` measures its rate from the first completed run, leaving out the time it took)."""

    max_refresh = 0.5

    def render(self, task) -> Text:
        left = time_left(task.total, task.completed, task.elapsed)
        return Text("-:--:--" if left is None else str(timedelta(seconds=ceil(left))), style="progress.remaining")


class Progress:
    def __init__(self, console):
        self.console = console
        self.bar = None
        self.total = self.done = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.bar is not None:
            self.bar.stop()

    def start(self, specs) -> None:
        self.total = len(specs)
        if self.console.is_terminal and specs:
            self.bar = RichProgress(
                TextColumn("{task.fields[runs]} runs"),
                BarColumn(),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeLeftColumn(),
                TextColumn("{task.fields[last]}", markup=False),
                console=self.console,
            )
            self.bar.start()
            self.task = self.bar.add_task(
                "", total=sum(_presentations(spec) for spec in specs), runs=f"0/{self.total}", last=""
            )

    def advance(self, spec, result) -> None:
        self.done += 1
        outcome = result["status"]
        if outcome == "finished":
            split = "val" if spec.lean else "test"
            outcome += f" {split} score {result['metrics'][f'{split}_score']:.3f}"
        else:
            outcome += f": {result['reason']}"
        line = f"[{self.done}/{self.total}] {spec.label()} {outcome} ({result['wall_seconds']:.1f} s)"
        if self.bar is not None:
            self.bar.update(
                self.task, advance=_presentations(spec), runs=f"{self.done}/{self.total}", last=spec.label()
            )
            self.bar.console.print(line, markup=False, highlight=False)
        else:
            self.console.print(line, markup=False, highlight=False)
