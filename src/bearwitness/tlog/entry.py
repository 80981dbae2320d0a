"""What the archive appends to the log: one :class:`LogEntry` per change.

An entry commits to a record version without revealing it: it holds a salted
commitment, pseudonymous ids, a version number and a time, never content or
names, so the log is safe to publish.

Serialisation is RFC 8785 (JCS) canonical JSON; fields whose value is ``None``
are left out. :func:`parse_entry` is strict: unknown or missing keys, wrong
types, bad formats and any byte sequence that is not the canonical form are
rejected, so one entry has exactly one encoding and one leaf hash.

Commitment construction (:func:`commit`), stable forever once logs exist::

    commitment = SHA-256( b"bearwitness/commitment/v1" ‖ 0x0A ‖ salt ‖ data )

where ``salt`` is exactly 32 random bytes (sealed beside the record) and
``data`` is the record's RFC 8785 canonical JSON, or an evidence file's original
bytes. The fixed prefix separates these hashes from every other SHA-256 use;
the fixed salt length makes the concatenation unambiguous. Anyone can recompute
it with ``sha256sum`` over the three parts.

Typical use by the archive::

    salt = secrets.token_bytes(SALT_SIZE)
    data = canonical_json(record_dict)
    entry = LogEntry(kind="update", record_type="person", record_id="P-7f3a",
                     version=2, commitment=commit(salt, data),
                     previous_commitment=old.commitment, actor="U-02",
                     time=format_time(now))
    log.append([entry.to_bytes()])
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Final

import rfc8785

from bearwitness.errors import InputError
from bearwitness.tlog.canonical import canonical_bytes

SALT_SIZE: Final = 32
COMMITMENT_PREFIX: Final = b"bearwitness/commitment/v1\n"
MAX_ENTRY_BYTES: Final = 65535  # an entry bundle stores lengths as uint16

KINDS: Final = frozenset(
    {
        "create",
        "update",
        "delete",
        "evidence",
        "import",
        "unlock",
        "reshare",
        "rotate",
        "link_decision",
        "estimate",
        "account",  # a workbench account made, or its roles or state changed
        "discard",  # an inbox batch removed unwritten (`bearwitness inbox discard`)
        "backup",  # a backup snapshot taken (`bearwitness backup`)
        "restore",  # this archive was restored from a backup snapshot
        "odk_key",  # the archive's RSA key pair for ODK forms made (`bearwitness odk key`)
        "device",  # a field device enrolled or revoked (`bearwitness devices`)
        "field-form",  # an XLSForm uploaded or its field map changed (`bearwitness odk form`)
        "report",  # a report published: commits to its manifest (`bearwitness report build`)
        "dossier",  # an evidence dossier built: commits to its index (`report dossier`)
        "export",  # opened data exported: commits to the file's SHA-256 and purpose
    }
)

_HEX64 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_PSEUDONYM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
_REQUIRED = ("kind", "record_type", "record_id", "version", "commitment", "actor", "time")
_OPTIONAL = (
    "previous_commitment",
    "file_sha256",
    "sealed_sha256",
    "sealed_file_sha256",
    "row_sha256",
)


def canonical_json(obj: Any) -> bytes:
    """RFC 8785 canonical JSON bytes of ``obj`` (dicts, lists, str, int, float, bool, None)."""
    try:
        return canonical_bytes(obj)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InputError(
            f"cannot write canonical JSON: {type(exc).__name__}",
            hint="Only JSON values can be committed: no NaN, no integers beyond 2**53, "
            "string keys only.",
        ) from None


def commit(salt: bytes, canonical_record: bytes) -> str:
    """The salted commitment (lowercase hex) to a record's canonical bytes or a file's bytes."""
    if len(salt) != SALT_SIZE:
        raise InputError(
            f"a commitment salt must be {SALT_SIZE} bytes, not {len(salt)}",
            hint="Draw it with secrets.token_bytes(SALT_SIZE).",
        )
    return hashlib.sha256(COMMITMENT_PREFIX + salt + canonical_record).hexdigest()


def format_time(moment: dt.datetime) -> str:
    """RFC 3339 UTC text as entries hold it: ``2026-01-31T12:00:00.123456Z`` (microseconds kept)."""
    if moment.tzinfo is None:
        raise InputError("a log time must carry a time zone", hint="Pass an aware datetime.")
    utc = moment.astimezone(dt.UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{utc.microsecond:06d}Z" if utc.microsecond else "Z")


@dataclass(frozen=True, slots=True)
class LogEntry:
    kind: str
    record_type: str
    record_id: str
    version: int
    commitment: str
    actor: str
    time: str
    previous_commitment: str | None = None
    file_sha256: str | None = None
    sealed_sha256: str | None = None  # SHA-256 of the sealed bytes: lets a locked archive verify
    sealed_file_sha256: str | None = None  # SHA-256 of an evidence file's age file, likewise
    row_sha256: str | None = None  # SHA-256 of the current row it wrote (clear and sealed parts)

    def __post_init__(self) -> None:
        _check(self)

    def to_bytes(self) -> bytes:
        """The canonical JSON bytes that are appended to the log."""
        values = {name: getattr(self, name) for name in _FIELDS}  # asdict would deep-copy
        return canonical_json({k: v for k, v in values.items() if v is not None})


_FIELDS: Final = tuple(f.name for f in dataclasses.fields(LogEntry))


def parse_entry(data: bytes) -> LogEntry:
    """Parse an entry's bytes strictly; raises InputError naming the first problem."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _bad("it is not UTF-8 JSON") from None
    if not isinstance(obj, dict):
        raise _bad("it is not a JSON object")
    unknown = sorted(set(obj) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise _bad(f"unknown field {unknown[0]!r}")
    missing = [k for k in _REQUIRED if k not in obj]
    if missing:
        raise _bad(f"missing field {missing[0]!r}")
    if any(obj.get(k, "") is None for k in _OPTIONAL):
        raise _bad("an absent field must be left out, not null")
    entry = LogEntry(**obj)
    if entry.to_bytes() != data:
        raise _bad("it is not in RFC 8785 canonical form")
    return entry


def _check(e: LogEntry) -> None:
    if e.kind not in KINDS:
        raise _bad(f"unknown kind {e.kind!r}")
    for name, pattern in (("record_type", _NAME), ("record_id", _PSEUDONYM), ("actor", _PSEUDONYM)):
        value = getattr(e, name)
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise _bad(f"{name} is not a valid identifier")
    if type(e.version) is not int or not 0 <= e.version < 2**53:
        raise _bad("version must be a non-negative integer")
    for name in ("commitment", *_OPTIONAL):
        value = getattr(e, name)
        if (value is not None or name == "commitment") and not (
            isinstance(value, str) and _HEX64.fullmatch(value)
        ):
            raise _bad(f"{name} must be 64 lowercase hex digits")
    if not isinstance(e.time, str) or not _TIME.fullmatch(e.time):
        raise _bad("time must be RFC 3339 UTC like 2026-01-31T12:00:00Z")
    try:
        dt.datetime.fromisoformat(e.time.replace("Z", "+00:00"))
    except ValueError:
        raise _bad("time is not a real date and time") from None


def _bad(reason: str) -> InputError:
    return InputError(
        f"invalid log entry: {reason}",
        hint="Log entries are written by BearWitness; a malformed one means the log "
        "was damaged or edited.",
    )
