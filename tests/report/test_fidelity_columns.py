"""The leaderboard shows the rule's direction cosine, its own objective's when it declares one, and the applied one."""

from harness.report.aggregate import aggregate
from harness.report.text import to_markdown


def _row(seed, algorithm, **cosines):
    metrics = {"test_accuracy": 0.9, "aulc": 0.5, "presentations_to_target": {}, **cosines}
    return {"suite": "quick", "task": "digits", "algorithm": algorithm, "seed": seed, "status": "finished",
            "reason": None, "metrics": metrics}  # fmt: skip


def _cells(markdown: str, algorithm: str) -> dict:
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    row = next(line for line in lines if line.startswith(f"| {algorithm} |"))
    return dict(zip(header, (cell.strip() for cell in row.strip("|").split("|"))))


def test_direction_own_objective_and_applied_cosines_are_columns_averaged_over_seeds():
    rows = [
        _row(0, "pc", gradient_cosine=0.3, gradient_cosine_objective=0.96, gradient_cosine_applied=0.2),
        _row(1, "pc", gradient_cosine=0.5, gradient_cosine_objective=0.98, gradient_cosine_applied=0.4),
        _row(0, "bp-adam", gradient_cosine=1.0, gradient_cosine_applied=0.1),
        _row(0, "ga", gradient_cosine=None, gradient_cosine_applied=0.01),
    ]
    markdown = to_markdown(aggregate(rows))
    pc, adam, ga = (_cells(markdown, name) for name in ("pc", "bp-adam", "ga"))
    assert pc["grad cos"] == "0.40 (own objective 0.97)" and pc["applied cos"] == "0.30"
    assert adam["grad cos"] == "1.00" and adam["applied cos"] == "0.10"
    assert ga["grad cos"] == "–" and ga["applied cos"] == "0.01"  # no direction: said, not faked
