"""A progress bar over runs (rich) that degrades to one plain line per run when not on a terminal."""

from __future__ import annotations


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
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(
                TextColumn("runs"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=self.console,
            )
            self.bar.start()
            self.task = self.bar.add_task("", total=self.total)

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
            self.bar.update(self.task, advance=1, description=spec.label())
            self.bar.console.print(line, markup=False, highlight=False)
        else:
            self.console.print(line, markup=False, highlight=False)
