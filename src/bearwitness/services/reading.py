"""Reading records back: clear views while locked, whole records once unlocked, search."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bearwitness.crypto.blind_index import candidates_any, holds_terms, record_filter_key, words
from bearwitness.domain.records import RECORD_TYPES, Record, kind_name
from bearwitness.errors import InputError, NotFound, Phrase
from bearwitness.services._sealing import (
    SEARCH_KEY_PURPOSE,
    open_fields,
    open_record,
    search_filter,
    searched_text,
)
from bearwitness.services.archive import Archive
from bearwitness.services.search_terms import QueryWord, query_words, text_terms
from bearwitness.store import rows as store
from bearwitness.store.rows import StoredRecord

KIND_BY_PREFIX = {cls.PREFIX: kind for kind, cls in RECORD_TYPES.items()}
LIST_THE_IDS = Phrase("List the ids with `bearwitness list`, or find the record in a list.")
SEARCHABLE = (
    "document",
    "person",
    "event",
    "source",
    "person_record",
    "claim",
    "act",
    "evidence",
    "intervention",
)


def kind_of(record_id: str) -> str:
    """The record type an id belongs to, from its prefix (``P-0042`` is a person)."""
    prefix = record_id.split("-", 1)[0]
    if prefix not in KIND_BY_PREFIX or "-" not in record_id:
        raise InputError(
            Phrase("%(value)s is not a record id", value=repr(record_id)),
            hint=Phrase("Ids look like P-0042 (person), E-0007 (event), D-0100 (document)."),
        )
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
        raise NotFound(
            Phrase("no %(kind)s %(id)s in this archive", kind=kind_name(kind), id=record_id),
            hint=LIST_THE_IDS,
        )
    return view(archive, stored, record_id, reveal=reveal)


def open_full(archive: Archive, record_id: str) -> Record:
    """The whole record (needs an unlock)."""
    kind = kind_of(record_id)
    with archive.engine.connect() as connection:
        stored = store.fetch_record(connection, kind, record_id)
    if stored is None:
        # Its English names the type as the code does (person_record).
        named = kind if "_" in kind else kind_name(kind)
        raise NotFound(Phrase("no %(kind)s %(id)s", kind=named, id=record_id), hint=LIST_THE_IDS)
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
        raise InputError(
            Phrase("%(value)s is not a record type", value=repr(kind)),
            hint=Phrase("Use one of: %(codes)s.", codes=", ".join(RECORD_TYPES)),
        )
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
        found = list(
            store.query_records(
                connection,
                kind,
                equals=equals,
                since=since,
                until=until,
                ids=ids,
                limit=limit,
                offset=offset,
            )
        )
    return [
        RecordView(s.kind, s.clear["id"], s.version, s.deleted, dict(s.clear), False) for s in found
    ]


@dataclass(frozen=True)
class SearchHit:
    kind: str
    id: str
    record: Record


@dataclass(frozen=True)
class KindFilters:
    """One kind's records that can be searched: ids, their filters, and for each key
    generation the filters' keys, in the same order. The keys exist only in memory,
    while unlocked."""

    ids: list[str]
    filters: list[bytes]
    keys: list[list[bytes]]  # one list per key generation held, newest first
    # Whether each filter holds search terms (else the bare words: an older release's).
    terms: list[bool] = field(default_factory=list)


SearchFilters = Mapping[str, KindFilters]


def load_filters(archive: Archive, kinds: tuple[str, ...] = SEARCHABLE) -> SearchFilters:
    """Every searchable record's filter and filter key, by kind (needs an unlock).

    Records without a filter (those of an archive from before per-record filter
    keys: migration 0006 removed them) are opened and given one here, once:
    the only write a search makes.
    """
    secrets = archive.require_secrets()
    search_key = secrets.subkey(SEARCH_KEY_PURPOSE)  # new filters: the current generation
    search_keys = [
        secrets.subkey(SEARCH_KEY_PURPOSE, generation=generation)
        for generation in sorted(secrets.data_keys, reverse=True)
    ]
    loaded: dict[str, KindFilters] = {}
    with archive.engine.connect() as connection:
        found = {kind: store.search_filters(connection, kind) for kind in kinds}
    for kind, pairs in found.items():
        missing = [record_id for record_id, bloom in pairs if bloom is None]
        made = _refilter(archive, kind, missing, search_key) if missing else {}
        kept = [
            (record_id, bloom if bloom is not None else made.get(record_id))
            for record_id, bloom in pairs
        ]
        ids = [record_id for record_id, bloom in kept if bloom is not None]
        loaded[kind] = KindFilters(
            ids,
            [bloom for _, bloom in kept if bloom is not None],
            [[record_filter_key(key, kind, record_id) for record_id in ids] for key in search_keys],
            [holds_terms(bloom) for _, bloom in kept if bloom is not None],
        )
    return loaded


def _refilter(archive: Archive, kind: str, ids: list[str], search_key: bytes) -> dict[str, bytes]:
    """Give these records a filter under their own keys; returns the filters they now have
    by id (a record changed meanwhile keeps the filter its change wrote)."""
    made: dict[str, bytes] = {}
    for start in range(0, len(ids), 500):  # bound parameters, and short write transactions
        with archive.engine.begin() as connection:
            chunk = [
                (
                    str(stored.clear["id"]),
                    stored.version,
                    search_filter(
                        search_key,
                        kind,
                        str(stored.clear["id"]),
                        open_fields(archive.sealer, stored, str(stored.clear["id"])),
                    ),
                )
                for stored in store.query_records(connection, kind, ids=ids[start : start + 500])
            ]
            made.update(store.set_search_filters(connection, kind, chunk))
    return made


def has_words(query: str) -> bool:
    """Whether ``query`` holds a word that a search could find (not only punctuation)."""
    return bool(words(query))


def candidate_ids(found: KindFilters, wanted: Sequence[QueryWord]) -> list[str]:
    """The ids of ``found``'s records whose filters may hold every query word: under one of
    its terms for filters of terms, as itself for an older release's filters of words. A
    record's filter is keyed under the key generation it was filtered with; trying every
    generation's keys finds it (the others add only chance candidates, dropped later)."""
    flags = found.terms or [False] * len(found.ids)
    chosen: set[int] = set()
    for holds, groups in (
        (True, [list(q.terms) for q in wanted]),
        (False, [[q.word] for q in wanted]),
    ):
        part = [i for i, flag in enumerate(flags) if flag is holds]
        if not part:
            continue
        filters = [found.filters[i] for i in part]
        for keys in found.keys:
            picked = candidates_any(filters, [keys[i] for i in part], groups)
            chosen.update(part[i] for i in picked)
    return [found.ids[i] for i in sorted(chosen)]


def sealed_text(record: Record) -> list[str]:
    """The sealed text fields of a record that a search reads, in declaration order."""
    return searched_text(getattr(record, name) for name in record.sealed_fields())


def holds_all(texts: Sequence[str], wanted: Sequence[QueryWord]) -> bool:
    """Whether ``texts`` hold every query word, as itself or under one of its terms."""
    found_words = set().union(*(words(text) for text in texts)) if texts else set()
    found_terms: set[str] | None = None
    for query_word in wanted:
        if query_word.word in found_words:
            continue
        if found_terms is None:
            found_terms = text_terms(texts)
        if not found_terms.intersection(query_word.terms):
            return False
    return True


def search(
    archive: Archive,
    query: str,
    *,
    kinds: tuple[str, ...] = SEARCHABLE,
    limit: int = 100,
    filters: Callable[[], SearchFilters] | None = None,
) -> list[SearchHit]:
    """Records whose sealed text holds every word of ``query``, in any of its forms or
    scripts (see :mod:`bearwitness.services.search_terms`; needs an unlock).

    Nothing about the query or the text is written anywhere: the filters, each
    under its record's own key, pick candidates, which are opened in memory to
    confirm the match. The filters are read from the database
    (:func:`load_filters`), or from ``filters()`` (a cache).
    """
    wanted = query_words(query)
    hits: list[SearchHit] = []
    for kind, record_id, record in candidates(archive, wanted, kinds, filters):
        if holds_all(sealed_text(record), wanted):
            hits.append(SearchHit(kind, record_id, record))
            if len(hits) >= limit:
                break
    return hits


def candidates(
    archive: Archive,
    wanted: Sequence[QueryWord],
    kinds: tuple[str, ...] = SEARCHABLE,
    filters: Callable[[], SearchFilters] | None = None,
    chunk: int = 500,
) -> Iterator[tuple[str, str, Record]]:
    """(kind, id, record opened in memory) for each record whose keyed filter may hold
    every word of ``wanted``: a filter can say yes wrongly, so callers confirm on the text.
    Needs an unlock."""
    if not wanted:
        raise InputError(
            Phrase("the search has no words"), hint=Phrase("Search for at least one word.")
        )
    archive.require_secrets()
    loaded = filters() if filters is not None else load_filters(archive, kinds)
    with archive.engine.connect() as connection:
        for kind in kinds:
            found = loaded.get(kind)
            if found is None or not found.ids:
                continue
            picked = candidate_ids(found, wanted)
            for start in range(0, len(picked), chunk):
                for stored in store.query_records(
                    connection, kind, ids=picked[start : start + chunk]
                ):
                    record_id = str(stored.clear["id"])
                    yield kind, record_id, open_record(archive.sealer, stored, record_id)
