"""pass@k: the unbiased estimator of Chen et al. (2021) and confidence intervals over theorems.

For one theorem with ``n`` independent attempts of which ``c`` succeeded,
``pass@k = 1 − C(n − c, k) / C(n, k)``; a benchmark's pass@k is the mean over theorems,
every theorem counting (also those whose backend never started: they have ``c = 0``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from search.errors import ConfigError

__all__ = [
    "Interval",
    "bootstrap_interval",
    "mean_pass_at_k",
    "pass_at_k",
    "wilson_interval",
]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Chance that one of ``k`` attempts drawn from ``n`` (``c`` of them correct) succeeds.

    Uses the product form ``1 − Π_{i=n−c+1}^{n} (1 − k/i)``, which never forms the
    (huge) binomial coefficients and is exact for ``n − c < k`` (the result is 1).
    """
    if n < 1 or k < 1 or not 0 <= c <= n or k > n:
        raise ConfigError(f"pass@k needs 1 <= k <= n and 0 <= c <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    product = 1.0
    for i in range(n - c + 1, n + 1):
        product *= 1.0 - k / i
    return 1.0 - product


def mean_pass_at_k(counts: Sequence[tuple[int, int]], k: int) -> float:
    """Mean pass@k over theorems given as ``(n, c)`` pairs; 0 for an empty benchmark."""
    if not counts:
        return 0.0
    return sum(pass_at_k(n, c, k) for n, c in counts) / len(counts)


@dataclass(frozen=True, kw_only=True)
class Interval:
    """A two-sided confidence interval and how it was computed."""

    low: float
    high: float
    level: float
    method: str

    def to_dict(self) -> dict[str, float | str]:
        """A JSON-ready view."""
        return {
            "low": round(self.low, 6),
            "high": round(self.high, 6),
            "level": self.level,
            "method": self.method,
        }


def bootstrap_interval(
    counts: Sequence[tuple[int, int]],
    k: int,
    *,
    resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap over theorems (resampled with replacement, fixed ``seed``).

    It captures the uncertainty from which theorems the benchmark happens to contain;
    the per-theorem estimate stays the unbiased pass@k.
    """
    if not counts:
        return Interval(low=0.0, high=0.0, level=level, method="bootstrap")
    values = [pass_at_k(n, c, k) for n, c in counts]
    generator = random.Random(seed)
    size = len(values)
    means = sorted(
        sum(values[generator.randrange(size)] for _ in range(size)) / size for _ in range(resamples)
    )
    tail = (1.0 - level) / 2.0
    low_index = math.floor(tail * (resamples - 1))
    high_index = math.ceil((1.0 - tail) * (resamples - 1))
    return Interval(low=means[low_index], high=means[high_index], level=level, method="bootstrap")


def wilson_interval(successes: int, trials: int, *, level: float = 0.95) -> Interval:
    """Wilson score interval for a binomial proportion (pass@1 over all attempts)."""
    if trials < 1:
        return Interval(low=0.0, high=0.0, level=level, method="wilson")
    z = _normal_quantile(0.5 + level / 2.0)
    proportion = successes / trials
    denominator = 1.0 + z * z / trials
    centre = (proportion + z * z / (2 * trials)) / denominator
    half_width = (
        z * math.sqrt(proportion * (1 - proportion) / trials + z * z / (4 * trials * trials))
    ) / denominator
    return Interval(
        low=max(0.0, centre - half_width),
        high=min(1.0, centre + half_width),
        level=level,
        method="wilson",
    )


def _normal_quantile(probability: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(probability)
