"""A progress bar over runs (rich) that degrades to one plain line per run when not on a terminal.

The bar counts the suite's planned presentations, not its runs (a run of 100,000 presentations is not one of
2,000), so its estimate of the time left is the presentations still to train at the rate measured over the
suite so far.  Lines are printed as text, never as rich markup.
"""

from __future__ import annotations

# seconds over which rich measures the rate: the whole of most suites, so that a run of a slow rule
# does not swing the estimate
RATE_WINDOW_SECONDS = 3600.0


def _presentations(spec) -> int:
    return max(1, spec.budget.presentations)


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
            from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(
                TextColumn("{task.fields[runs]} runs"),
                BarColumn(),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[last]}", markup=False),
                console=self.console,
                speed_estimate_period=RATE_WINDOW_SECONDS,
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
