"""Choosing a record to link to by searching for it: the pickers of the workbench's forms.

A picker never asks for a typed id. It looks a record up by what the person choosing
knows: its id or number, its clear facts (a date, a district, a role), or, while the
archive is unlocked, words of its sealed text, found by the archive's own search
(:func:`bearwitness.services.reading.search`, or a cache of it). What a choice shows
is its id and clear facts; its name (a sealed field) only where the caller says the
record is revealed, which needs an unlock.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from bearwitness.domain.records import RECORD_TYPES, Record
from bearwitness.errors import InputError, NotFound
from bearwitness.services import browse, reading
from bearwitness.services.archive import Archive
from bearwitness.services.reading import RecordView, SearchHit

PICKABLE = ("event", "person", "source", "document")
# The clear facts a choice shows, in this order.
FACTS: dict[str, tuple[str, ...]] = {
    "event": ("date", "district", "victims"),
    "person": ("role", "sex"),
    "source": ("kind", "reliability"),
    "document": ("kind", "received", "source_id"),
}
# The sealed field that names a record, where it has one.
NAMES: dict[str, tuple[str, ...]] = {
    "event": ("title",),
    "person": ("full_name", "other_names"),
    "source": ("name",),
    "document": ("title",),
}
SCANNED = 2000  # records whose clear facts are compared with the words, at most
MAX_QUERY = 200

Search = Callable[[str, tuple[str, ...], int], list[SearchHit]]


@dataclass(frozen=True)
class Choice:
    """One record a picker offers: its id, its clear facts and, if revealed, its name."""

    kind: str
    id: str
    facts: dict[str, object]
    name: str = ""  # "" unless the record is revealed


def check_kind(kind: str) -> str:
    if kind not in PICKABLE:
        raise InputError(
            f"{kind[:20]!r} cannot be chosen with a picker",
            hint=f"Choose one of: {', '.join(PICKABLE)}.",
        )
    return kind


def name_of(record: Record) -> str:
    """What names a record, from its sealed fields (read only from an opened record)."""
    for field in NAMES.get(record.KIND, ()):
        value = getattr(record, field, "")
        if value:
            return str(value)[:200]
    return ""


def _facts(kind: str, view: RecordView) -> dict[str, object]:
    return {name: view.fields.get(name) for name in FACTS[kind] if view.fields.get(name)}


def _words(text: object) -> str:
    if isinstance(text, dict):  # a qualified count or a partial date as stored
        text = " ".join(str(v) for v in text.values())
    if isinstance(text, list | tuple):
        text = " ".join(str(v) for v in text)
    return str(text or "").casefold()


def _id_matches(archive: Archive, kind: str, query: str) -> list[RecordView]:
    """The record whose id is ``query`` (``E-0007``, ``e-7`` or ``7``), if there is one."""
    prefix = RECORD_TYPES[kind].PREFIX
    tail = query.split("-", 1)[1] if query.upper().startswith(f"{prefix}-") else query
    tried = [query.upper()]
    if tail.isascii() and tail.isdigit() and len(tail) <= 12:
        tried += [f"{prefix}-{int(tail):04d}", f"{prefix}-{tail}"]
    found: list[RecordView] = []
    for candidate in dict.fromkeys(tried):
        try:
            if reading.kind_of(candidate) != kind:
                continue
            view = reading.get(archive, candidate)
        except (InputError, NotFound):
            continue
        if not view.deleted:
            found.append(view)
    return found


def choices(
    archive: Archive,
    kind: str,
    query: str,
    *,
    search: Search | None = None,
    revealed: Collection[str] = (),
    limit: int = 20,
) -> list[Choice]:
    """Up to ``limit`` records of ``kind`` that ``query`` finds, best first.

    First the record with that id; then, with ``search`` (the archive unlocked), those
    whose sealed text holds every word; then those whose clear facts hold every word
    (among the first :data:`SCANNED` records). An empty query lists the first records.
    A choice carries its name only if its id is in ``revealed`` and the archive is
    unlocked.
    """
    check_kind(kind)
    query = " ".join(query.split())[:MAX_QUERY]
    found: dict[str, Choice] = {}
    opened: dict[str, Record] = {}

    def add(view: RecordView) -> None:
        if view.id not in found and len(found) < limit:
            found[view.id] = Choice(kind, view.id, _facts(kind, view))

    if not query:
        for view in browse.page_after(archive, kind, limit=limit):
            add(view)
    else:
        for view in _id_matches(archive, kind, query):
            add(view)
        if search is not None and not archive.locked and reading.has_words(query):
            for hit in search(query, (kind,), limit):
                opened[hit.id] = hit.record
                add(reading.get(archive, hit.id))
        wanted = query.casefold().split()
        after: str | None = None
        scanned = 0
        while len(found) < limit and scanned < SCANNED:
            batch = browse.page_after(archive, kind, after=after, limit=500)
            if not batch:
                break
            for view in batch:
                text = " ".join(
                    [view.id.casefold()] + [_words(v) for v in _facts(kind, view).values()]
                )
                if all(word in text for word in wanted):
                    add(view)
            scanned += len(batch)
            after = batch[-1].id
    return with_names(archive, list(found.values()), revealed, opened)


def with_names(
    archive: Archive,
    found: list[Choice],
    revealed: Collection[str],
    opened: dict[str, Record] | None = None,
) -> list[Choice]:
    """``found``, each choice whose id is in ``revealed`` with its name (needs an unlock:
    locked, the choices come back without names)."""
    if archive.locked or not revealed:
        return found
    named = []
    for choice in found:
        name = ""
        if choice.id in revealed:
            record = (opened or {}).get(choice.id) or reading.open_full(archive, choice.id)
            name = name_of(record)
        named.append(Choice(choice.kind, choice.id, choice.facts, name))
    return named


def label(choice: Choice, shown: Callable[[str, str, object], str]) -> str:
    """A choice as one line: ``E-0003 · 2018-12 · Central`` (and its name, when revealed).

    ``shown(kind, field, value)`` writes a clear value as people read it (vocabulary
    labels in their language)."""
    parts = [choice.id]
    if choice.name:
        parts.append(choice.name)
    parts += [
        text for name, value in choice.facts.items() if (text := shown(choice.kind, name, value))
    ]
    return " · ".join(parts)
