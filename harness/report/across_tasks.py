"""The view across tasks: performance profiles on presentations-to-target, and the interquartile mean of a
normalised score with the probability of improvement over the reference, each with a stratified-bootstrap
interval (Agarwal et al. 2021, "Deep reinforcement learning at the edge of the statistical precipice").

Which tasks: those of the suite on which the reference ``bp-sgd`` has finished runs (the recurrent and
stream tasks, where it does not run, have their own references and stay in the per-task tables).  Which
rules: every algorithm with default settings that ran on at least one of those tasks.

* **Performance profile** (Dolan & Moré 2002).  The cost of a rule on a task is its presentations to the
  task's *profile target* (median over seeds; a median that is not reached is infinite).  The profile target
  is the highest of the task's targets that ``bp-sgd`` reaches (in the median over seeds), or the first target
  when it reaches none: AlgoPerf likewise sets each workload's target from what a well-tuned reference
  reaches.  The first target alone does not separate the rules: on the quick suite's classification tasks
  almost every rule, ``random-features`` included, reaches it at the first evaluation, which gave every rule
  the same ρ(1).  Presentations exclude a rule's pre-training
  (shown apart in the per-task tables).  The ratio of a rule on a task is its cost over the least cost of any
  rule in the view on that task, so a profile is relative to the rules in the store; a rule that did not run
  on a task, or never reaches the target, has an infinite ratio there.  ``profile[τ]`` is the fraction of
  the view's tasks with ratio ≤ τ.  The integrated profile is AlgoPerf's benchmark score (Dahl et al. 2023),
  ``1/(r_max − 1) ∫_1^{r_max} ρ(τ) dτ`` with ``r_max = 4``: 1 for a rule fastest everywhere, 0 for one never
  within 4× of the fastest; as ρ is a step function the integral is exact, a mean over tasks of
  ``max(0, r_max − ratio) / (r_max − 1)``.
* **Normalised score.** Per run, ``(score − floor) / (reference − floor)`` where floor and reference are the
  mean test scores of ``random-features`` and ``bp-sgd`` on the task: 0 is the control that learns no hidden
  layer, 1 is backprop.  A task where ``bp-sgd`` does not beat ``random-features`` has no scale and is left
  out (and listed).  The interquartile mean (``scipy.stats.trim_mean``, 25% cut from each end) pools the
  rule's runs on all its normalised tasks.
* **Probability of improvement** over ``bp-sgd``: on each task the probability that a run of the rule scores
  above a run of ``bp-sgd`` (ties count one half; the Mann–Whitney U statistic over the product of the sample
  sizes), averaged over the tasks both ran.  0.5 is a tie.
* **Intervals.** ``scipy.stats.bootstrap`` with unpaired samples, one per task (and per rule for the
  probability of improvement), is the stratified bootstrap: seeds are resampled within each task, tasks are
  kept.  Percentile intervals, 10,000 resamples and a fixed RNG seed, as in ``harness.report.intervals``.  An
  interval needs at least two runs on every task it pools; otherwise it is None.
"""

from __future__ import annotations

import math
from collections import defaultdict

from harness.report.aggregate import REFERENCE
from harness.report.intervals import CONFIDENCE, RESAMPLES, RNG_SEED

FLOOR = "random-features"  # normalised score 0
R_MAX = 4.0  # AlgoPerf's cut-off for the integrated performance profile
PROFILE_POINTS = (1.0, 2.0, 4.0)  # where the Markdown table reads each profile


def across_tasks(entries: list[dict]) -> list[dict]:
    """One view per suite that has runs of the reference; see the module docstring for what each field is."""
    by_suite: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        if not entry["overrides"] and entry["n_seeds"]:
            by_suite[entry["suite"]].append(entry)
    return [view for suite in sorted(by_suite) if (view := _suite_view(suite, by_suite[suite]))]


def _suite_view(suite: str, entries: list[dict]) -> dict | None:
    tasks = sorted({e["task"] for e in entries if e["algorithm"] == REFERENCE})
    if not tasks:
        return None
    cells = {(e["task"], e["algorithm"]): e for e in entries if e["task"] in tasks}
    algorithms = sorted({algorithm for _, algorithm in cells})
    targets = {task: _profile_target(cells[task, REFERENCE]) for task in tasks}
    costs = {
        algorithm: {task: _cost(cells.get((task, algorithm)), targets[task]) for task in tasks}
        for algorithm in algorithms
    }
    best = {task: min(costs[a][task] for a in algorithms) for task in tasks}
    scales, excluded = _scales(tasks, cells)
    reference_scores = {task: _scores(cells[task, REFERENCE]) for task in tasks}
    rules = []
    for algorithm in algorithms:
        ratios = {task: _ratio(costs[algorithm][task], best[task]) for task in tasks}
        normalised = {
            task: [(x - low) / (high - low) for x in _scores(cells[task, algorithm])]
            for task, (low, high) in scales.items()
            if (task, algorithm) in cells
        }
        ran_on = [t for t in tasks if (t, algorithm) in cells]
        iqm, iqm_interval = _iqm(list(normalised.values()))
        improvement, improvement_interval = probability_of_improvement(
            [_scores(cells[t, algorithm]) for t in ran_on], [reference_scores[t] for t in ran_on]
        )
        rules.append(
            {
                "algorithm": algorithm,
                "tasks": ran_on,
                "presentations_to_target": {t: None if math.isinf(c) else c for t, c in costs[algorithm].items()},
                "ratios": {t: None if math.isinf(r) else r for t, r in ratios.items()},
                "profile": {f"{tau:g}": profile(ratios.values(), tau) for tau in PROFILE_POINTS},
                "integrated_profile": integrated_profile(ratios.values()),
                "normalised_tasks": sorted(normalised),
                "iqm_normalised_score": iqm,
                "iqm_interval": iqm_interval,
                "probability_of_improvement": improvement,
                "probability_of_improvement_interval": improvement_interval,
            }
        )
    rules.sort(key=lambda r: -(r["iqm_normalised_score"] if r["iqm_normalised_score"] is not None else -math.inf))
    return {
        "suite": suite,
        "reference": REFERENCE,
        "floor": FLOOR,
        "r_max": R_MAX,
        "tasks": tasks,
        "targets": targets,
        "normalised_tasks": sorted(scales),
        "not_normalised": excluded,
        "rules": rules,
    }


def _profile_target(reference: dict) -> str | None:
    """The highest target the reference reaches (targets are in ascending order), else the first."""
    targets = reference["presentations_to_target"]
    reached = [target for target, presentations in targets.items() if presentations is not None]
    return reached[-1] if reached else next(iter(targets), None)


def _cost(entry: dict | None, target: str | None) -> float:
    """Median presentations to the target, at least 1 (a ratio needs a positive cost: a probe-read rule can
    reach a low target before any presentation); infinite when not run, not reached, or the task has no target."""
    if entry is None or target is None:
        return math.inf
    value = entry["presentations_to_target"].get(target)
    return math.inf if value is None else max(float(value), 1.0)


def _ratio(cost: float, best: float) -> float:
    return math.inf if math.isinf(cost) else cost / best


def _scores(entry: dict) -> list[float]:
    return [v for v in entry["test_score_by_seed"].values() if v is not None]


def _scales(tasks, cells) -> tuple[dict, dict]:
    """Per task, (floor mean, reference mean) when the reference beats the floor; else why not."""
    scales, excluded = {}, {}
    for task in tasks:
        floor = cells.get((task, FLOOR))
        low, high = (floor or {}).get("test_score_mean"), cells[task, REFERENCE]["test_score_mean"]
        if low is None:
            excluded[task] = f"no {FLOOR} runs"
        elif high is None or high <= low:
            excluded[task] = f"{REFERENCE} does not beat {FLOOR}"
        else:
            scales[task] = (low, high)
    return scales, excluded


def profile(ratios, tau: float) -> float | None:
    """ρ(τ): the fraction of tasks on which the ratio to the fastest rule is at most τ."""
    ratios = list(ratios)
    return sum(r <= tau for r in ratios) / len(ratios) if ratios else None


def integrated_profile(ratios, r_max: float = R_MAX) -> float | None:
    """``1/(r_max − 1) ∫_1^{r_max} ρ(τ) dτ``, exactly: the mean over tasks of max(0, r_max − ratio)/(r_max − 1)."""
    ratios = list(ratios)
    if not ratios:
        return None
    return sum(max(0.0, r_max - r) for r in ratios) / (r_max - 1) / len(ratios)


def _bootstrap(samples: list, statistic) -> list[float] | None:
    """Stratified percentile bootstrap: each sample (a task's runs) resampled on its own."""
    if not samples or any(len(s) < 2 for s in samples):
        return None
    import numpy as np
    from scipy import stats

    result = stats.bootstrap(
        [np.asarray(s, dtype=float) for s in samples],
        statistic,
        paired=False,
        vectorized=True,
        confidence_level=CONFIDENCE,
        n_resamples=RESAMPLES,
        method="percentile",
        rng=np.random.default_rng(RNG_SEED),
    )
    low, high = result.confidence_interval
    return [float(low), float(high)]


def _trimmed(*samples, axis=-1):
    import numpy as np
    from scipy import stats

    return stats.trim_mean(np.concatenate(samples, axis=axis), 0.25, axis=axis)


def interquartile_mean(samples: list[list[float]]) -> float | None:
    """The interquartile mean of every value of every sample (a task's normalised scores)."""
    import numpy as np

    return float(_trimmed(*(np.asarray(s, dtype=float) for s in samples))) if any(samples) else None


def _iqm(samples: list[list[float]]) -> tuple[float | None, list[float] | None]:
    samples = [s for s in samples if s]
    return interquartile_mean(samples), _bootstrap(samples, _trimmed)


def probability_of_improvement(rule: list[list[float]], reference: list[list[float]]):
    """P(rule > reference) averaged over tasks (the i-th samples of both are one task), and its interval."""
    pairs = [(x, y) for x, y in zip(rule, reference, strict=True) if x and y]
    if not pairs:
        return None, None
    import numpy as np

    def statistic(*samples, axis=-1):
        from scipy import stats

        half = len(samples) // 2
        per_task = [
            stats.mannwhitneyu(x, y, axis=axis, method="asymptotic").statistic / (x.shape[axis] * y.shape[axis])
            for x, y in zip(samples[:half], samples[half:], strict=True)
        ]
        return np.mean(per_task, axis=0)

    samples = [np.asarray(s, dtype=float) for s in [*(x for x, _ in pairs), *(y for _, y in pairs)]]
    return float(statistic(*samples)), _bootstrap(samples, statistic)
