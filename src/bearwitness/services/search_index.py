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

from sqlalchemy import func, select

from bearwitness.services.archive import Archive
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

    def clear(self) -> None:
        with self._lock:
            self._stamp, self._filters = None, {}

    def _current(self, archive: Archive) -> SearchFilters:
        with self._lock:
            with archive.engine.connect() as connection:
                stamp = connection.scalar(select(func.coalesce(func.max(log_entries.c.idx), -1)))
            if stamp != self._stamp or not self._filters:
                self._filters = load_filters(archive, SEARCHABLE)
                self._stamp = int(stamp if stamp is not None else -1)
            return self._filters

    def search(
        self, archive: Archive, query: str, *, kinds: tuple[str, ...] = SEARCHABLE, limit: int = 100
    ) -> list[SearchHit]:
        """Records whose sealed text holds every word of ``query`` (needs an unlock)."""
        return search(
            archive, query, kinds=kinds, limit=limit, filters=lambda: self._current(archive)
        )
