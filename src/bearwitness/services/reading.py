"""Reading records back: clear views while locked, whole records once unlocked, search."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bearwitness.crypto.blind_index import candidates, words
from bearwitness.domain.records import RECORD_TYPES, Record
from bearwitness.errors import InputError, NotFound
from bearwitness.services.archive import Archive
from bearwitness.services.sealing import SEARCH_KEY_PURPOSE, open_record
from bearwitness.store import rows as store
from bearwitness.store.rows import StoredRecord

KIND_BY_PREFIX = {cls.PREFIX: kind for kind, cls in RECORD_TYPES.items()}
SEARCHABLE = ("document", "person", "event", "source", "person_record", "claim", "act",
              "evidence", "intervention")


def kind_of(record_id: str) -> str:
    """The record type an id belongs to, from its prefix (``P-0042`` is a person)."""
    prefix = record_id.split("-", 1)[0]
    if prefix not in KIND_BY_PREFIX or "-" not in record_id:
        raise InputError(f"{record_id!r} is not a record id",
                         hint="Ids look like P-0042 (person), E-0007 (event), D-0100 (document).")
    return KIND_BY_PREFIX[prefix]


@dataclass(frozen=True)
class RecordView:
    """What may be shown of a record: clear fields always, sealed ones only when revealed."""

    kind: str
    id: str
    version: int
    deleted: bool
    fields: dict[str, Any]
    revealed: bool


def view(archive: Archive, stored: StoredRecord, record_id: str, *, reveal: bool) -> RecordView:
    if reveal:
        fields = open_record(archive.sealer, stored, record_id).to_dict()
    else:
        fields = dict(stored.clear)
    return RecordView(stored.kind, record_id, stored.version, stored.deleted, fields, reveal)


def get(archive: Archive, record_id: str, *, reveal: bool = False) -> RecordView:
    kind = kind_of(record_id)
    with archive.engine.connect() as connection:
        stored = store.fetch_record(connection, kind, record_id)
    if stored is None:
        raise NotFound(f"no {kind.replace('_', ' ')} {record_id} in this archive",
                       hint="List the ids with `bearwitness list`.")
    return view(archive, stored, record_id, reveal=reveal)


def open_full(archive: Archive, record_id: str) -> Record:
    """The whole record (needs an unlock)."""
    kind = kind_of(record_id)
    with archive.engine.connect() as connection:
        stored = store.fetch_record(connection, kind, record_id)
    if stored is None:
        raise NotFound(f"no {kind} {record_id}", hint="List the ids with `bearwitness list`.")
    return open_record(archive.sealer, stored, record_id)


def list_records(
    archive: Archive,
    kind: str,
    *,
    act_type: str | None = None,
    since: str | None = None,
    until: str | None = None,
    equals: dict[str, Any] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[RecordView]:
    """Clear views of the records of ``kind`` that match; works while locked.

    ``act_type`` keeps events with at least one act of that type (or acts of that
    type); ``since``/``until`` keep records whose date may fall in the period.
    """
    if kind not in RECORD_TYPES:
        raise InputError(f"{kind!r} is not a record type",
                         hint=f"Use one of: {', '.join(RECORD_TYPES)}.")
    with archive.engine.connect() as connection:
        ids = None
        if act_type is not None:
            acts = store.query_records(connection, "act", equals={"act_type": act_type})
            if kind == "event":
                ids = sorted({a.clear["event_id"] for a in acts if a.clear["event_id"]})
            elif kind == "act":
                equals = {**(equals or {}), "act_type": act_type}
            elif kind == "person":
                ids = sorted({a.clear["victim_id"] for a in acts if a.clear["victim_id"]})
        found = list(store.query_records(connection, kind, equals=equals, since=since,
                                         until=until, ids=ids, limit=limit, offset=offset))
    return [RecordView(s.kind, s.clear["id"], s.version, s.deleted, dict(s.clear), False)
            for s in found]


@dataclass(frozen=True)
class SearchHit:
    kind: str
    id: str
    record: Record


# Each kind's record ids and keyed search filters, in the same order.
SearchFilters = Mapping[str, tuple[list[str], list[bytes]]]


def search(archive: Archive, query: str, *, kinds: tuple[str, ...] = SEARCHABLE,
           limit: int = 100, filters: Callable[[], SearchFilters] | None = None
           ) -> list[SearchHit]:
    """Records whose sealed text holds every word of ``query`` (needs an unlock).

    Nothing about the query or the text is written anywhere: the keyed filters
    pick candidates, which are opened in memory to confirm the match. The
    filters are read from the database, or from ``filters()`` (a cache).
    """
    wanted = words(query)
    if not wanted:
        raise InputError("the search has no words", hint="Search for at least one word.")
    key = archive.require_secrets().subkey(SEARCH_KEY_PURPOSE)
    cached = filters() if filters is not None else None
    hits: list[SearchHit] = []
    with archive.engine.connect() as connection:
        for kind in kinds:
            if cached is None:
                pairs = store.search_filters(connection, kind)
                ids, blooms = [i for i, _ in pairs], [f for _, f in pairs]
            else:
                ids, blooms = cached.get(kind, ([], []))
            picked = [ids[i] for i in candidates(blooms, query, key)] if ids else []
            for stored in store.query_records(connection, kind, ids=picked) if picked else ():
                record_id = stored.clear["id"]
                record = open_record(archive.sealer, stored, record_id)
                text = " ".join(str(getattr(record, name)) for name in record.sealed_fields())
                if wanted <= words(text):
                    hits.append(SearchHit(kind, record_id, record))
                    if len(hits) >= limit:
                        return hits
    return hits
