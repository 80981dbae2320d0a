"""An attacker who holds everything a report published and tries to recover each hidden cell.

Written apart from ``reports/disclosure.py`` on purpose: it rebuilds the system of
equations from the published cells alone (what the CSVs say), knowing only how
tables add up (rows, columns, totals; tables of one unit share their grand total).

Two attacks, per hidden cell:

- exact linear algebra: the cell is determined when its row of coefficients lies
  in the span of the published equations (a rank test, numpy);
- bounds: the least and greatest value it can take with every inner cell
  non-negative (scipy's linprog). Exposed when they are equal or less than ``k``
  apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

TOTAL = "*"


@dataclass(frozen=True)
class PublishedTable:
    """A table as published: its unit, row and column labels, and each cell (None: hidden).
    A one-way table has the single column ``n``."""

    id: str
    unit: str
    rows: Sequence[str]
    columns: Sequence[str]
    cells: Mapping[tuple[str, str], int | None]


@dataclass(frozen=True)
class Recovered:
    table: str
    cell: tuple[str, str]
    how: str  # "exactly" or "bounds [low, high]"


def attack(
    tables: Sequence[PublishedTable], k: int, earlier: Sequence[PublishedTable] = ()
) -> list[Recovered]:
    """Every hidden cell recovered, of ``tables`` and of ``earlier`` releases of them (an
    archive that only grew: each earlier inner cell is at most the new one); and every
    count published in both that grew by fewer than ``k`` (named "difference")."""
    found: list[Recovered] = []
    now = {table.id: table for table in tables}
    for before in earlier:
        later = now[before.id]
        for cell, value in before.cells.items():
            new = later.cells.get(cell)
            if value is not None and new is not None and 0 < new - value < k:
                found.append(Recovered(later.id, cell, "difference"))
    old = [
        PublishedTable(f"earlier:{t.id}", f"earlier:{t.unit}", t.rows, t.columns, t.cells)
        for t in earlier
    ]
    tables = [*tables, *old]
    index: dict[tuple[str, str, str], int] = {}
    for table in tables:
        for row in table.rows:
            for column in table.columns:
                index[(table.id, row, column)] = len(index)
    equations: list[np.ndarray] = []
    values: list[float] = []
    unknown: list[tuple[PublishedTable, tuple[str, str], np.ndarray]] = []

    def coefficients(table: PublishedTable, cell: tuple[str, str]) -> np.ndarray:
        row, column = cell
        vector = np.zeros(len(index))
        for r in table.rows if row == TOTAL else [row]:
            for c in table.columns if column == TOTAL else [column]:
                vector[index[(table.id, r, c)]] = 1.0
        return vector

    for table in tables:
        for cell, value in table.cells.items():
            vector = coefficients(table, cell)
            if value is None:
                unknown.append((table, cell, vector))
            else:
                equations.append(vector)
                values.append(float(value))
    grand: dict[str, np.ndarray] = {}
    for table in tables:
        vector = coefficients(table, (TOTAL, TOTAL))
        if table.unit in grand:
            equations.append(vector - grand[table.unit])
            values.append(0.0)
        else:
            grand[table.unit] = vector
    system = np.array(equations) if equations else np.zeros((0, len(index)))
    rank = np.linalg.matrix_rank(system) if equations else 0
    below = []
    for table in old:
        for row in table.rows:
            for column in table.columns:
                vector = np.zeros(len(index))
                vector[index[(table.id, row, column)]] = 1.0
                vector[index[(table.id.removeprefix("earlier:"), row, column)]] = -1.0
                below.append(vector)
    for table, cell, vector in unknown:
        if equations and np.linalg.matrix_rank(np.vstack([system, vector])) == rank:
            found.append(Recovered(table.id, cell, "exactly"))
            continue
        ends = []
        for sign in (1.0, -1.0):
            solved = linprog(
                sign * vector,
                A_eq=system if equations else None,
                b_eq=np.array(values) if equations else None,
                A_ub=np.array(below) if below else None,
                b_ub=np.zeros(len(below)) if below else None,
                bounds=(0, None),
                method="highs",
            )
            ends.append(np.inf if solved.status == 3 else sign * solved.fun)
        low, high = ends
        if high - low < k - 1e-6:
            found.append(Recovered(table.id, cell, f"bounds [{low:g}, {high:g}]"))
    return found
