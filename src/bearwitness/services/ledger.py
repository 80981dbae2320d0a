"""Writing transparency-log entries in the same transaction as the change they record.

The entries wait in the ``log_entries`` table; :mod:`bearwitness.services.log`
moves them into the tiled log and signs checkpoints. Because they are written
with the change, no change can land without its entry, nor an entry without its
change, whatever crashes in between.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, insert, select

from bearwitness.store.schema import log_entries
from bearwitness.tlog.entry import LogEntry


def append_entries(connection: Connection, entries: Sequence[LogEntry]) -> int:
    """Queue ``entries`` in order; returns the index of the first one."""
    start = int(connection.scalar(select(func.coalesce(func.max(log_entries.c.idx) + 1, 0))))
    if entries:
        connection.execute(
            insert(log_entries),
            [{"idx": start + offset, "entry": entry.to_bytes()}
             for offset, entry in enumerate(entries)],
        )
    return start


def log_size(connection: Connection) -> int:
    return int(connection.scalar(select(func.count()).select_from(log_entries)) or 0)
