"""Turning a record into what the store keeps, and back.

A record version becomes: the current row (clear columns, the sealed fields as
one ciphertext, a search filter under the record's own key) and a version row (the whole record and
its salt sealed, and the salted commitment that goes into the log). Each
ciphertext's associated data names the record, version and part, so nothing can
be moved between records unnoticed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets as _random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bearwitness.crypto.blind_index import bloom_terms, record_filter_key
from bearwitness.crypto.seal import FieldSealer
from bearwitness.domain.records import Record, record_type
from bearwitness.services.search_terms import text_terms
from bearwitness.store.rows import StoredRecord, StoredVersion, clear_columns
from bearwitness.tlog.entry import canonical_json, commit

SALT_BYTES = 32
SEARCH_KEY_PURPOSE = "search-index"


def fields_context(kind: str, record_id: str, version: int) -> bytes:
    return f"{kind}:{record_id}:v{version}:fields".encode()


def version_context(kind: str, record_id: str, version: int) -> bytes:
    return f"{kind}:{record_id}:v{version}:record".encode()


def reference(kind: str, record_id: str, version: int | None = None) -> str:
    """How errors name a record: never its content."""
    return f"{kind} {record_id}" + (f" version {version}" if version is not None else "")


@dataclass(frozen=True)
class SealedVersion:
    row: dict[str, Any]  # the current row
    version: StoredVersion  # the history row
    canonical: bytes  # RFC 8785 bytes of the record (kept in memory only)
    salt: bytes
    row_sha256: str  # :func:`row_digest` of ``row``, as its log entry names it


def seal_record(
    sealer: FieldSealer,
    search_key: bytes,
    record: Record,
    *,
    version: int,
    actor: str,
    at: str,
    operation: str,
    deleted: bool = False,
) -> SealedVersion:
    kind = record.KIND
    data = record.to_dict()
    secret = {name: data[name] for name in record.sealed_fields()}
    salt = _random.token_bytes(SALT_BYTES)
    canonical = canonical_json(data)
    # The version's payload holds the record as committed: its canonical bytes (JSON, as
    # a reader parses them), not encoded a second time.
    payload = b'{"record":' + canonical + b',"salt":"' + base64.b64encode(salt) + b'"}'
    row = clear_columns(record, data)
    row.update(
        version=version,
        deleted=deleted,
        sealed=sealer.seal(
            json.dumps(secret, ensure_ascii=False).encode(),
            fields_context(kind, record.id, version),
        ),
        search_bloom=search_filter(search_key, kind, record.id, secret),
        updated_at=at,
    )
    stored_version = StoredVersion(
        kind=kind,
        id=record.id,
        version=version,
        payload=sealer.seal(payload, version_context(kind, record.id, version)),
        commitment=commit(salt, canonical),
        actor=actor,
        recorded_at=at,
        operation=operation,
    )
    clear = {name: data.get(name) for name in record.clear_fields()}
    digest = row_digest(kind, clear, row["sealed"], deleted)
    return SealedVersion(row, stored_version, canonical, salt, digest)


def search_filter(
    search_key: bytes, kind: str, record_id: str, sealed_fields: dict[str, Any]
) -> bytes:
    """A record's search filter: the search terms (stems and name forms, see
    :mod:`bearwitness.services.search_terms`) of its sealed text fields (and lists of
    text, such as a person's other names), under its own key."""
    texts = searched_text(sealed_fields.values())
    return bloom_terms(text_terms(texts), record_filter_key(search_key, kind, record_id))


def searched_text(values: Iterable[Any]) -> list[str]:
    """The texts a search reads among sealed values: strings, and the strings in lists."""
    found: list[str] = []
    for value in values:
        items = value if isinstance(value, list | tuple) else (value,)
        found.extend(item for item in items if isinstance(item, str) and item)
    return found


def row_digest(kind: str, clear: dict[str, Any], sealed: bytes, deleted: bool) -> str:
    """SHA-256 of a current row as stored: its clear fields (JSON form), its sealed
    ciphertext and its tombstone flag. Logged with each version, so that a locked
    archive can check that no clear column was changed."""
    return hashlib.sha256(
        canonical_json(
            {
                "kind": kind,
                "clear": clear,
                "sealed": base64.b64encode(sealed).decode(),
                "deleted": bool(deleted),
            }
        )
    ).hexdigest()


def current_row_digest(item: SealedVersion) -> str:
    """:func:`row_digest` of the row a sealed version writes (made once, by :func:`seal_record`)."""
    return item.row_sha256


def open_fields(sealer: FieldSealer, stored: StoredRecord, record_id: str) -> dict[str, Any]:
    """The sealed fields of a current row, as stored (not checked as a record)."""
    return open_sealed_fields(sealer, stored.kind, record_id, stored.version, stored.sealed)


def open_sealed_fields(
    sealer: FieldSealer, kind: str, record_id: str, version: int, sealed: bytes
) -> dict[str, Any]:
    """:func:`open_fields` from a row's sealed column alone (``store.sealed_of``)."""
    secret: dict[str, Any] = json.loads(
        sealer.open(
            sealed,
            fields_context(kind, record_id, version),
            what=reference(kind, record_id, version),
        )
    )
    return secret


def open_record(sealer: FieldSealer, stored: StoredRecord, record_id: str) -> Record:
    """The full record from its current row."""
    secret = open_fields(sealer, stored, record_id)
    return record_type(stored.kind).from_dict({**stored.clear, **secret})


def open_version(sealer: FieldSealer, version: StoredVersion) -> tuple[Record, bytes]:
    """A past version of a record, and the salt of its commitment."""
    payload = _open_payload(sealer, version)
    record = record_type(version.kind).from_dict(payload["record"])
    return record, base64.b64decode(payload["salt"])


def open_version_data(sealer: FieldSealer, version: StoredVersion) -> tuple[bytes, bytes]:
    """A version's committed bytes (RFC 8785 canonical JSON) and its salt, as logged."""
    payload = _open_payload(sealer, version)
    return canonical_json(payload["record"]), base64.b64decode(payload["salt"])


def open_version_fields(sealer: FieldSealer, version: StoredVersion) -> dict[str, Any]:
    """A past version's fields as stored (JSON form), not checked as a record (faster,
    for reading many: a report's redaction check)."""
    record: dict[str, Any] = _open_payload(sealer, version)["record"]
    return record


def _open_payload(sealer: FieldSealer, version: StoredVersion) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(
        sealer.open(
            version.payload,
            version_context(version.kind, version.id, version.version),
            what=reference(version.kind, version.id, version.version),
        )
    )
    return payload
