"""Disclosure control: no published figure lets anyone work out a hidden cell.

Three steps, on by default, over all the tables of one report together:

1. **Primary suppression.** A cell counting fewer than ``k`` (default 5) is
   hidden; a zero is hidden too when ``protect_zeros`` is set.
2. **Secondary suppression.** A total with exactly one hidden cell gives that
   cell away by subtraction, and so does a line whose hidden cells add up to
   less than ``k`` (each is then known to within less than ``k``). For each such
   line the smallest published non-zero cell is hidden too, until no line is left
   like that (a fixed point), across tables that share a margin (tables of one
   unit share their grand total).
3. **Audit.** Lines are not the whole story: several lines together can pin a
   cell down. :func:`audit` takes what an attacker would: every published cell as
   an equation over the unknown inner cells (non-negative), and bounds each hidden
   cell by linear programming (its minimum and maximum). A hidden cell is
   *exposed* when its interval is narrower than ``k`` (a single value included).
   Each exposed cell gets one more cell hidden beside it, and the audit runs
   again, until it exposes nothing.

What comes out is a :class:`Suppression`: for each table, the keys of its hidden
cells and why (``primary`` or ``secondary``). The same audit, written
independently, is the attacker test (``tests/reports/test_attacker.py``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bearwitness.reports.tables import Key, Table

PRIMARY = "primary"
SECONDARY = "secondary"
MAX_ROUNDS = 10_000


@dataclass(frozen=True)
class Settings:
    k: int = 5
    protect_zeros: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"k": self.k, "protect_zeros": self.protect_zeros}


@dataclass
class Suppression:
    """Which cells of which tables are hidden, and why."""

    hidden: dict[str, dict[Key, str]] = field(default_factory=dict)

    def status(self, table: str, key: Key) -> str | None:
        return self.hidden.get(table, {}).get(key)

    def is_hidden(self, table: str, key: Key) -> bool:
        return key in self.hidden.get(table, {})


CellRef = tuple[str, Key]


def primary(tables: Sequence[Table], settings: Settings) -> Suppression:
    """Step 1 alone (exposed by the attacker: kept for the tests that show it)."""
    result = Suppression({table.id: {} for table in tables})
    for table in tables:
        for key in table.cells():
            value = table.value(key)
            if value < settings.k and (value > 0 or settings.protect_zeros):
                result.hidden[table.id][key] = PRIMARY
    return result


def suppress(tables: Sequence[Table], settings: Settings) -> Suppression:
    """Primary, then secondary suppression, then audit until nothing is exposed."""
    result = primary(tables, settings)
    by_id = {table.id: table for table in tables}
    for _ in range(MAX_ROUNDS):
        _secondary(tables, result, settings)
        exposed = audit(tables, result, settings.k)
        if not exposed:
            return result
        for ref in exposed:
            _hide_beside(by_id, result, ref)
    raise AssertionError("disclosure control did not settle")  # each round hides a cell


def _lines(tables: Sequence[Table]) -> list[list[CellRef]]:
    """Each line as its total first, then its cells; and each pair of equal grand totals."""
    lines: list[list[CellRef]] = []
    for table in tables:
        for total, members in table.lines():
            lines.append([(table.id, total), *((table.id, m) for m in members)])
    for a, b in _twins(tables):
        lines.append([(a.id, a.grand()), (b.id, b.grand())])
    return lines


def _twins(tables: Sequence[Table]) -> list[tuple[Table, Table]]:
    """Pairs of tables of one unit: their grand totals are the same number."""
    pairs = []
    for index, a in enumerate(tables):
        pairs += [(a, b) for b in tables[index + 1 :] if b.unit == a.unit]
    return pairs


def _secondary(tables: Sequence[Table], result: Suppression, settings: Settings) -> None:
    by_id = {table.id: table for table in tables}

    def value(ref: CellRef) -> int:
        return by_id[ref[0]].value(ref[1])

    lines = _lines(tables)
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [ref for ref in line if result.is_hidden(*ref)]
            if not hidden:
                continue
            total_shown = not result.is_hidden(*line[0])
            hidden_sum = sum(value(ref) for ref in hidden if ref != line[0])
            if len(hidden) >= 2 and (not total_shown or hidden_sum >= settings.k):
                continue
            shown = [ref for ref in line[1:] if not result.is_hidden(*ref)]
            candidates = [ref for ref in shown if value(ref) > 0] or shown
            if not candidates and total_shown:
                candidates = [line[0]]
            if candidates:
                pick = min(candidates, key=lambda ref: (value(ref), ref))
                result.hidden[pick[0]][pick[1]] = SECONDARY
                changed = True


def _hide_beside(by_id: dict[str, Table], result: Suppression, ref: CellRef) -> None:
    """Hide the smallest published cell on a line through ``ref`` (else in its table)."""
    table = by_id[ref[0]]
    near: list[Key] = []
    for total, members in table.lines():
        line = [total, *members]
        if ref[1] in line:
            near += [key for key in line if not result.is_hidden(table.id, key)]
    if not near:
        near = [key for key in table.cells() if not result.is_hidden(table.id, key)]
    if not near:  # the whole table is hidden: what exposes it lies in a twin
        for other in by_id.values():
            if other.unit == table.unit and other.id != table.id:
                near = [key for key in other.cells() if not result.is_hidden(other.id, key)]
                if near:
                    table = other
                    break
    if near:
        positive = [key for key in near if table.value(key) > 0] or near
        pick = min(positive, key=lambda key: (table.value(key), key))
        result.hidden[table.id][pick] = SECONDARY


@dataclass(frozen=True)
class Bounds:
    table: str
    key: Key
    low: float
    high: float  # math.inf when nothing bounds it


def bounds(tables: Sequence[Table], suppression: Suppression) -> list[Bounds]:
    """What an attacker can learn of each hidden cell from everything published: its least
    and greatest possible value (linear programming over non-negative inner cells)."""
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    variables: dict[CellRef, int] = {}
    for table in tables:
        for key in table.inner():
            variables[(table.id, key)] = len(variables)
    if not variables:
        return []

    def form(table: Table, key: Key) -> list[int]:
        return [variables[(table.id, member)] for member in table.members(key)]

    rows: list[list[tuple[int, float]]] = []
    rhs: list[float] = []
    hidden: list[tuple[Table, Key]] = []
    for table in tables:
        for key in table.cells():
            if suppression.is_hidden(table.id, key):
                hidden.append((table, key))
            else:
                rows.append([(i, 1.0) for i in form(table, key)])
                rhs.append(float(table.value(key)))
    for a, b in _twins(tables):
        rows.append(
            [(i, 1.0) for i in form(a, a.grand())] + [(i, -1.0) for i in form(b, b.grand())]
        )
        rhs.append(0.0)
    if not hidden:
        return []
    data = [weight for row in rows for _, weight in row]
    columns = [index for row in rows for index, _ in row]
    pointers = np.cumsum([0, *(len(row) for row in rows)])
    matrix = csr_matrix((data, columns, pointers), shape=(len(rows), len(variables)))
    found = []
    for table, key in hidden:
        objective = np.zeros(len(variables))
        objective[form(table, key)] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            solved = linprog(
                sign * objective,
                A_eq=matrix if rows else None,
                b_eq=np.array(rhs) if rows else None,
                bounds=(0, None),
                method="highs",
            )
            if solved.status == 3:  # unbounded
                ends.append(math.inf if sign < 0 else 0.0)
            elif solved.status != 0:
                raise AssertionError(f"the published tables are inconsistent: {solved.message}")
            else:
                ends.append(sign * float(solved.fun))
        found.append(Bounds(table.id, key, ends[0], ends[1]))
    return found


def audit(tables: Sequence[Table], suppression: Suppression, k: int) -> list[CellRef]:
    """The hidden cells an attacker can pin down to an interval narrower than ``k``."""
    return [
        (found.table, found.key)
        for found in bounds(tables, suppression)
        if found.high - found.low < k - 1e-6
    ]


def published(
    tables: Iterable[Table], suppression: Suppression
) -> dict[str, dict[Key, int | None]]:
    """Each table's cells as they are published: the count, or None where hidden."""
    return {
        table.id: {
            key: None if suppression.is_hidden(table.id, key) else table.value(key)
            for key in table.cells()
        }
        for table in tables
    }
