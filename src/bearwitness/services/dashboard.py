"""What the archive documents over time and place, for the workbench's start page.

Every count comes from clear columns, so the dashboard works while the archive is
locked; the one sealed thing it shows, an event's title on the timeline, is opened in
memory while unlocked and never written. Documented counts are lower bounds: what
nobody reported is missing, which is what an estimate is for (``newest_estimate``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, func, select

from bearwitness.domain import vocabulary
from bearwitness.services.archive import Archive
from bearwitness.services.boundaries import DistrictMap, district_map
from bearwitness.services.finding import titles_of
from bearwitness.services.status import DocumentedPeople, documented_people
from bearwitness.store import rows as store
from bearwitness.store.schema import RECORD_TABLES, estimate_runs

MONTHS = 60  # the most months the chart shows (the newest)
TIMELINE = 200  # the most events the timeline shows (the newest)


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    counts: dict[str, int]  # act type -> acts dated in that month

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Moment:
    """One event on the timeline: its date as written, the day it sorts by, its district,
    and its title (empty while locked)."""

    id: str
    when: str
    sort: str
    district: str
    title: str


@dataclass(frozen=True)
class Dashboard:
    months: tuple[Month, ...]  # consecutive, oldest first
    act_types: tuple[str, ...]  # the codes the months hold, in vocabulary order
    not_by_month: int  # acts undated, or dated less finely than a month
    months_left_out: int  # older months beyond MONTHS
    districts: tuple[tuple[str, int], ...]  # acts by their event's district, most first
    no_district: int  # acts whose event names no district, or that have no event
    acts: int
    events: int
    persons: int
    people: DocumentedPeople
    open_cases: int
    inbox_items: int  # submissions and follow-ups in the archive
    inbox_waiting: int  # batches not folded in yet (their items are not counted above)
    timeline: tuple[Moment, ...]  # oldest first
    events_left_out: int
    estimate: str  # the newest estimate run's id, "" when there is none
    map: DistrictMap | None


def _months(archive: Archive) -> tuple[Counter[tuple[str, str]], int]:
    acts = RECORD_TABLES["act"]
    month = func.substr(acts.c.date_earliest, 1, 7)
    same_month = and_(
        acts.c.date_earliest.is_not(None),
        month == func.substr(acts.c.date_latest, 1, 7),
    )
    live = acts.c.deleted.is_(False)
    statement = (
        select(month, acts.c.act_type, func.count())
        .where(live, same_month)
        .group_by(month, acts.c.act_type)
    )
    with archive.engine.connect() as connection:
        found = Counter({(str(m), str(t)): int(n) for m, t, n in connection.execute(statement)})
        coarse = connection.scalar(select(func.count()).select_from(acts).where(live, ~same_month))
    return found, int(coarse or 0)


def _consecutive(found: Counter[tuple[str, str]]) -> tuple[list[str], int]:
    if not found:
        return [], 0
    first, last = min(m for m, _ in found), max(m for m, _ in found)
    year, month = int(first[:4]), int(first[5:7])
    every = []
    while f"{year:04d}-{month:02d}" <= last:
        every.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return every[-MONTHS:], max(0, len(every) - MONTHS)


def _districts(archive: Archive) -> tuple[list[tuple[str, int]], int]:
    acts, events = RECORD_TABLES["act"], RECORD_TABLES["event"]
    statement = (
        select(events.c.district, func.count())
        .select_from(acts.join(events, acts.c.event_id == events.c.id))
        .where(acts.c.deleted.is_(False), events.c.deleted.is_(False))
        .group_by(events.c.district)
    )
    with archive.engine.connect() as connection:
        rows = [(str(d or ""), int(n)) for d, n in connection.execute(statement)]
        total = store.count_records(connection, "act")
    named = sorted(((d, n) for d, n in rows if d), key=lambda item: (-item[1], item[0]))
    return named, total - sum(n for _, n in named)


def _timeline(archive: Archive, titles: bool) -> tuple[list[Moment], int]:
    events = RECORD_TABLES["event"]
    live = events.c.deleted.is_(False)
    statement = (
        select(events.c.id, events.c.date, events.c.date_earliest, events.c.district)
        .where(live)
        .order_by(events.c.date_earliest.desc(), events.c.id.desc())
        .limit(TIMELINE)
    )
    with archive.engine.connect() as connection:
        rows = connection.execute(statement).all()
        total = store.count_records(connection, "event")
        opened: dict[str, str] = {}
        if titles and archive.secrets is not None and rows:  # in memory, for this page only
            opened = titles_of(archive, connection, "event", [str(row.id) for row in rows])
    moments = [
        Moment(
            str(row.id),
            str(row.date or ""),
            str(row.date_earliest or ""),
            str(row.district or ""),
            opened.get(str(row.id), ""),
        )
        for row in rows
    ]
    # Undated events last; then by date and id, oldest first.
    moments.sort(key=lambda m: (m.sort == "", m.sort, m.id))
    return moments, max(0, total - len(rows))


def _open_cases(archive: Archive) -> int:
    cases = RECORD_TABLES["intervention"]
    statement = select(func.count()).where(
        cases.c.deleted.is_(False), cases.c.status.in_(vocabulary.OPEN_STATUSES)
    )
    with archive.engine.connect() as connection:
        return int(connection.scalar(statement) or 0)


def _inbox_items(archive: Archive) -> int:
    documents = RECORD_TABLES["document"]
    statement = select(func.count()).where(
        documents.c.deleted.is_(False), documents.c.kind.in_(("submission", "follow_up"))
    )
    with archive.engine.connect() as connection:
        return int(connection.scalar(statement) or 0)


def newest_estimate(archive: Archive) -> str:
    """The id of the newest estimate run (``ES-0003``), or ``""`` when none was kept."""
    statement = select(estimate_runs.c.id).order_by(
        estimate_runs.c.recorded_at.desc(), estimate_runs.c.id.desc()
    )
    with archive.engine.connect() as connection:
        found = connection.execute(statement.limit(1)).scalar()
    return str(found) if found else ""


def dashboard(archive: Archive, *, inbox_waiting: int = 0, titles: bool = True) -> Dashboard:
    """The start page's figures; works locked. The timeline's titles are opened only while
    unlocked, and only when ``titles`` (the reader may see titles: lists show them)."""
    found, coarse = _months(archive)
    every, left_out = _consecutive(found)
    present = {t for _, t in found}
    order = tuple(c for c in vocabulary.ACT_TYPES.codes if c in present)
    order += tuple(sorted(present - set(order)))
    months = tuple(Month(m, {t: found[(m, t)] for t in order if found[(m, t)]}) for m in every)
    districts, no_district = _districts(archive)
    moments, events_left_out = _timeline(archive, titles)
    with archive.engine.connect() as connection:
        acts = store.count_records(connection, "act")
        events = store.count_records(connection, "event")
        persons = store.count_records(connection, "person")
    return Dashboard(
        months=months,
        act_types=order,
        not_by_month=coarse,
        months_left_out=left_out,
        districts=tuple(districts),
        no_district=no_district,
        acts=acts,
        events=events,
        persons=persons,
        people=documented_people(archive),
        open_cases=_open_cases(archive),
        inbox_items=_inbox_items(archive),
        inbox_waiting=inbox_waiting,
        timeline=tuple(moments),
        events_left_out=events_left_out,
        estimate=newest_estimate(archive),
        map=district_map(archive.folder),
    )


def month_start(month: str) -> dt.date:
    """The first day of a ``YYYY-MM`` month."""
    return dt.date(int(month[:4]), int(month[5:7]), 1)
