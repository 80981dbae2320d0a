"""Optional differential privacy on a report's counts, through OpenDP (the ``dp`` extra).

With ``[disclosure] epsilon`` in the spec, every inner cell of every table is noised
by OpenDP's Laplace measurement on integers (sampled as the discrete Laplace, at
scale 1/epsilon) before disclosure control runs; the totals are the sums of the
noised cells, so a table still adds up. The unit protected is one record of the
table's unit (one act, one victim, one event, one intervention): it moves one inner
cell by one, so each table's L1 sensitivity is 1 and each table spends the epsilon
OpenDP's privacy map gives for it. The report spends their sum (sequential
composition). Suppression, the audit and the charts only read noised counts, so
they spend nothing more (post-processing).

The noise comes from OpenDP's own generator (the operating system's), with no seed
to keep: a noised table cannot be drawn again, by anyone. ``report verify`` checks
what it can (:func:`plausible`).

What is not covered: which categories a table lists (districts, periods) comes from
the records, as without noise; estimates are published as the kept runs give them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bearwitness.errors import MissingExtra
from bearwitness.reports.tables import Table

MECHANISM = "opendp.measurements.make_laplace (integers: discrete Laplace)"
# How far a published cell may lie from the archive's count before ``report verify``
# calls it wrong: the noise exceeds this for one cell in a billion.
FALSE_ALARM = 1e-9


@dataclass(frozen=True)
class Budget:
    """What one report spends: epsilon per table (OpenDP's privacy map) and in all."""

    epsilon: float  # asked for, per table
    per_table: float  # what OpenDP's map gives for a sensitivity of 1
    tables: tuple[str, ...]
    opendp: str  # the version that drew the noise

    @property
    def total(self) -> float:
        return math.fsum(self.per_table for _ in self.tables)

    @property
    def scale(self) -> float:
        return 1.0 / self.epsilon

    def as_dict(self) -> dict[str, Any]:
        """What the manifest states (the seed is not kept: there is none to give)."""
        return {
            "mechanism": MECHANISM,
            "opendp": self.opendp,
            "unit": "one record of the table's unit (act, victim, event, intervention)",
            "sensitivity": 1,
            "scale": self.scale,
            "epsilon_per_table": self.per_table,
            "tables": list(self.tables),
            "epsilon_total": self.total,
            "composition": "sequential (the per-table epsilons added up)",
            "noise_seed": None,
        }


def _opendp() -> Any:
    try:
        import opendp.prelude as dp
    except ImportError as error:
        raise MissingExtra(error.name or "opendp", "dp") from None
    dp.enable_features("contrib")
    return dp


def require() -> None:
    """Fail now, with what to install, when the ``dp`` extra is missing."""
    _opendp()


def _measurement(dp: Any, epsilon: float) -> Any:
    return dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=1.0 / epsilon
    )


def noised(tables: Sequence[Table], epsilon: float) -> tuple[list[Table], Budget]:
    """Each table with OpenDP's noise on its inner cells (none below zero: clamping is
    post-processing), and the budget spent."""
    dp = _opendp()
    measurement = _measurement(dp, epsilon)
    found = []
    for table in tables:
        keys = table.inner()
        drawn = measurement([table.counts.get(key, 0) for key in keys]) if keys else []
        counts = {key: max(0, int(value)) for key, value in zip(keys, drawn, strict=True)}
        found.append(dataclasses.replace(table, counts=counts))
    per_table = float(measurement.map(1))
    version = str(getattr(dp, "__version__", "") or _version())
    return found, Budget(epsilon, per_table, tuple(t.id for t in tables), version)


def _version() -> str:
    from importlib.metadata import version

    return version("opendp")


def tolerance(epsilon: float, cells: int) -> int:
    """How far a published count of ``cells`` noised inner cells may lie from the true
    one: each cell's noise is beyond ``t`` with probability at most 2·exp(-epsilon·t),
    so t = ln(2/FALSE_ALARM)/epsilon, and a sum of ``cells`` of them within cells·t."""
    return math.ceil(math.log(2 / FALSE_ALARM) / epsilon) * max(1, cells)


def plausible(
    true: Table, rows: Sequence[str], columns: Sequence[str], shown: dict[tuple[str, str], Any],
    epsilon: float,
) -> bool:  # fmt: skip
    """Whether a noised table's published cells could have come from ``true``: the same
    categories, and every shown cell within :func:`tolerance` of the true count."""
    if tuple(rows) != true.rows or tuple(columns) != true.columns:
        return False
    if set(shown) != set(true.cells()):
        return False
    for key, value in shown.items():
        if value is None:
            continue
        if not isinstance(value, int) or value < 0:
            return False
        if abs(value - true.value(key)) > tolerance(epsilon, len(true.members(key))):
            return False
    return True
