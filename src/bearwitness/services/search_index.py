"""Search across sealed text for a long-running process: the keyed filters kept in memory.

:func:`bearwitness.services.reading.search` reads every record's keyed search
filter from the database on each search, which dominates its time on a large
archive. A workbench searches often while unlocked, so it keeps the filters
(keyed Bloom filters: no plaintext) in memory and re-reads them only when the
transparency log has grown, which every change to a record does in the same
transaction. Candidates are then opened and confirmed by that same function.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import func, select

from bearwitness.services import search_terms
from bearwitness.services.archive import Archive
from bearwitness.services.finding import FoundPage, Ranked, page_of, rank
from bearwitness.services.reading import (
    SEARCHABLE,
    SearchFilters,
    SearchHit,
    load_filters,
    search,
)
from bearwitness.store.schema import log_entries


class SearchIndex:
    """One archive's search filters and their keys, cached; thread-safe. :meth:`clear` it
    on lock: the keys are secrets."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: int | None = None
        self._filters: SearchFilters = {}
        # Recent queries' ranked ids, for paging without searching again: the queries are
        # sensitive, so they live here only, at one log stamp, until the next lock.
        self._ranked: OrderedDict[tuple[str, tuple[str, ...]], list[Ranked]] = OrderedDict()

    def clear(self) -> None:
        with self._lock:
            self._stamp, self._filters = None, {}
            self._ranked.clear()
        search_terms.forget()

    def _current(self, archive: Archive) -> SearchFilters:
        with self._lock:
            with archive.engine.connect() as connection:
                stamp = connection.scalar(select(func.coalesce(func.max(log_entries.c.idx), -1)))
            if stamp != self._stamp or not self._filters:
                self._filters = load_filters(archive, SEARCHABLE)
                self._stamp = int(stamp if stamp is not None else -1)
                self._ranked.clear()
            return self._filters

    def search(
        self, archive: Archive, query: str, *, kinds: tuple[str, ...] = SEARCHABLE, limit: int = 100
    ) -> list[SearchHit]:
        """Records whose sealed text holds every word of ``query`` (needs an unlock)."""
        return search(
            archive, query, kinds=kinds, limit=limit, filters=lambda: self._current(archive)
        )

    def ranked(
        self, archive: Archive, query: str, *, kinds: tuple[str, ...] = SEARCHABLE
    ) -> list[Ranked]:
        """Every record that holds ``query`` in some form, best first (needs an unlock);
        kept for the next pages until the archive changes or locks."""
        filters = self._current(archive)
        key = (" ".join(query.split()).casefold(), kinds)
        with self._lock:
            if key in self._ranked:
                self._ranked.move_to_end(key)
                return self._ranked[key]
        found = rank(archive, query, kinds=kinds, filters=lambda: filters)
        with self._lock:
            self._ranked[key] = found
            while len(self._ranked) > 32:
                self._ranked.popitem(last=False)
        return found

    def find(
        self,
        archive: Archive,
        query: str,
        *,
        number: int = 1,
        size: int = 20,
        kind: str | None = None,
        kinds: tuple[str, ...] = SEARCHABLE,
    ) -> FoundPage:
        """One page of results with titles and snippets, and the total (needs an unlock)."""
        found = self.ranked(archive, query, kinds=kinds)
        return page_of(archive, query, found, number=number, size=size, kind=kind)
