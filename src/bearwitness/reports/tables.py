"""The tables a report publishes, counted from plain records (no database, no keys).

A :class:`Table` is a grid of counts: rows by columns, with row, column and grand
totals. A one-way table has the single column :data:`COUNT`. Every cell has a key
``(row, column)``; :data:`TOTAL` stands for a margin, so ``(TOTAL, TOTAL)`` is the
grand total. Counts are *documented* counts: a lower bound, never a pattern.

Coarsening happens here, before anything is counted: dates go to months (or
quarters, years), ages to bands, places to districts (the district is the only
place a record holds in the clear).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bearwitness.domain import vocabulary as v
from bearwitness.domain.dates import PartialDateRange
from bearwitness.domain.records import Act, Event, Intervention, Person, Record

TOTAL = "*"
COUNT = "n"
UNKNOWN = "unknown"
DEFAULT_AGE_BANDS = (18, 30, 40, 50, 60)  # lower bounds after the first band: 0-17, 18-29, ...
_YEAR = re.compile(r"(?<![0-9])([0-9]{4})(?![0-9])")

Key = tuple[str, str]


@dataclass(frozen=True)
class Table:
    """Counts by ``rows`` x ``columns`` of one ``unit`` (acts, victims, events, ...)."""

    id: str
    unit: str  # what is counted: tables of the same unit and scope share their grand total
    row_dimension: str
    column_dimension: str  # COUNT for a one-way table
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: dict[Key, int] = field(hash=False)

    @property
    def two_way(self) -> bool:
        return self.columns != (COUNT,)

    def value(self, key: Key) -> int:
        row, column = key
        rows = self.rows if row == TOTAL else (row,)
        columns = self.columns if column == TOTAL else (column,)
        return sum(self.counts.get((r, c), 0) for r in rows for c in columns)

    def inner(self) -> list[Key]:
        return [(r, c) for r in self.rows for c in self.columns]

    def cells(self) -> list[Key]:
        """Every published cell: the inner cells, then the margins, then the grand total."""
        keys = self.inner()
        if self.two_way:
            keys += [(r, TOTAL) for r in self.rows] + [(TOTAL, c) for c in self.columns]
            keys.append((TOTAL, TOTAL))
        else:
            keys.append((TOTAL, COUNT))
        return keys

    def grand(self) -> Key:
        return (TOTAL, TOTAL) if self.two_way else (TOTAL, COUNT)

    def members(self, key: Key) -> list[Key]:
        """The inner cells a cell adds up (itself, for an inner cell)."""
        row, column = key
        if not self.two_way and row == TOTAL:
            return [(r, COUNT) for r in self.rows]
        rows = self.rows if row == TOTAL else (row,)
        columns = self.columns if column == TOTAL else (column,)
        return [(r, c) for r in rows for c in columns]

    def lines(self) -> list[tuple[Key, list[Key]]]:
        """Each total with the cells it adds up: what one published line lets anyone solve."""
        if not self.two_way:
            return [((TOTAL, COUNT), [(r, COUNT) for r in self.rows])]
        lines = [((r, TOTAL), [(r, c) for c in self.columns]) for r in self.rows]
        lines += [((TOTAL, c), [(r, c) for r in self.rows]) for c in self.columns]
        lines.append(((TOTAL, TOTAL), [(r, TOTAL) for r in self.rows]))
        lines.append(((TOTAL, TOTAL), [(TOTAL, c) for c in self.columns]))
        return lines


@dataclass(frozen=True)
class Scope:
    """Which records a report counts, and how finely (from the spec)."""

    since: dt.date | None = None
    until: dt.date | None = None
    act_types: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    dates: str = "month"  # month, quarter or year
    age_bands: tuple[int, ...] = DEFAULT_AGE_BANDS


def period_key(period: PartialDateRange | None, dates: str = "month") -> str:
    """The coarsened period a date falls in: ``2019-01``, ``2019-Q1`` or ``2019``; the year
    when the date is vaguer than that but within one year; else ``unknown``."""
    if period is None:
        return UNKNOWN
    first, last = period.earliest, period.latest
    if first.year != last.year:
        return UNKNOWN
    if dates == "month" and first.month == last.month:
        return f"{first.year:04d}-{first.month:02d}"
    quarter = (first.month - 1) // 3
    if dates == "quarter" and quarter == (last.month - 1) // 3:
        return f"{first.year:04d}-Q{quarter + 1}"
    return f"{first.year:04d}"


def _period_order(key: str) -> tuple[int, str]:
    if key == UNKNOWN:
        return (10**6, key)
    return (int(key[:4]) * 100 + (99 if len(key) == 4 else 0), key)


def age_band(age: int | None, bands: Sequence[int] = DEFAULT_AGE_BANDS) -> str:
    """``18-29``-style bands: below the first bound, between bounds, and the last open one."""
    if age is None or age < 0 or age > 120:
        return UNKNOWN
    bounds = (0, *bands)
    for low, high in itertools.pairwise(bounds):
        if low <= age < high:
            return f"{low}-{high - 1}"
    return f"{bounds[-1]}+"


def band_names(bands: Sequence[int] = DEFAULT_AGE_BANDS) -> tuple[str, ...]:
    bounds = (0, *bands)
    names = [f"{low}-{high - 1}" for low, high in itertools.pairwise(bounds)]
    return (*names, f"{bounds[-1]}+", UNKNOWN)


def birth_year(text: str) -> int | None:
    """The year a (sealed, free-form) birth date names, if it names exactly one."""
    years = _YEAR.findall(text or "")
    return int(years[0]) if len(set(years)) == 1 else None


@dataclass(frozen=True)
class Counted:
    """What a report's figures are computed from: the records in scope."""

    acts: list[Act]
    events: dict[str, Event]
    persons: dict[str, Person]
    interventions: list[Intervention]


def select(records: Iterable[Record], scope: Scope) -> Counted:
    """The records a report counts, filtered by the scope's period, act types and districts."""
    events: dict[str, Event] = {}
    persons: dict[str, Person] = {}
    acts: list[Act] = []
    interventions: list[Intervention] = []
    for record in records:
        if isinstance(record, Event):
            events[record.id] = record
        elif isinstance(record, Person):
            persons[record.id] = record
        elif isinstance(record, Act):
            acts.append(record)
        elif isinstance(record, Intervention):
            interventions.append(record)

    def in_period(period: PartialDateRange | None) -> bool:
        if scope.since is None and scope.until is None:
            return True
        return period is not None and period.overlaps(scope.since, scope.until)

    def district(event_id: str | None) -> str:
        event = events.get(event_id or "")
        return (event.district or UNKNOWN) if event else UNKNOWN

    kept_acts = [
        act
        for act in sorted(acts, key=lambda a: a.id)
        if in_period(act_date(act, events))
        and (not scope.act_types or act.act_type in scope.act_types)
        and (not scope.districts or district(act.event_id) in scope.districts)
    ]
    kept_events = {
        key: event
        for key, event in sorted(events.items())
        if in_period(event.date)
        and (not scope.districts or (event.district or UNKNOWN) in scope.districts)
    }
    kept_interventions = [
        item for item in sorted(interventions, key=lambda i: i.id) if in_period(item.date)
    ]
    return Counted(kept_acts, kept_events, persons, kept_interventions)


def act_date(act: Act, events: dict[str, Event]) -> PartialDateRange | None:
    """An act's date, or its event's when the act has none."""
    if act.date is not None:
        return act.date
    event = events.get(act.event_id or "")
    return event.date if event else None


def count_tables(records: Iterable[Record], scope: Scope) -> list[Table]:
    """Every table of the report, in the order it shows them."""
    counted = select(records, scope)
    all_events = counted.events
    acts = counted.acts

    def district(act: Act) -> str:
        event = all_events.get(act.event_id or "")
        return (event.district or UNKNOWN) if event else UNKNOWN

    type_district = Counter((act.act_type, district(act)) for act in acts)
    act_rows = tuple(code for code in v.ACT_TYPES.codes if any(k[0] == code for k in type_district))
    districts = tuple(sorted({k[1] for k in type_district}, key=lambda d: (d == UNKNOWN, d)))
    by_month = Counter(period_key(act_date(act, all_events), scope.dates) for act in acts)

    victims: dict[str, tuple[str, str]] = {}
    for act in acts:
        if act.victim_id is None or act.victim_id in victims:
            continue
        person = counted.persons.get(act.victim_id)
        sex = person.sex if person else UNKNOWN
        period = act_date(act, all_events)
        born = birth_year(person.birth_date) if person else None
        age = period.earliest.year - born if period is not None and born is not None else None
        victims[act.victim_id] = (sex, age_band(age, scope.age_bands))
    sex_age = Counter(victims.values())

    events_by_month = Counter(period_key(e.date, scope.dates) for e in counted.events.values())
    help_given = Counter((i.kind, i.status) for i in counted.interventions)

    def ordered(keys: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(set(keys), key=_period_order))

    return [
        Table(
            "acts-by-type-and-district",
            "acts",
            "act_type",
            "district",
            act_rows,
            districts,
            dict(type_district),
        ),
        Table(
            "acts-by-month",
            "acts",
            "period",
            COUNT,
            ordered(by_month),
            (COUNT,),
            {(key, COUNT): n for key, n in by_month.items()},
        ),
        Table(
            "victims-by-sex-and-age",
            "victims",
            "sex",
            "age_band",
            tuple(code for code in v.SEXES.codes if any(k[0] == code for k in sex_age)),
            tuple(
                band for band in band_names(scope.age_bands) if any(k[1] == band for k in sex_age)
            ),
            dict(sex_age),
        ),
        Table(
            "events-by-month",
            "events",
            "period",
            COUNT,
            ordered(events_by_month),
            (COUNT,),
            {(key, COUNT): n for key, n in events_by_month.items()},
        ),
        Table(
            "interventions-by-kind-and-status",
            "interventions",
            "intervention",
            "intervention_status",
            tuple(c for c in v.INTERVENTION_KINDS.codes if any(k[0] == c for k in help_given)),
            tuple(c for c in v.INTERVENTION_STATUSES.codes if any(k[1] == c for k in help_given)),
            dict(help_given),
        ),
    ]
