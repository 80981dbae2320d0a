"""The records of the data model (after HURIDOCS Events Standard Formats).

Each record is a frozen dataclass. Every field is either *clear* (coded values
that may be queried: act types, month-precision dates, districts, counts,
pseudonymous ids) or *sealed* (identifying or free text: names, contacts,
narratives, notes), declared with :func:`clear` or :func:`sealed`. Storage
keeps clear fields in columns and seals the rest together under the record's
id, so what is sealed is decided here, once.

Ids are pseudonymous and carry the record's prefix (``P-0042`` is a person).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from bearwitness.domain import vocabulary as v
from bearwitness.domain.counts import QualifiedCount
from bearwitness.domain.dates import PartialDateRange
from bearwitness.errors import InputError


def clear(default: Any = None, *, vocabulary: v.Vocabulary | None = None) -> Any:
    """A field stored in the clear (coded, queryable, not identifying)."""
    factory_default = dataclasses.MISSING if default is ... else default
    return field(default=factory_default, metadata={"sealed": False, "vocabulary": vocabulary})


def sealed(default: Any = "") -> Any:
    """A field sealed at rest: identifying or free text."""
    return field(default=default, metadata={"sealed": True, "vocabulary": None})


R = TypeVar("R", bound="Record")


@dataclass(frozen=True, kw_only=True)
class Record:
    KIND: ClassVar[str] = ""
    PREFIX: ClassVar[str] = ""

    id: str = clear(...)
    fictional: bool = clear(False)

    def __post_init__(self) -> None:
        if not self.id.startswith(f"{self.PREFIX}-") or len(self.id) > 64:
            raise InputError(
                f"{self.id!r} is not a {self.KIND} id",
                hint=f"{self.KIND.capitalize()} ids look like {self.PREFIX}-0042.",
            )
        for f in dataclasses.fields(self):
            vocabulary = f.metadata.get("vocabulary")
            value = getattr(self, f.name)
            if vocabulary is None or value is None:
                continue
            for code in value if isinstance(value, tuple) else (value,):
                vocabulary.check(code)

    # --- which fields go where -------------------------------------------------
    @classmethod
    def clear_fields(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls) if not f.metadata.get("sealed"))

    @classmethod
    def sealed_fields(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("sealed"))

    # --- a JSON-able form that round-trips exactly --------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {f.name: _encode(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls: type[R], data: dict[str, Any]) -> R:
        hints = _hints(cls)  # type: ignore[arg-type]  # a class is hashable
        names = set(hints)
        unknown = set(data) - names - {"type"}
        if unknown:
            raise InputError(
                f"unknown {cls.KIND} field(s): {', '.join(sorted(unknown))}",
                hint=f"A {cls.KIND} has: {', '.join(sorted(names))}.",
            )
        values = {
            name: _decode(hints[name], data[name], name)
            for name in names
            if name in data and data[name] not in (None, "")
        }
        if "id" not in values:
            raise InputError(f"a {cls.KIND} needs an id", hint=f"Give ids like {cls.PREFIX}-0001.")
        return cls(**values)


@functools.cache
def _hints(cls: type[Record]) -> dict[str, Any]:
    """Each field's annotation (resolving them is slow, and they never change)."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _encode(value: Any) -> Any:
    if isinstance(value, PartialDateRange | QualifiedCount):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _decode(hint: Any, raw: Any, name: str) -> Any:
    """Parse one field's JSON or CSV value according to its annotation."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    kind = next(option for option in options if option is not type(None))
    try:
        if kind is PartialDateRange:
            return PartialDateRange.parse(str(raw))
        if kind is QualifiedCount:
            return QualifiedCount.parse(str(raw))
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            if str(raw).strip().lower() in ("true", "yes", "1"):
                return True
            if str(raw).strip().lower() in ("false", "no", "0"):
                return False
            raise InputError(f"{raw!r} is not yes or no", hint="Write true or false.")
        if kind is int:
            if isinstance(raw, bool) or not str(raw).strip().lstrip("-").isdigit():
                raise InputError(f"{raw!r} is not a whole number", hint="Write digits only.")
            return int(raw)
        if typing.get_origin(kind) is tuple:
            items = raw if isinstance(raw, list) else str(raw).split(";")
            return tuple(str(item).strip() for item in items if str(item).strip())
        if not isinstance(raw, str | int | float):
            raise InputError(f"expected text, got {type(raw).__name__}", hint="Write plain text.")
        return str(raw)
    except InputError as error:
        raise InputError(f"field {name!r}: {error.message}", hint=error.hint) from None


@dataclass(frozen=True, kw_only=True)
class Source(Record):
    """An organisation, person or publication that provided information."""

    KIND = "source"
    PREFIX = "S"
    kind: str = clear("organisation", vocabulary=v.SOURCE_KINDS)
    reliability: str = clear("F", vocabulary=v.RELIABILITY)
    name: str = sealed()
    contact: str = sealed()
    notes: str = sealed()


@dataclass(frozen=True, kw_only=True)
class Document(Record):
    """What a source provided: a testimony, interview, report, article or list."""

    KIND = "document"
    PREFIX = "D"
    source_id: str | None = clear()
    kind: str = clear("testimony", vocabulary=v.DOCUMENT_KINDS)
    received: PartialDateRange | None = clear()
    event_ids: tuple[str, ...] = clear(())
    title: str = sealed()
    text: str = sealed()
    language: str = sealed()
    reply_key: str = sealed()  # an anonymous source's public key for replies (web intake)


@dataclass(frozen=True, kw_only=True)
class Evidence(Record):
    """A file attached to a document; its content is sealed as an age file."""

    KIND = "evidence"
    PREFIX = "F"
    document_id: str | None = clear()
    # Sealed: a file's hash in the clear would let whoever seizes the server check a
    # suspect's own photos against it, and so prove who sent them.
    sha256: str = sealed("")
    media_type: str = clear("application/octet-stream")
    size: int = clear(0)
    captured: PartialDateRange | None = clear()
    filename: str = sealed()
    description: str = sealed()
    capture_metadata: str = sealed()


@dataclass(frozen=True, kw_only=True)
class Event(Record):
    """Something that happened: a wave of detentions, a raid."""

    KIND = "event"
    PREFIX = "E"
    date: PartialDateRange | None = clear()
    district: str = clear("")
    parent_id: str | None = clear()
    related_ids: tuple[str, ...] = clear(())
    victims: QualifiedCount | None = clear()
    title: str = sealed()
    description: str = sealed()
    location: str = sealed()


@dataclass(frozen=True, kw_only=True)
class Act(Record):
    """What was done to one victim within an event."""

    KIND = "act"
    PREFIX = "A"
    event_id: str | None = clear()
    victim_id: str | None = clear()
    act_type: str = clear("arbitrary_detention", vocabulary=v.ACT_TYPES)
    date: PartialDateRange | None = clear()
    perpetrator_ids: tuple[str, ...] = clear(())
    involvement: str = clear("unknown", vocabulary=v.INVOLVEMENT)
    consequences: tuple[str, ...] = clear((), vocabulary=v.CONSEQUENCES)
    notes: str = sealed()


@dataclass(frozen=True, kw_only=True)
class Person(Record):
    """A victim, perpetrator, witness or source; identity sealed."""

    KIND = "person"
    PREFIX = "P"
    role: str = clear("victim", vocabulary=v.PERSON_ROLES)
    sex: str = clear("unknown", vocabulary=v.SEXES)
    full_name: str = sealed()
    other_names: str = sealed()
    birth_date: str = sealed()
    contact: str = sealed()
    identity_documents: str = sealed()
    address: str = sealed()
    notes: str = sealed()


@dataclass(frozen=True, kw_only=True)
class PersonRecord(Record):
    """One list's entry about a person, as that list wrote it (original script kept)."""

    KIND = "person_record"
    PREFIX = "R"
    list_name: str = clear("")
    person_id: str | None = clear()
    list_record_id: str = sealed()
    full_name: str = sealed()
    surname: str = sealed()
    given_name: str = sealed()
    patronymic: str = sealed()
    sex: str = sealed()
    birth: str = sealed()
    age: str = sealed()
    residence: str = sealed()
    event_type: str = sealed()
    event_date: str = sealed()
    event_place: str = sealed()


@dataclass(frozen=True, kw_only=True)
class Claim(Record):
    """An attributed statement from a document ("around 40 detained", "nobody was arrested")."""

    KIND = "claim"
    PREFIX = "C"
    document_id: str | None = clear()
    event_ids: tuple[str, ...] = clear(())
    count: QualifiedCount | None = clear()
    stance: str = clear("asserts", vocabulary=v.STANCES)
    statement: str = sealed()
    speaker: str = sealed()


@dataclass(frozen=True, kw_only=True)
class Intervention(Record):
    """What was done in response: evacuation, legal aid, a complaint, medical help."""

    KIND = "intervention"
    PREFIX = "I"
    kind: str = clear("legal_aid", vocabulary=v.INTERVENTION_KINDS)
    status: str = clear("planned", vocabulary=v.INTERVENTION_STATUSES)
    person_id: str | None = clear()
    event_id: str | None = clear()
    date: PartialDateRange | None = clear()
    notes: str = sealed()


RECORD_TYPES: dict[str, type[Record]] = {
    cls.KIND: cls
    for cls in (Source, Document, Evidence, Event, Act, Person, PersonRecord, Claim, Intervention)
}


def record_type(kind: str) -> type[Record]:
    try:
        return RECORD_TYPES[kind]
    except KeyError:
        raise InputError(
            f"{kind!r} is not a record type",
            hint=f"Use one of: {', '.join(RECORD_TYPES)}.",
        ) from None


def record_from_dict(data: dict[str, Any]) -> Record:
    """Build a record from a dict that names its ``type``."""
    kind = data.get("type")
    if not isinstance(kind, str):
        raise InputError("the record has no type", hint=f"Add a type: {', '.join(RECORD_TYPES)}.")
    return record_type(kind).from_dict(data)
