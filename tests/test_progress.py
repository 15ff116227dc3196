import io
from datetime import timedelta

import pytest
from rich.console import Console

from harness.contract import Budget
from harness.progress import Progress, TimeLeftColumn, time_left
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


def test_the_time_left_is_the_presentations_still_planned_at_the_rate_so_far():
    assert time_left(100_000, 50_000, 60.0) == pytest.approx(60.0)
    assert time_left(100_000, 25_000, 60.0) == pytest.approx(180.0)
    assert time_left(100_000, 100_000, 60.0) == 0.0
    assert time_left(100_000, 0, 60.0) is None  # no rate before the first run ends
    assert time_left(100_000, 50_000, 0.0) is None


class _Clock:
    now = 0.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize(
    ("budgets", "expected_left"),
    # a first run of 1,000 presentations in 10 s leaves 99,000 presentations, 990 s (counting runs says 10 s);
    # a first run of 99,000 in 990 s leaves 1,000, 10 s (counting runs says 990 s)
    [((1000, 99_000), 990.0), ((99_000, 1000), 10.0)],
)
def test_the_bar_estimates_the_time_left_from_the_remaining_runs_presentations(budgets, expected_left):
    clock = _Clock()
    console = Console(file=io.StringIO(), force_terminal=True, width=120, get_time=clock)
    specs = [_spec(seed, presentations) for seed, presentations in enumerate(budgets)]
    with Progress(console) as progress:
        progress.start(specs)
        [task] = progress.bar.tasks
        [column] = [column for column in progress.bar.columns if isinstance(column, TimeLeftColumn)]
        assert column.render(task).plain == "-:--:--"
        clock.now = budgets[0] / 100  # 100 presentations a second
        progress.advance(specs[0], {"status": "failed", "reason": "x", "wall_seconds": clock.now})
        left = time_left(task.total, task.completed, task.elapsed)
        assert left == pytest.approx(expected_left, rel=1e-6)
        assert column.render(task).plain == str(timedelta(seconds=expected_left))
