"""Posterior draws of the total N and their summaries."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """A point estimate (posterior median or MLE) with a 95% interval."""

    median: float
    lower: float
    upper: float

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "lower": self.lower, "upper": self.upper}


@dataclass(frozen=True, eq=False)
class Posterior:
    """Draws of N, one row per chain (or per linkage draw), plus other traced values."""

    n_observed: int
    draws: npt.NDArray[np.int64]
    extra: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)

    @property
    def pooled(self) -> npt.NDArray[np.int64]:
        return self.draws.reshape(-1)

    def interval(self, level: float = LEVEL) -> Interval:
        """Median and equal-tailed interval of the pooled draws (R's quantile type 7)."""
        tail = (1.0 - level) / 2.0
        low, mid, high = np.quantile(self.pooled, [tail, 0.5, 1.0 - tail])
        return Interval(float(mid), float(low), float(high))

    def unrecorded(self, level: float = LEVEL) -> Interval:
        """The same summary for the number never recorded (N minus the documented count)."""
        total = self.interval(level)
        n = self.n_observed
        return Interval(total.median - n, total.lower - n, total.upper - n)

    def mean(self) -> float:
        return float(self.pooled.mean())
