"""Training-time caps per run, shared by the built-in tasks.

Presentation budgets are what every rule gets; the caps keep the suites within their time limits on 2 cores
(quick: every rule × every task × 3 seeds; standard: × 5 seeds in ≤ 90 min).  A rule that is
expensive per presentation is stopped by the cap and pays in accuracy.
"""

QUICK_WALL_SECONDS = 10
STANDARD_WALL_SECONDS = 30
