"""The result of an estimate as a value, and its JSON form (inputs, seed, settings, results)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bearwitness.estimate.histories import CaptureHistories
from bearwitness.estimate.posterior import Interval

FORMAT = "bearwitness.estimate/1"


@dataclass(frozen=True, eq=False)
class StratumResult:
    """The estimate for one stratum (or for the whole table when unstratified)."""

    histories: CaptureHistories
    N: Interval
    unrecorded: Interval
    details: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    # The posterior of N for charts (draws, or a grid with weights); not written to JSON.
    values: npt.NDArray[np.int64] | None = None
    weights: npt.NDArray[np.float64] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "n_observed": self.histories.n_observed,
            "N": self.N.as_dict(),
            "unrecorded": self.unrecorded.as_dict(),
            "list_sizes": self.histories.list_sizes(),
            "patterns": self.histories.pattern_counts(),
            "details": self.details,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class EstimateResult:
    """A reproducible estimate: what went in, how it was run, and what came out."""

    method: str
    seed: int | None
    settings: dict[str, Any]
    lists: tuple[str, ...]
    strata_columns: tuple[str, ...]
    strata: dict[str, StratumResult]
    total: Interval | None  # over all strata; None when it cannot be combined honestly
    assumptions: tuple[str, ...]
    source: str | None = None
    linkage: dict[str, Any] | None = None

    @property
    def n_observed(self) -> int:
        return sum(s.histories.n_observed for s in self.strata.values())

    def as_dict(self) -> dict[str, Any]:
        warnings = [w for s in self.strata.values() for w in s.warnings]
        document: dict[str, Any] = _finite(
            {
                "format": FORMAT,
                "method": self.method,
                "seed": self.seed,
                "settings": self.settings,
                "inputs": {
                    "source": self.source,
                    "lists": list(self.lists),
                    "strata_columns": list(self.strata_columns),
                    "linkage": self.linkage,
                },
                "n_observed": self.n_observed,
                "N": None if self.total is None else self.total.as_dict(),
                "strata": {name: s.as_dict() for name, s in self.strata.items()},
                "assumptions": list(self.assumptions),
                "warnings": warnings,
            }
        )
        return document

    def write_json(self, path: Path) -> None:
        path.write_text(
            json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )


def _finite(value: Any) -> Any:
    """JSON has no infinity: an unbounded interval end is written as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
