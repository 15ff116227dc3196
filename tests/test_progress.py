import io

from rich.console import Console

from harness.contract import Budget
from harness.progress import Progress
from harness.training.spec import RunSpec


def _spec(seed, presentations):
    return RunSpec(task="digits", algorithm="fa", seed=seed, budget=Budget(presentations))


def test_the_bar_counts_planned_presentations_so_its_estimate_weighs_runs_by_their_budget():
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    specs = [_spec(0, 1000), _spec(1, 99_000)]
    with Progress(console) as progress:
        progress.start(specs)
        [task] = progress.bar.tasks
        assert task.total == 100_000
        progress.advance(specs[0], {"status": "failed", "reason": "[bold]x[/bold]", "wall_seconds": 1.0})
        assert task.completed == 1000 and task.fields["runs"] == "1/2"
    assert "failed: [bold]x[/bold]" in console.file.getvalue()  # a plugin's string printed as text
