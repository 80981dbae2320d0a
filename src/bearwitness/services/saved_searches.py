"""Each user's saved lists and searches, sealed: what someone looks for says whom they look for.

A saved search is a name and where it leads (a list with its filters and sort, or a
search with its words). All of that is sealed with the archive's data key, bound to the
row's id and owner; the clear row keeps only the owner's pseudonym and the time. Saving
and reading them therefore needs an unlock, like the search itself.
"""

from __future__ import annotations

import json
import secrets as _random
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import delete, insert, select

from bearwitness.errors import InputError, NotFound, Phrase
from bearwitness.services.archive import Archive
from bearwitness.store.schema import saved_searches

KINDS = ("list", "search")
MOST = 100  # saved searches per user
NAME_LENGTH = 80


@dataclass(frozen=True)
class SavedSearch:
    id: str
    name: str
    kind: str  # "list" or "search"
    target: str  # the list's record kind; "" for a search
    params: dict[str, str]
    saved_at: str

    @property
    def path(self) -> str:
        """Where it leads in the workbench."""
        query = urlencode(sorted(self.params.items()))
        base = f"/records/{self.target}" if self.kind == "list" else "/search"
        return f"{base}?{query}" if query else base


def _context(search_id: str, owner: str) -> bytes:
    return f"saved-search:{search_id}:{owner}".encode()


def save(
    archive: Archive, owner: str, name: str, kind: str, target: str, params: dict[str, str]
) -> SavedSearch:
    """Seal and keep a search for ``owner`` (a pseudonym); needs an unlock."""
    name = " ".join(name.split())[:NAME_LENGTH]
    if not name:
        raise InputError(
            Phrase("a saved search needs a name"), hint=Phrase("Give it a short name.")
        )
    if kind not in KINDS:
        raise InputError(
            Phrase("%(kind)s cannot be saved", kind=repr(kind)),
            hint=Phrase("Save a list or a search."),
        )
    params = {str(k)[:40]: str(v)[:200] for k, v in params.items() if v}
    at = archive.now()
    search_id = "SS-" + _random.token_hex(8)
    payload = {"name": name, "kind": kind, "target": target, "params": params}
    sealed = archive.sealer.seal(
        json.dumps(payload, ensure_ascii=False).encode(), _context(search_id, owner)
    )
    with archive.engine.begin() as connection:
        held = connection.execute(
            select(saved_searches.c.id).where(saved_searches.c.owner == owner)
        ).all()
        if len(held) >= MOST:
            raise InputError(
                Phrase("you have %(most)s saved searches already", most=MOST),
                hint=Phrase("Delete one you no longer use."),
            )
        connection.execute(
            insert(saved_searches).values(id=search_id, owner=owner, saved_at=at, sealed=sealed)
        )
    return SavedSearch(search_id, name, kind, target, params, at)


def saved(archive: Archive, owner: str) -> list[SavedSearch]:
    """``owner``'s saved searches, by name; needs an unlock."""
    sealer = archive.sealer
    with archive.engine.connect() as connection:
        rows = connection.execute(
            select(saved_searches).where(saved_searches.c.owner == owner)
        ).all()
    found = []
    for row in rows:
        data = json.loads(
            sealer.open(bytes(row.sealed), _context(row.id, owner), what=f"saved search {row.id}")
        )
        found.append(
            SavedSearch(
                row.id,
                str(data["name"]),
                str(data["kind"]),
                str(data["target"]),
                {str(k): str(v) for k, v in data["params"].items()},
                row.saved_at,
            )
        )
    return sorted(found, key=lambda s: (s.name.casefold(), s.saved_at))


def forget(archive: Archive, owner: str, search_id: str) -> None:
    """Delete one of ``owner``'s saved searches (only their own)."""
    with archive.engine.begin() as connection:
        gone = connection.execute(
            delete(saved_searches).where(
                saved_searches.c.id == search_id[:64], saved_searches.c.owner == owner
            )
        ).rowcount
    if not gone:
        raise NotFound("there is no such saved search", hint="Open the list of saved searches.")
