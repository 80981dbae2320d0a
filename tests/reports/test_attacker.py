"""The attacker test: from everything a report publishes, no hidden cell can be recovered,
by exact linear algebra or by bounds; and primary suppression alone fails it."""

from __future__ import annotations

import random

import pytest

from bearwitness.reports.disclosure import Earlier, Settings, primary, published, suppress
from bearwitness.reports.tables import COUNT, Table
from tests.reports.attacker import PublishedTable, attack


def as_published(
    tables: list[Table], hidden: dict[str, dict[tuple[str, str], int | None]]
) -> list[PublishedTable]:
    return [
        PublishedTable(table.id, table.unit, table.rows, table.columns, hidden[table.id])
        for table in tables
    ]


def two_way(name: str, unit: str, grid: list[list[int]]) -> Table:
    rows = tuple(f"r{i}" for i in range(len(grid)))
    columns = tuple(f"c{j}" for j in range(len(grid[0])))
    counts = {(rows[i], columns[j]): n for i, line in enumerate(grid) for j, n in enumerate(line)}
    return Table(name, unit, "row", "column", rows, columns, counts)


def one_way(name: str, unit: str, values: list[int]) -> Table:
    rows = tuple(f"m{i}" for i in range(len(values)))
    return Table(
        name,
        unit,
        "period",
        COUNT,
        rows,
        (COUNT,),
        {(r, COUNT): n for r, n in zip(rows, values, strict=True)},
    )


def random_report(seed: int) -> list[Table]:
    rng = random.Random(seed)
    shape = (rng.randint(2, 5), rng.randint(2, 5))
    grid = [
        [rng.choice([0, 1, 2, 3, 4, 6, 9, 15]) for _ in range(shape[1])] for _ in range(shape[0])
    ]
    total = sum(map(sum, grid))
    parts = sorted(rng.randint(0, total) for _ in range(rng.randint(1, 4)))
    months = [b - a for a, b in zip([0, *parts], [*parts, total], strict=True)]
    other = [[rng.choice([0, 1, 2, 7, 12]) for _ in range(2)] for _ in range(3)]
    return [
        two_way("acts", "acts", grid),
        one_way("months", "acts", months),
        two_way("victims", "victims", other),
    ]


@pytest.mark.parametrize("seed", range(40))
def test_the_attacker_recovers_no_hidden_cell(seed: int) -> None:
    tables = random_report(seed)
    for settings in (Settings(k=5), Settings(k=3, protect_zeros=True), Settings(k=10)):
        shown = published(tables, suppress(tables, settings))
        assert attack(as_published(tables, shown), settings.k) == []


def test_primary_suppression_alone_gives_cells_away() -> None:
    # One small cell per row: each row total hands it back by subtraction.
    tables = [two_way("acts", "acts", [[2, 9, 8], [7, 6, 12], [9, 3, 20]])]
    shown = published(tables, primary(tables, Settings(k=5)))
    recovered = attack(as_published(tables, shown), 5)
    assert {item.cell for item in recovered} >= {("r0", "c0"), ("r2", "c1")}
    assert any(item.how == "exactly" for item in recovered)


def test_a_linked_table_is_not_a_way_round() -> None:
    # The months table shares the grand total: hiding it in one table only would not do.
    tables = [two_way("acts", "acts", [[1, 1], [1, 1]]), one_way("months", "acts", [4])]
    shown = published(tables, suppress(tables, Settings(k=5)))
    assert shown["acts"][("*", "*")] is None and shown["months"][("*", COUNT)] is None
    assert attack(as_published(tables, shown), 5) == []


def test_random_primary_only_reports_are_caught() -> None:
    caught = 0
    for seed in range(40):
        tables = random_report(seed)
        shown = published(tables, primary(tables, Settings(k=5)))
        caught += bool(attack(as_published(tables, shown), 5))
    assert caught >= 20  # the attacker is not toothless


def grown(tables: list[Table], seed: int) -> list[Table]:
    """The same tables after a few more acts were documented (an archive that only grew)."""
    rng = random.Random(seed)
    result = []
    for table in tables:
        counts = dict(table.counts)
        for _ in range(rng.randint(1, 3)):
            key = rng.choice(table.inner())
            counts[key] = counts.get(key, 0) + rng.randint(1, 2)
        result.append(
            Table(
                table.id,
                table.unit,
                table.row_dimension,
                table.column_dimension,
                table.rows,
                table.columns,
                counts,
            )
        )
    return result


@pytest.mark.parametrize("seed", range(12))
def test_no_difference_with_an_earlier_release_gives_a_cell_away(seed: int) -> None:
    first = random_report(seed)
    settings = Settings(k=5)
    shown_first = published(first, suppress(first, settings))
    second = grown(first, seed)
    earlier = [Earlier("RP-1", t, shown_first[t.id]) for t in first]
    shown_second = published(second, suppress(second, settings, earlier))
    found = attack(as_published(second, shown_second), 5, earlier=as_published(first, shown_first))
    assert found == []


def test_without_the_ledger_the_difference_gives_new_acts_away() -> None:
    first = [two_way("acts", "acts", [[20, 9, 8], [7, 6, 12], [9, 7, 20]])]
    counts = dict(first[0].counts)
    counts[("r0", "c0")] += 1  # one more act documented
    second = [Table("acts", "acts", "row", "column", first[0].rows, first[0].columns, counts)]
    shown_first = published(first, suppress(first, Settings(k=5)))
    alone = published(second, suppress(second, Settings(k=5)))
    assert any(
        r.how == "difference"
        for r in attack(as_published(second, alone), 5, as_published(first, shown_first))
    )
    earlier = [Earlier("RP-1", first[0], shown_first["acts"])]
    checked = published(second, suppress(second, Settings(k=5), earlier))
    assert attack(as_published(second, checked), 5, as_published(first, shown_first)) == []
