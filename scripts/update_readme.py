"""Splice the leaderboard of a store into README.md between the leaderboard markers.

Usage: python scripts/update_readme.py STORE README.md

The store holds a quick-suite run and a ladder-suite run (``make readme``): the quick suite's leaderboard, then
the ladder suite's scaling ladders (its task tables would repeat adding-10 and add rungs that measure cost only).
"""

import re
import sys
from pathlib import Path

from harness.registry import registry
from harness.report.aggregate import aggregate, ladders
from harness.report.text import ladder_markdown, to_markdown
from harness.results.store import Store

START, END = "<!-- leaderboard:start -->", "<!-- leaderboard:end -->"


def main(store_path: str, readme_path: str) -> None:
    with Store(store_path, create=False) as store:
        quick, ladder = store.runs("quick"), store.runs("ladder")
    rows = quick + ladder
    environment = rows[0]["environment"]
    minutes = sum(row["wall_seconds"] for row in rows) / 60
    header = (
        f"Generated from a quick-suite and a ladder-suite run by `scripts/update_readme.py` (`make readme`; creditbench "
        f"{environment['creditbench']}, torch {environment['packages']['torch']}, {environment['device']}, commit "
        f"{(environment['git_commit'] or 'unknown')[:10]}); {len(quick)} + {len(ladder)} runs, {minutes:.1f} "
        "worker-minutes.\n\n"
    )
    table = to_markdown(aggregate(quick, registry()))
    table += "\n".join(ladder_markdown(view) for view in ladders(aggregate(ladder, registry())))
    readme = Path(readme_path)
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    readme.write_text(pattern.sub(lambda _: f"{START}\n{header}{table}\n{END}", text), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
