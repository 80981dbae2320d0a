"""Lists people can use: filters on every clear field with their counts, sorting, paging.

A list reads clear columns only, so it works while the archive is locked. While it is
unlocked each row of the page also gets its title (or name), opened from its sealed
fields in memory for that page and never written anywhere. A filter value that cannot
be read (a date like ``dec 2018``, an act type that does not exist) is refused with a
message saying how to write it, never taken as "everything".
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select

from bearwitness.domain import vocabulary
from bearwitness.domain.dates import PartialDateRange
from bearwitness.domain.records import RECORD_TYPES, kind_name
from bearwitness.errors import InputError, Phrase
from bearwitness.services.archive import Archive
from bearwitness.services.finding import titles_of
from bearwitness.store import rows as store
from bearwitness.store.schema import RECORD_TABLES, log_entries


@dataclass(frozen=True)
class Facet:
    """A filter on one clear column, of the record itself or of a linked record: ``on``
    names the linked kind and how rows meet (this kind's column, that kind's column)."""

    name: str
    kind: str  # the kind whose column holds the value
    column: str
    on: tuple[str, str] | None = None  # (column here, column there)


def _facets(kind: str, *facets: tuple[str, str, str] | str) -> tuple[Facet, ...]:
    made = []
    for item in facets:
        if isinstance(item, str):
            made.append(Facet(item, kind, item))
        else:
            name, other, joint = item
            here, there = joint.split("=")
            made.append(Facet(name, other, name, (here, there)))
    return tuple(made)


FACETS: dict[str, tuple[Facet, ...]] = {
    "event": _facets("event", "district", ("act_type", "act", "id=event_id")),
    "act": _facets("act", "act_type", "involvement", ("district", "event", "event_id=id")),
    "person": _facets("person", "role", "sex", ("act_type", "act", "id=victim_id")),
    "document": _facets("document", "kind", ("reliability", "source", "source_id=id")),
    "source": _facets("source", "kind", "reliability"),
    "evidence": _facets("evidence", "media_type"),
    "claim": _facets("claim", "stance"),
    "intervention": _facets("intervention", "kind", "status"),
    "person_record": _facets("person_record", "list_name"),
}
# The partial date a kind's period filter (since, until) and date sort read.
DATES = {
    "event": "date",
    "act": "date",
    "intervention": "date",
    "document": "received",
    "evidence": "captured",
}
# Reference filters: exact ids, shown as links, not counted.
REFERENCES = {
    "act": ("event_id", "victim_id"),
    "document": ("source_id",),
    "evidence": ("document_id",),
    "claim": ("document_id",),
    "intervention": ("person_id", "event_id"),
    "event": ("parent_id",),
}
FACET_VALUES = 30  # the most values a facet shows (the commonest)


@dataclass(frozen=True)
class ListQuery:
    """What a list shows: filters by name (facets, references, since, until), a sort
    (a column, ``-`` first for descending), a page."""

    kind: str
    filters: Mapping[str, str]
    sort: str = "id"
    number: int = 1
    size: int = 50


@dataclass(frozen=True)
class ListRow:
    id: str
    fields: dict[str, Any]
    title: str  # empty while locked


@dataclass(frozen=True)
class ListPage:
    query: ListQuery
    rows: list[ListRow]
    total: int
    facets: dict[str, list[tuple[str, int]]]  # facet -> (value, count), commonest first
    titled: bool  # whether titles were opened (the archive is unlocked)

    @property
    def first(self) -> int:
        return (self.query.number - 1) * self.query.size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.size))


@functools.cache  # asked for every facet of a list and every cell of its page
def vocabulary_of(kind: str, name: str) -> vocabulary.Vocabulary | None:
    """The vocabulary a field of ``kind`` takes its codes from; None for free text."""
    for field in dataclasses.fields(RECORD_TYPES[kind]):
        if field.name == name:
            found = field.metadata.get("vocabulary")
            return found if isinstance(found, vocabulary.Vocabulary) else None
    return None


def filter_names(kind: str) -> tuple[str, ...]:
    """Every filter a list of ``kind`` takes."""
    dated = ("since", "until") if kind in DATES else ()
    return tuple(f.name for f in FACETS[kind]) + REFERENCES.get(kind, ()) + dated


def filter_name(name: str) -> Phrase:
    """A filter's name for a person: ``since``, ``act type``, ``source`` (for ``source_id``);
    the catalogue has each."""
    return Phrase(name.removesuffix("_id").replace("_", " "))


def sort_names(kind: str) -> tuple[str, ...]:
    """The columns a list of ``kind`` sorts by."""
    direct = tuple(f.name for f in FACETS[kind] if f.on is None)
    return ("id",) + (("date",) if kind in DATES else ()) + direct


def _day(name: str, value: str, *, end: bool) -> str:
    try:
        period = PartialDateRange.parse(value)
    except InputError:
        raise InputError(
            Phrase(
                "%(name)s: %(value)s is not a date", name=filter_name(name), value=repr(value[:40])
            ),
            hint=Phrase("Write a year, a month or a day: 2018, 2018-12 or 2018-12-05."),
        ) from None
    return (period.latest if end else period.earliest).isoformat()


def _check(query: ListQuery) -> None:
    if query.kind not in FACETS:
        raise InputError(
            Phrase("%(kind)s is not a list", kind=repr(query.kind)),
            hint=Phrase("Use one of: %(codes)s.", codes=", ".join(FACETS)),
        )
    known = filter_names(query.kind)
    for name, value in query.filters.items():
        if name not in known:
            raise InputError(
                Phrase(
                    "a list of %(kind)s records has no filter %(name)s",
                    kind=kind_name(query.kind),
                    name=repr(name),
                ),
                hint=Phrase("Filter by: %(names)s.", names=", ".join(known)),
            )
        if len(value) > 200:
            raise InputError(
                Phrase("%(name)s: the value is too long", name=filter_name(name)),
                hint=Phrase("Use at most 200 characters."),
            )
    for facet in FACETS[query.kind]:
        chosen = query.filters.get(facet.name)
        vocab = vocabulary_of(facet.kind, facet.column)
        if chosen and vocab is not None and chosen not in vocab.codes:
            raise InputError(
                Phrase(
                    "%(name)s: %(value)s is not a known value",
                    name=filter_name(facet.name),
                    value=repr(chosen[:40]),
                ),
                hint=Phrase("Choose one of the values the list offers."),
            )
    if query.sort.removeprefix("-") not in sort_names(query.kind):
        raise InputError(
            Phrase(
                "a list of %(kind)s records cannot be sorted by %(name)s",
                kind=kind_name(query.kind),
                name=repr(query.sort.removeprefix("-")[:40]),
            ),
            hint=Phrase("Sort by: %(names)s.", names=", ".join(sort_names(query.kind))),
        )
    if not 1 <= query.number <= 1_000_000 or not 1 <= query.size <= 500:
        raise InputError(
            Phrase("that page does not exist"), hint=Phrase("Ask for page 1 or later.")
        )


def _condition(kind: str, facet: Facet, value: str) -> ColumnElement[bool]:
    table = RECORD_TABLES[kind]
    if facet.on is None:
        return table.c[facet.column] == value
    other = RECORD_TABLES[facet.kind]
    here, there = facet.on
    # EXISTS, not IN: asked row by row in the list's order, a page stops after its rows;
    # IN first gathers every linked id (5,000 victims of one act type: 8 ms a page).
    return (
        select(other.c[there])
        .where(
            other.c[there] == table.c[here],
            other.c[facet.column] == value,
            other.c.deleted.is_(False),
        )
        .exists()
    )


def _conditions(query: ListQuery, *, leave_out: str = "") -> list[ColumnElement[bool]]:
    table = RECORD_TABLES[query.kind]
    found: list[ColumnElement[bool]] = [table.c.deleted.is_(False)]
    for facet in FACETS[query.kind]:
        value = query.filters.get(facet.name)
        if value and facet.name != leave_out:
            found.append(_condition(query.kind, facet, value))
    for name in REFERENCES.get(query.kind, ()):
        if query.filters.get(name):
            found.append(table.c[name] == query.filters[name])
    date = DATES.get(query.kind)
    if date and query.filters.get("since"):
        found.append(table.c[f"{date}_latest"] >= _day("since", query.filters["since"], end=False))
    if date and query.filters.get("until"):
        found.append(table.c[f"{date}_earliest"] <= _day("until", query.filters["until"], end=True))
    return found


def _counts(connection: Any, query: ListQuery, facet: Facet) -> list[tuple[str, int]]:
    table = RECORD_TABLES[query.kind]
    where = and_(True, *_conditions(query, leave_out=facet.name))
    statement: Select[Any]
    if facet.on is None:
        column = table.c[facet.column]
        statement = select(column, func.count()).where(where, column.is_not(None))
    else:
        other = RECORD_TABLES[facet.kind]
        here, there = facet.on
        column = other.c[facet.column]
        statement = (
            select(column, func.count(func.distinct(table.c.id)))
            .select_from(table.join(other, table.c[here] == other.c[there]))
            .where(where, other.c.deleted.is_(False), column.is_not(None))
        )
    statement = statement.group_by(column).order_by(func.count().desc(), column).limit(FACET_VALUES)
    return [(str(value), int(count)) for value, count in connection.execute(statement) if value]


class ListCounts:
    """Lists' totals and facet counts, kept per list and filters until the archive changes
    (every change appends to the transparency log in its own transaction, so the log's
    size says when). Clear columns only: nothing here is sealed. Thread-safe: requests
    for one list that come together wait for the first one's counts rather than each
    counting (a count of 100,000 rows is about half a second)."""

    def __init__(self, most: int = 256) -> None:
        self._lock = threading.Lock()
        self._stamp: int | None = None
        self._kept: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], _Counted] = OrderedDict()
        self._counting: dict[tuple[str, tuple[tuple[str, str], ...]], threading.Lock] = {}
        self._most = most

    def get(self, connection: Any, query: ListQuery, make: Callable[[], _Counted]) -> _Counted:
        stamp = int(connection.scalar(select(func.coalesce(func.max(log_entries.c.idx), -1))))
        key = (query.kind, tuple(sorted((k, v) for k, v in query.filters.items() if v)))
        with self._lock:
            if stamp != self._stamp:
                self._kept.clear()
                self._stamp = stamp
            counting = self._counting.setdefault(key, threading.Lock())
        with counting:
            with self._lock:
                if stamp == self._stamp and key in self._kept:
                    self._kept.move_to_end(key)
                    return self._kept[key]
            made = make()
            with self._lock:
                if self._counting.get(key) is counting:
                    del self._counting[key]
                if stamp == self._stamp:
                    self._kept[key] = made
                    while len(self._kept) > self._most:
                        self._kept.popitem(last=False)
        return made


_Counted = tuple[int, dict[str, list[tuple[str, int]]]]


def list_page(archive: Archive, query: ListQuery, counts: ListCounts | None = None) -> ListPage:
    """One page of a list with its total and facet counts; titles while unlocked.

    Each facet counts the records that every *other* filter keeps, so its values say
    how many records choosing each would show. ``counts`` keeps totals and facet
    counts between pages (a workbench keeps one).
    """
    _check(query)
    table = RECORD_TABLES[query.kind]
    names = RECORD_TYPES[query.kind].clear_fields()
    where = and_(True, *_conditions(query))
    key = query.sort.removeprefix("-")
    column = table.c[f"{DATES[query.kind]}_earliest"] if key == "date" else table.c[key]
    # Ties by id in the same direction, so that one index (schema._list_indexes) reads a
    # page in order either way.
    descending = query.sort.startswith("-")
    order = [c.desc() if descending else c.asc() for c in (column, table.c.id)]
    statement = (
        select(*(table.c[name] for name in names))
        .where(where)
        .order_by(*order)
        .limit(query.size)
        .offset((query.number - 1) * query.size)
    )
    with archive.engine.connect() as connection:

        def count() -> _Counted:
            total = connection.scalar(select(func.count()).select_from(table).where(where))
            facets = {f.name: _counts(connection, query, f) for f in FACETS[query.kind]}
            return int(total or 0), facets

        total, facets = count() if counts is None else counts.get(connection, query, count)
        rows = [store.clear_values(query.kind, row) for row in connection.execute(statement)]
        unlocked = archive.secrets is not None
        titles: dict[str, str] = {}
        if unlocked and rows:
            titles = titles_of(archive, connection, query.kind, [str(row["id"]) for row in rows])
    return ListPage(
        query,
        [ListRow(str(row["id"]), row, titles.get(str(row["id"]), "")) for row in rows],
        total,
        facets,
        unlocked,
    )
