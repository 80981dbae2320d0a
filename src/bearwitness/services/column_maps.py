"""How each source's spreadsheets map their columns to fields, remembered for the next import.

A mapping (column heading -> field) names no one. It is kept *for a source*, though, and
a source id is a pseudonym that the archive keeps sealed wherever it says who gave what;
a partner's own headings ("Имя пострадавшего", a staff member's initials as a column) can
also tell who sent a sheet. So source, kind and mapping are sealed together with the
archive's data key, bound to the row's random id; the clear row keeps only that id and
the time. Remembering and recalling a mapping therefore needs an unlock; a locked import
maps its columns anew (by their names).
"""

from __future__ import annotations

import json
import secrets as _random

from sqlalchemy import delete, insert, select

from bearwitness.domain.records import id_problem
from bearwitness.errors import InputError, Phrase
from bearwitness.services.archive import Archive
from bearwitness.store.schema import column_maps

MOST = 1000  # mappings kept: one per source and kind


def _context(map_id: str) -> bytes:
    return f"column-map:{map_id}".encode()


def check_source(source: str) -> str:
    """A source id as the import form gives it ("" for none), or InputError."""
    source = source.strip()
    if source and (problem := id_problem(source, "source")):
        hint = Phrase("Source ids look like S-0012; leave it empty for none.")
        raise InputError(problem, hint=hint)
    return source


def _all(archive: Archive) -> list[tuple[str, dict[str, object]]]:
    sealer = archive.sealer
    with archive.engine.connect() as connection:
        rows = connection.execute(select(column_maps.c.id, column_maps.c.sealed)).all()
    return [
        (
            row.id,
            json.loads(
                sealer.open(bytes(row.sealed), _context(row.id), what=f"column map {row.id}")
            ),
        )
        for row in rows
    ]


def recall(archive: Archive, source: str, kind: str) -> dict[str, str]:
    """The mapping last used for ``source``'s ``kind`` records ({} if none, or locked)."""
    if not source or archive.locked:
        return {}
    for _, data in _all(archive):
        if data.get("source") == source and data.get("kind") == kind:
            mapping = data.get("mapping")
            if isinstance(mapping, dict):
                return {str(k): str(v) for k, v in mapping.items()}
    return {}


def remember(archive: Archive, source: str, kind: str, mapping: dict[str, str]) -> None:
    """Seal ``mapping`` as ``source``'s for ``kind``, in place of the one before; needs an
    unlock (while locked nothing is kept, and nothing is said: the import goes on)."""
    if not source or archive.locked:
        return
    held = _all(archive)
    old = [i for i, d in held if d.get("source") == source and d.get("kind") == kind]
    if len(held) - len(old) >= MOST:
        return
    map_id = "CM-" + _random.token_hex(8)
    payload = {"source": source, "kind": kind, "mapping": mapping}
    sealed = archive.sealer.seal(json.dumps(payload, ensure_ascii=False).encode(), _context(map_id))
    with archive.engine.begin() as connection:
        if old:
            connection.execute(delete(column_maps).where(column_maps.c.id.in_(old)))
        connection.execute(
            insert(column_maps).values(id=map_id, saved_at=archive.now(), sealed=sealed)
        )
