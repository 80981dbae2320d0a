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
from typing import Any

from bearwitness.reports.tables import TOTAL, Key, Table

PRIMARY = "primary"
SECONDARY = "secondary"
DIFFERENCE = "difference"  # it differs from an earlier release's by fewer than k
MAX_ROUNDS = 10_000


@dataclass(frozen=True)
class Settings:
    k: int = 5
    protect_zeros: bool = False
    # Differential privacy (reports/privacy.py): the epsilon each table spends, or none.
    epsilon: float | None = None

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"k": self.k, "protect_zeros": self.protect_zeros}
        if self.epsilon is not None:  # absent otherwise: earlier specs keep their hash
            found["epsilon"] = self.epsilon
        return found


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


@dataclass(frozen=True)
class Earlier:
    """A table as an earlier release published it (from the release ledger): its shape
    (``table``'s rows and columns; its counts are not known) and its cells as shown."""

    release: str
    table: Table
    shown: dict[Key, int | None]

    def value(self, key: Key) -> int | None:
        """What the release said of a cell: its count, None where hidden, 0 where a row or
        column was absent (a table shows only the categories it counted)."""
        row, column = key
        if (row != TOTAL and row not in self.table.rows) or (
            column != TOTAL and column not in self.table.columns
        ):
            return 0
        return self.shown.get(key)


def comparable(table: Table, earlier: Earlier) -> bool:
    """Whether an attacker may read ``table`` as ``earlier`` plus what was added since: the
    same table, every earlier category still there, and no published count gone down (an
    archive that only grew). When records were changed or removed the subtraction says
    nothing for sure, and the releases are not linked."""
    if earlier.table.id != table.id or earlier.table.unit != table.unit:
        return False
    if not set(earlier.table.rows) <= set(table.rows):
        return False
    if not set(earlier.table.columns) <= set(table.columns):
        return False
    return all(value is None or table.value(key) >= value for key, value in earlier.shown.items())


def suppress(
    tables: Sequence[Table], settings: Settings, earlier: Sequence[Earlier] = ()
) -> Suppression:
    """Primary, then secondary suppression, then audit until nothing is exposed; with
    ``earlier`` releases of the same tables, differencing against them is audited too."""
    result = primary(tables, settings)
    by_id = {table.id: table for table in tables}
    # Noised tables of one unit do not share their grand total: each has its own noise.
    shared = settings.epsilon is None
    linked = [e for e in earlier if e.table.id in by_id and comparable(by_id[e.table.id], e)]
    for before in linked:  # "this year's total minus last year's" must not be a small count
        table = by_id[before.table.id]
        for key in table.cells():
            old = before.value(key)
            if old is not None and 0 < table.value(key) - old < settings.k:
                result.hidden[table.id].setdefault(key, DIFFERENCE)
    for _ in range(MAX_ROUNDS):
        _secondary(tables, result, settings, shared=shared)
        exposed = audit(tables, result, settings.k, linked, shared=shared)
        if not exposed:
            return result
        count = sum(len(cells) for cells in result.hidden.values())
        for ref in exposed:
            _hide_beside(by_id, result, ref)
        if sum(len(cells) for cells in result.hidden.values()) == count:
            # Nothing left to hide near it: what exposes it was published before (an earlier
            # release alone); the new tables add nothing more.
            return result
    raise AssertionError("disclosure control did not settle")  # each round hides a cell


def _lines(tables: Sequence[Table], *, shared: bool = True) -> list[list[CellRef]]:
    """Each line as its total first, then its cells; and each pair of equal grand totals."""
    lines: list[list[CellRef]] = []
    for table in tables:
        for total, members in table.lines():
            lines.append([(table.id, total), *((table.id, m) for m in members)])
    for a, b in _twins(tables) if shared else []:
        lines.append([(a.id, a.grand()), (b.id, b.grand())])
    return lines


def _twins(tables: Sequence[Table]) -> list[tuple[Table, Table]]:
    """Pairs of tables of one unit: their grand totals are the same number."""
    pairs = []
    for index, a in enumerate(tables):
        pairs += [(a, b) for b in tables[index + 1 :] if b.unit == a.unit]
    return pairs


def _secondary(
    tables: Sequence[Table], result: Suppression, settings: Settings, *, shared: bool = True
) -> None:
    by_id = {table.id: table for table in tables}

    def value(ref: CellRef) -> int:
        return by_id[ref[0]].value(ref[1])

    lines = _lines(tables, shared=shared)
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


def bounds(
    tables: Sequence[Table],
    suppression: Suppression,
    earlier: Sequence[Earlier] = (),
    *,
    shared: bool = True,
) -> list[Bounds]:
    """What an attacker can learn of each hidden cell from everything published: its least
    and greatest possible value (linear programming over non-negative inner cells).

    ``earlier``: releases of the same tables from an archive that has only grown since
    (see :func:`comparable`); each of their inner cells is at most the new one. Their
    hidden cells are bounded too (named ``earlier:<release>:<table>``). ``shared``: tables
    of one unit have the same grand total (not so when each is noised)."""
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    variables: dict[CellRef, int] = {}
    for table in tables:
        for key in table.inner():
            variables[(table.id, key)] = len(variables)
    for before in earlier:
        for key in before.table.inner():
            variables[(_earlier_id(before), key)] = len(variables)
    if not variables:
        return []

    def form(table: Table, key: Key, name: str | None = None) -> list[int]:
        return [variables[(name or table.id, member)] for member in table.members(key)]

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
    for a, b in _twins(tables) if shared else []:
        rows.append(
            [(i, 1.0) for i in form(a, a.grand())] + [(i, -1.0) for i in form(b, b.grand())]
        )
        rhs.append(0.0)
    below: list[list[tuple[int, float]]] = []  # earlier cell - new cell <= 0
    hidden_before: list[tuple[Table, Key, str]] = []
    for before in earlier:
        name = _earlier_id(before)
        for key in before.table.cells():
            value = before.shown.get(key)
            if value is None:
                hidden_before.append((before.table, key, name))
            else:
                rows.append([(i, 1.0) for i in form(before.table, key, name)])
                rhs.append(float(value))
        for key in before.table.inner():
            below.append([(variables[(name, key)], 1.0), (variables[(before.table.id, key)], -1.0)])
    if not hidden and not hidden_before:
        return []
    matrix = _sparse(rows, len(variables), np, csr_matrix)
    upper = _sparse(below, len(variables), np, csr_matrix) if below else None
    found = []
    targets = [(table, key, table.id, table.id) for table, key in hidden] + [
        (table, key, name, name) for table, key, name in hidden_before
    ]
    for table, key, name, label in targets:
        objective = np.zeros(len(variables))
        objective[form(table, key, name)] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            solved = linprog(
                sign * objective,
                A_eq=matrix if rows else None,
                b_eq=np.array(rhs) if rows else None,
                A_ub=upper,
                b_ub=np.zeros(len(below)) if below else None,
                bounds=(0, None),
                method="highs",
            )
            if solved.status == 3:  # unbounded
                ends.append(math.inf if sign < 0 else 0.0)
            elif solved.status != 0:
                raise AssertionError(f"the published tables are inconsistent: {solved.message}")
            else:
                ends.append(sign * float(solved.fun))
        found.append(Bounds(label, key, ends[0], ends[1]))
    return found


def _earlier_id(before: Earlier) -> str:
    return f"earlier:{before.release}:{before.table.id}"


def _sparse(rows: list[list[tuple[int, float]]], width: int, np: Any, csr_matrix: Any) -> Any:
    data = [weight for row in rows for _, weight in row]
    columns = [index for row in rows for index, _ in row]
    pointers = np.cumsum([0, *(len(row) for row in rows)])
    return csr_matrix((data, columns, pointers), shape=(len(rows), width))


def audit(
    tables: Sequence[Table],
    suppression: Suppression,
    k: int,
    earlier: Sequence[Earlier] = (),
    *,
    shared: bool = True,
) -> list[CellRef]:
    """The hidden cells an attacker can pin down to an interval narrower than ``k``. An
    earlier release's cell that the new tables would expose is named by the new table's
    cell of the same key (the one to hide more around)."""
    exposed: list[CellRef] = []
    for found in bounds(tables, suppression, earlier, shared=shared):
        if found.high - found.low < k - 1e-6:
            table = (
                found.table.rsplit(":", 1)[-1]
                if found.table.startswith("earlier:")
                else found.table
            )
            exposed.append((table, found.key))
    return exposed


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
