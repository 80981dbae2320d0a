"""Search results people can read: ranked, paged, counted, each with a title and a snippet.

:func:`rank` finds every record that holds the query (through the keyed filters, then
opened in memory to confirm) and scores it; :func:`page_of` shows one page of those
with titles and snippets, which are made from the opened records in memory and never
written anywhere. :func:`reindex` gives an older archive's records filters of search
terms, so that their words are found in any form and script.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from bearwitness.crypto.blind_index import holds_terms
from bearwitness.domain.records import Record
from bearwitness.errors import InputError
from bearwitness.services._sealing import (
    SEARCH_KEY_PURPOSE,
    open_fields,
    open_record,
    open_sealed_fields,
    search_filter,
)
from bearwitness.services.archive import Archive
from bearwitness.services.reading import (
    SEARCHABLE,
    SearchFilters,
    candidates,
    holds_all,
    sealed_text,
)
from bearwitness.services.search_terms import QueryWord, query_words, word_terms
from bearwitness.store import rows as store

# The sealed field that names a record of each kind, for result and list titles.
TITLE_FIELDS = {
    "document": "title",
    "event": "title",
    "person": "full_name",
    "person_record": "full_name",
    "source": "name",
    "claim": "statement",
    "evidence": "filename",
    "act": "notes",
    "intervention": "notes",
}
TITLE_LENGTH = 120
SNIPPET_LENGTH = 200
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Ranked:
    """One record that holds the query, and how well (higher is better)."""

    kind: str
    id: str
    score: int


@dataclass(frozen=True)
class Found:
    """One result as shown: its title, and a snippet as (text, is a hit) parts."""

    kind: str
    id: str
    title: str
    snippet: tuple[tuple[str, bool], ...]
    score: int


@dataclass(frozen=True)
class FoundPage:
    """One page of results; ``total`` counts every result, ``by_kind`` them by kind."""

    total: int
    number: int
    size: int
    hits: list[Found]
    by_kind: dict[str, int]

    @property
    def first(self) -> int:
        """The 1-based position of the page's first result (0 when there is none)."""
        return (self.number - 1) * self.size + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return self.first + len(self.hits) - 1 if self.hits else 0


def title_of(record: Record) -> str:
    """The record's title (or name), shortened; empty when it has none."""
    return _shortened(getattr(record, TITLE_FIELDS.get(record.KIND, "title"), None))


def titles_of(
    archive: Archive, connection: Connection, kind: str, ids: Sequence[str]
) -> dict[str, str]:
    """The titles of records of ``kind`` by id, opened in memory (needs an unlock): a
    list's or a timeline's page. Only the sealed fields are opened; no record is built and
    checked for each."""
    found: dict[str, str] = {}
    sealer = archive.sealer  # once: each look checks the keyring file
    for record_id, version, sealed in store.sealed_of(connection, kind, ids):
        fields = open_sealed_fields(sealer, kind, record_id, version, sealed)
        found[record_id] = _shortened(fields.get(TITLE_FIELDS.get(kind, "title")))
    return found


def _shortened(value: object) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1].rstrip() + "…"


def _hit(token: str, wanted: Sequence[QueryWord]) -> int:
    """3 when ``token`` is a query word as typed, 1 when it is one in another form, else 0."""
    folded = unicodedata.normalize("NFKC", token).casefold().replace("ё", "е")
    if len(folded) < 2:
        return 0
    if any(q.word == folded for q in wanted):
        return 3
    terms = set(word_terms(folded, capital=token[:1].isupper()))
    return 1 if any(terms.intersection(q.terms) for q in wanted) else 0


def score_of(record: Record, wanted: Sequence[QueryWord]) -> int:
    """How well a record holds the query: its hits, exact forms counting three, those in
    its title twice more. 0 when some query word is not in it in any form."""
    texts = sealed_text(record)
    if not holds_all(texts, wanted):
        return 0
    title = getattr(record, TITLE_FIELDS.get(record.KIND, "title"), None)
    score = 0
    seen: dict[str, int] = {}  # a record repeats its words: each is looked up once
    for text in texts:
        for token in _TOKEN.findall(text):
            if (hit := seen.get(token)) is None:
                hit = seen[token] = _hit(token, wanted)
            score += hit * (3 if text is title else 1)
    return max(score, 1)


def snippet_of(record: Record, wanted: Sequence[QueryWord]) -> tuple[tuple[str, bool], ...]:
    """A short passage of the record's sealed text around its first hit, hits marked: from
    the text beside the title (shown apart), or its start when only the title holds a hit."""
    title = getattr(record, TITLE_FIELDS.get(record.KIND, "title"), None)
    texts = [" ".join(text.split()) for text in sealed_text(record) if text is not title]
    for text in texts:
        if hits := _first_hits(text, wanted):
            return _passage(text, hits)
    return _passage(texts[0], []) if texts else ()


def _first_hits(text: str, wanted: Sequence[QueryWord]) -> list[tuple[int, int]]:
    """Where ``text``'s hits are, from the first up to the end of the passage it opens (no
    later one is shown); each distinct token looked up once."""
    seen: dict[str, int] = {}
    hits: list[tuple[int, int]] = []
    for match in _TOKEN.finditer(text):
        if hits and match.start() > hits[0][0] + SNIPPET_LENGTH:
            break
        token = match.group()
        if (hit := seen.get(token)) is None:
            hit = seen[token] = _hit(token, wanted)
        if hit:
            hits.append(match.span())
    return hits


def _passage(text: str, hits: list[tuple[int, int]]) -> tuple[tuple[str, bool], ...]:
    start = 0
    if hits and hits[0][0] > SNIPPET_LENGTH // 3:
        start = text.find(" ", hits[0][0] - SNIPPET_LENGTH // 3) + 1 or hits[0][0]
    end = min(len(text), start + SNIPPET_LENGTH)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > (hits[0][1] if hits else start) else end
    parts: list[tuple[str, bool]] = [("…", False)] if start else []
    at = start
    for a, b in hits:
        if a < start or b > end:
            continue
        parts += [(text[at:a], False), (text[a:b], True)]
        at = b
    parts.append((text[at:end] + ("…" if end < len(text) else ""), False))
    return tuple(part for part in parts if part[0])


def rank(
    archive: Archive,
    query: str,
    *,
    kinds: tuple[str, ...] = SEARCHABLE,
    filters: Callable[[], SearchFilters] | None = None,
) -> list[Ranked]:
    """Every record of ``kinds`` that holds every word of ``query`` in some form, best
    first (needs an unlock). Only ids and scores come back: nothing of the text."""
    wanted = query_words(query)
    ranked: list[Ranked] = []
    for kind, record_id, record in candidates(archive, wanted, kinds, filters):
        if score := score_of(record, wanted):
            ranked.append(Ranked(kind, record_id, score))
    order = {kind: i for i, kind in enumerate(SEARCHABLE)}
    ranked.sort(key=lambda r: (-r.score, order.get(r.kind, 99), r.id))
    return ranked


def page_of(
    archive: Archive,
    query: str,
    ranked: Sequence[Ranked],
    *,
    number: int = 1,
    size: int = 20,
    kind: str | None = None,
) -> FoundPage:
    """Page ``number`` of ``ranked`` (those of ``kind`` only, if given), each result opened
    in memory for its title and snippet (needs an unlock)."""
    if size < 1 or number < 1:
        raise InputError("a page number and size start at 1", hint="Ask for page 1 or later.")
    wanted = query_words(query)
    by_kind: dict[str, int] = {}
    for item in ranked:
        by_kind[item.kind] = by_kind.get(item.kind, 0) + 1
    chosen = [item for item in ranked if kind is None or item.kind == kind]
    shown = chosen[(number - 1) * size : number * size]
    archive.require_secrets()
    stored: dict[tuple[str, str], store.StoredRecord] = {}
    with archive.engine.connect() as connection:
        for each in sorted({item.kind for item in shown}):  # one read per kind on the page
            ids = [item.id for item in shown if item.kind == each]
            for found in store.query_records(connection, each, ids=ids, include_deleted=True):
                stored[each, str(found.clear["id"])] = found
    hits: list[Found] = []
    sealer = archive.sealer  # once: each look checks the keyring file
    for item in shown:
        if (current := stored.get((item.kind, item.id))) is None:
            continue  # removed since the search ran
        record = open_record(sealer, current, item.id)
        hits.append(
            Found(item.kind, item.id, title_of(record), snippet_of(record, wanted), item.score)
        )
    return FoundPage(len(chosen), number, size, hits, by_kind)


def find(
    archive: Archive,
    query: str,
    *,
    number: int = 1,
    size: int = 20,
    kind: str | None = None,
    kinds: tuple[str, ...] = SEARCHABLE,
) -> FoundPage:
    """:func:`rank` then :func:`page_of`, reading the filters from the database."""
    return page_of(
        archive, query, rank(archive, query, kinds=kinds), number=number, size=size, kind=kind
    )


def reindex(
    archive: Archive,
    *,
    kinds: tuple[str, ...] = SEARCHABLE,
    every: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> int:
    """Give records filters of search terms (needs an unlock); returns how many were given.

    By default only records whose filter holds bare words (written before search terms)
    or none; ``every`` redoes them all. Each filter is written only if its record has not
    changed meanwhile (a change writes its own), in short transactions, so a search or a
    change can run beside it and a stopped reindex is resumed by running it again.
    Nothing is written but the keyed filters; no version is made, as a filter is not part
    of a record (the log's row digests do not cover it).
    """
    search_key = archive.require_secrets().subkey(SEARCH_KEY_PURPOSE)
    done = 0

    def fresh(filter_: bytes) -> bool:
        return not every and holds_terms(filter_)

    for kind in kinds:
        after: str | None = ""
        while after is not None:
            with archive.engine.connect() as connection:
                stale, after = store.stale_search_filters(
                    connection, kind, fresh, after=after, limit=500
                )
            made = [
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
                for stored in stale
            ]
            with archive.engine.begin() as connection:
                done += store.replace_search_filters(connection, kind, made)
            if progress is not None and made:
                progress(kind, done)
    return done


def needs_reindex(archive: Archive, *, kinds: tuple[str, ...] = SEARCHABLE) -> int:
    """How many live records have no filter of search terms yet (works while locked: it
    reads only the filters' form)."""
    count = 0
    with archive.engine.connect() as connection:
        for kind in kinds:
            count += sum(
                1
                for _, filter_ in store.search_filters(connection, kind)
                if filter_ is None or not holds_terms(filter_)
            )
    return count
