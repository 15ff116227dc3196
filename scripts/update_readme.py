"""Write the leaderboard of a store into LEADERBOARD.md, and its summary into README.md between the markers.

Usage: python scripts/update_readme.py STORE README.md [LEADERBOARD.md]

The store holds a quick-suite, an extended-suite and a ladder-suite run (``make readme``): the leaderboard of the
quick and extended suites together (the extended suite is the quick suite's slow pairs, with its budgets and
seeds, so each task's table has every rule and its paired differences to bp-sgd), then the ladder suite's scaling
ladders (its task tables would repeat adding-10 and add rungs that measure cost only).  LEADERBOARD.md (by default
beside README.md) is that whole leaderboard; the README carries the view across tasks, one row per rule, and a link.
"""

import re
import sys
from pathlib import Path

from harness.registry import registry
from harness.report.across_tasks import across_tasks
from harness.report.aggregate import aggregate, ladders
from harness.report.text import across_tasks_markdown, ladder_markdown, to_markdown
from harness.results.store import Store

START, END = "<!-- leaderboard:start -->", "<!-- leaderboard:end -->"


def main(store_path: str, readme_path: str, leaderboard_path: str | None = None) -> None:
    readme = Path(readme_path)
    leaderboard = Path(leaderboard_path) if leaderboard_path else readme.with_name("LEADERBOARD.md")
    with Store(store_path, create=False) as store:
        quick = store.runs("quick") + [{**row, "suite": "quick"} for row in store.runs("extended")]
        ladder = store.runs("ladder")
    rows = quick + ladder
    environment = rows[0]["environment"]
    minutes = sum(row["wall_seconds"] for row in rows) / 60
    header = (
        f"Generated from quick-, extended- and ladder-suite runs by `scripts/update_readme.py` (`make readme`; creditbench "
        f"{environment['creditbench']}, torch {environment['packages']['torch']}, {environment['device']}, commit "
        f"{(environment['git_commit'] or 'unknown')[:10]}); {len(quick)} quick and extended + {len(ladder)} ladder runs, {minutes:.1f} "
        "worker-minutes.\n\n"
    )
    entries = aggregate(quick, registry())
    table = to_markdown(entries)
    table += "\n".join(ladder_markdown(view) for view in ladders(aggregate(ladder, registry())))
    leaderboard.write_text(f"# creditbench leaderboard\n\n{header}{table}", encoding="utf-8")
    summary = "\n".join(across_tasks_markdown(view) for view in across_tasks(entries))
    link = f"Every task's table, the scaling ladders and their notes: [{leaderboard.name}]({leaderboard.name}).\n"
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    readme.write_text(pattern.sub(lambda _: f"{START}\n{header}{summary}\n{link}{END}", text), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
