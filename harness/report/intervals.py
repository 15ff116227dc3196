"""Intervals over seeds: the 95% bootstrap interval of a mean, and of the mean paired difference to a reference.

The method is ``scipy.stats.bootstrap`` with the **percentile** interval, 10,000 resamples and a fixed RNG
seed, so a report is the same every time it is rendered.  Why percentile: BCa needs the jackknife
acceleration, which is undefined when the seeds agree (it returns nan and warns) and unstable on 3 to 5
values; the basic interval can leave the range of the data.  The percentile interval always lies within
the range of the seeds and contains their mean.  It is crude on so few seeds and undercovers (it is too
narrow for a true 95%).  A resample of n seeds is one particular seed n times with probability (1/n)^n; when
that is at least 2.5%, the interval's endpoints are the smallest and the largest seed's values.  With 3 seeds
(1/27 ≈ 3.7%) the interval is exactly the range of the seeds; with 5 seeds (1/3125 ≈ 0.03%) it is narrower.
One seed has no interval (None).

Paired differences pair runs by seed: under one seed every algorithm gets the same data order (one
permutation of the training set per epoch, ``harness.training.order``) and the same splits, so the
difference of two rules on a seed removes the seed's luck of the draw from the comparison.  The interval
is the bootstrap interval of the mean of the per-seed differences; a rule whose interval contains zero is
*tied* with the reference.  With 3 seeds a rule is "not tied" only when all three differences have the
same sign.
"""

from __future__ import annotations

import statistics

CONFIDENCE = 0.95
RESAMPLES = 10_000
RNG_SEED = 0  # fixed: the same store renders the same intervals


def mean_interval(values) -> list[float] | None:
    """The 95% percentile-bootstrap interval of the mean of ``values``, or None with fewer than two."""
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return None
    import numpy as np
    from scipy import stats

    result = stats.bootstrap(
        (np.asarray(values, dtype=float),),
        np.mean,
        confidence_level=CONFIDENCE,
        n_resamples=RESAMPLES,
        method="percentile",
        rng=np.random.default_rng(RNG_SEED),
    )
    return [float(result.confidence_interval.low), float(result.confidence_interval.high)]


def paired_difference(scores: dict, reference: dict) -> dict | None:
    """The rule's per-seed scores minus the reference's on the seeds both have: the mean difference, its
    interval, the seeds paired, and whether the interval contains zero (``tied``); None with no common seed."""
    seeds = sorted(seed for seed in scores.keys() & reference.keys() if None not in (scores[seed], reference[seed]))
    if not seeds:
        return None
    differences = [scores[seed] - reference[seed] for seed in seeds]
    interval = mean_interval(differences)
    return {
        "mean": statistics.fmean(differences),
        "interval": interval,
        "seeds": seeds,
        "tied": None if interval is None else interval[0] <= 0 <= interval[1],
    }
