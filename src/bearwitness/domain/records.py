"""The records of the data model (after HURIDOCS Events Standard Formats).

Each record is a frozen dataclass. Every field is either *clear* (coded values
that may be queried: act types, month-precision dates, districts, counts,
pseudonymous ids) or *sealed* (identifying or free text: names, contacts,
narratives, notes), declared with :func:`clear` or :func:`sealed`. Storage
keeps clear fields in columns and seals the rest together under the record's
id, so what is sealed is decided here, once.

Ids are pseudonymous and carry the record's prefix (``P-0042`` is a person):
the prefix, a dash, then ASCII letters, digits, ``.``, ``_`` or ``-`` (at most
64 characters in all). A new record's id is given for good by the write that
stores it, inside its transaction; until then a batch's rows may name each
other with *provisional* ids (``P-new-1``), which are never stored. A record checks
everything about itself that needs no other record and no key: its id, the
form of the ids it refers to, its codes, numbers and text. So a locked intake,
which cannot read the archive's sealed data, refuses exactly what an unlocked
write would, for the same reasons.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from bearwitness.domain import vocabulary as v
from bearwitness.domain.casework import Funds, Leg
from bearwitness.domain.counts import MAX_WHOLE, QualifiedCount, whole_number
from bearwitness.domain.dates import PartialDateRange
from bearwitness.domain.messages import quoted, shortlist
from bearwitness.errors import InputError, Phrase, phrase

MAX_ID_LENGTH = 64
MAX_CLEAR_TEXT = 200  # characters: the width of a clear text column
_ID = re.compile(r"[A-Z]+-[A-Za-z0-9][A-Za-z0-9._-]*")
_ID_NUMBER = re.compile(r"[0-9]{1,16}")
_PROVISIONAL = re.compile(r"[A-Z]+-new-[0-9]{1,16}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clear(
    default: Any = None, *, vocabulary: v.Vocabulary | None = None, refers: str | None = None
) -> Any:
    """A field stored in the clear (coded, queryable, not identifying).

    ``refers``: the kind of record whose id(s) the field holds.
    """
    factory_default = dataclasses.MISSING if default is ... else default
    return field(
        default=factory_default,
        metadata={"sealed": False, "vocabulary": vocabulary, "refers": refers},
    )


def sealed(
    default: Any = "", *, refers: str | None = None, vocabulary: v.Vocabulary | None = None
) -> Any:
    """A field sealed at rest: identifying or free text, or a reference that would link
    records (``refers``: the kind of record whose id it holds). A coded value that would
    say too much in the clear (how urgent a case is) is sealed with its ``vocabulary``."""
    return field(
        default=default, metadata={"sealed": True, "vocabulary": vocabulary, "refers": refers}
    )


def id_problem(record_id: object, kind: str) -> Phrase | None:
    """Why ``record_id`` is not a well-formed id of ``kind``, or None when it is."""
    prefix = RECORD_TYPES[kind].PREFIX
    if (
        not isinstance(record_id, str)
        or len(record_id) > MAX_ID_LENGTH
        or not _ID.fullmatch(record_id)
        or not record_id.startswith(f"{prefix}-")
    ):
        return Phrase(
            "%(value)s is not a %(kind)s id", value=quoted(record_id), kind=kind_name(kind)
        )
    return None


def id_number(record_id: str) -> int | None:
    """The number an id ends with (``P-0042`` -> 42), if it ends with one."""
    tail = record_id.rsplit("-", 1)[-1]
    return int(tail) if _ID_NUMBER.fullmatch(tail) else None


def provisional_id(prefix: str, number: int) -> str:
    """The ``number``-th provisional id of a kind (``P-new-1``): it holds a new record's
    place in a batch, for the batch's other rows to refer to, until the write numbers it."""
    return f"{prefix}-new-{number}"


def is_provisional(record_id: object) -> bool:
    return isinstance(record_id, str) and _PROVISIONAL.fullmatch(record_id) is not None


def _text_problem(value: str, *, clear: bool) -> InputError | None:
    """Why ``value`` cannot be kept as text (of a clear field, when ``clear``), if it cannot."""
    remove = Phrase("Remove that character.")
    if _SURROGATE.search(value):
        return InputError(
            Phrase("%(value)s holds invalid Unicode (a lone surrogate)", value=quoted(value)),
            hint=remove,
        )
    if clear and "\x00" in value:  # a clear column cannot hold NUL (PostgreSQL refuses it)
        return InputError(
            Phrase("%(value)s holds a NUL character", value=quoted(value)), hint=remove
        )
    if clear and len(value) > MAX_CLEAR_TEXT:
        return InputError(
            Phrase(
                "%(value)s is longer than %(most)s characters",
                value=quoted(value),
                most=MAX_CLEAR_TEXT,
            ),
            hint=Phrase("Shorten it, or keep long text in a sealed field."),
        )
    return None


FIELD_PROBLEM = Phrase("field %(field)s: %(problem)s")  # what is said of one field


def field_problem(name: str, error: InputError) -> InputError:
    """``error`` said of the field ``name``: ``field 'when': …``."""
    message, hint = error.phrases
    said = Phrase(FIELD_PROBLEM.template, field=repr(name), problem=message)
    return InputError(said, hint=hint)


def field_message(error: InputError, name: str) -> Phrase:
    """What ``error`` says of the field ``name``, for a form to show next to that field:
    its message without the field's name, then its hint."""
    message, hint = error.phrases
    if message.template == FIELD_PROBLEM.template and message.values.get("field") == repr(name):
        message = phrase(message.values["problem"])
    return Phrase("%(problem)s. %(hint)s", problem=message, hint=hint) if hint else message


def kind_name(kind: str) -> Phrase:
    """A record type's name for a person (the catalogue has each: "person record")."""
    return Phrase(kind.replace("_", " "))


def not_in_archive(kind: str, record_id: str) -> Phrase:
    """What a field that refers to a record the archive lacks is told."""
    return Phrase("there is no %(kind)s %(id)s in the archive", kind=kind_name(kind), id=record_id)


R = TypeVar("R", bound="Record")


@dataclass(frozen=True, kw_only=True)
class Record:
    KIND: ClassVar[str] = ""
    PREFIX: ClassVar[str] = ""

    id: str = clear(...)
    fictional: bool = clear(False)

    def __post_init__(self) -> None:
        problem = id_problem(self.id, self.KIND)
        if problem:
            raise InputError(problem, hint=_id_hint(self.KIND))
        for rule in _rules(type(self)):  # type: ignore[arg-type]  # a class is hashable
            value = getattr(self, rule.name)
            if value is None:
                continue
            try:
                for item in value if isinstance(value, tuple) else (value,):
                    rule.check(item)
            except InputError as error:
                raise field_problem(rule.name, error) from None

    def references(self) -> list[tuple[str, str, str]]:
        """(field, kind, id) of every record this one refers to."""
        found: list[tuple[str, str, str]] = []
        for name, target in _referring(type(self)):  # type: ignore[arg-type]  # a class is hashable
            value = getattr(self, name)
            if value:
                found += [
                    (name, target, linked)
                    for linked in (value if isinstance(value, tuple) else (value,))
                ]
        return found

    def renamed(self: R, ids: Mapping[tuple[str, str], str]) -> R:
        """This record with ids changed as ``ids`` says ((kind, id) -> new id): its own and
        those it refers to (what the write does when it numbers a batch)."""
        changes: dict[str, Any] = {}
        given: list[tuple[str, str]] = []  # (kind, new id) of each id that changes
        if (self.KIND, self.id) in ids:
            changes["id"] = ids[(self.KIND, self.id)]
            given.append((self.KIND, changes["id"]))
        for name, target in _referring(type(self)):  # type: ignore[arg-type]  # a class is hashable
            value = getattr(self, name)
            linked = value if isinstance(value, tuple) else (value,) if value else ()
            new = tuple(ids.get((target, one), one) for one in linked)
            if new != linked:
                changes[name] = new if isinstance(value, tuple) else new[0]
                given += [(target, one) for one in new if one not in linked]
        if not changes:
            return self
        # Only ids change, so only they are checked (all of a record's checks cost about three
        # times as much, and a large import renames every record).
        for kind, new_id in given:
            if problem := id_problem(new_id, kind):
                raise InputError(problem, hint=_id_hint(kind))
        renamed = copy.copy(self)
        for name, value in changes.items():
            object.__setattr__(renamed, name, value)  # a frozen dataclass, changed as it is made
        return renamed

    # --- which fields go where -------------------------------------------------
    @classmethod
    def clear_fields(cls) -> tuple[str, ...]:
        return _field_names(cls)[1]  # type: ignore[arg-type]  # a class is hashable

    @classmethod
    def sealed_fields(cls) -> tuple[str, ...]:
        return _field_names(cls)[2]  # type: ignore[arg-type]  # a class is hashable

    # --- a JSON-able form that round-trips exactly --------------------------------
    def to_dict(self) -> dict[str, Any]:
        names = _field_names(type(self))[0]  # type: ignore[arg-type]  # a class is hashable
        return {name: _encode(getattr(self, name)) for name in names}

    @classmethod
    def from_dict(cls: type[R], data: dict[str, Any]) -> R:
        hints = _hints(cls)  # type: ignore[arg-type]  # a class is hashable
        names = set(hints)
        unknown = [name for name in data if name not in names and name != "type"]
        if unknown:  # named in the file's order: the first is the first to fix
            said = {"count": len(unknown), "kind": kind_name(cls.KIND), "names": shortlist(unknown)}
            raise InputError(
                Phrase("%(count)s unknown %(kind)s field: %(names)s", **said)
                if len(unknown) == 1
                else Phrase("%(count)s unknown %(kind)s fields: %(names)s", **said),
                hint=Phrase("Its fields are: %(names)s.", names=", ".join(sorted(names))),
            )
        values = {
            name: _decode(hints[name], data[name], name)
            for name in names
            if name in data and data[name] not in (None, "")
        }
        if "id" not in values:
            raise InputError(
                Phrase("the %(kind)s needs an id", kind=kind_name(cls.KIND)),
                hint=Phrase("Give ids like %(example)s.", example=f"{cls.PREFIX}-0001"),
            )
        return cls(**values)


def _id_hint(kind: str) -> Phrase:
    prefix = RECORD_TYPES[kind].PREFIX
    return Phrase(
        "Ids look like %(example)s: %(prefix)s, then letters, digits, "
        "'.', '_' or '-' (%(most)s characters at most).",
        example=f"{prefix}-0042",
        prefix=f"{prefix}-",
        most=MAX_ID_LENGTH,
    )


@dataclass(frozen=True)
class _Rule:
    """What one field's values must be, beyond their type."""

    name: str
    clear: bool
    vocabulary: v.Vocabulary | None
    refers: str | None

    def check(self, item: Any) -> None:
        if isinstance(item, str):
            if not item.isascii() or self.clear:  # (ASCII text has no surrogate)
                refused = _text_problem(item, clear=self.clear)
                if refused:
                    raise refused
            if self.vocabulary is not None:
                self.vocabulary.check(item)
            if self.refers and (problem := id_problem(item, self.refers)):
                raise InputError(problem, hint=_id_hint(self.refers))
        elif type(item) is int and not 0 <= item <= MAX_WHOLE:
            raise InputError(
                Phrase("%(value)s is out of range", value=quoted(item)),
                hint=Phrase("Write a whole number from 0 to %(most)s.", most=f"{MAX_WHOLE:,}"),
            )


@functools.cache
def _rules(cls: type[Record]) -> tuple[_Rule, ...]:
    return tuple(
        _Rule(
            f.name,
            not f.metadata.get("sealed"),
            f.metadata.get("vocabulary"),
            f.metadata.get("refers"),
        )
        for f in dataclasses.fields(cls)
        if f.name != "id"
    )


@functools.cache
def _referring(cls: type[Record]) -> tuple[tuple[str, str], ...]:
    """(field, kind it refers to) of each field that holds ids of other records."""
    return tuple(
        (f.name, f.metadata["refers"]) for f in dataclasses.fields(cls) if f.metadata.get("refers")
    )


@functools.cache
def _field_names(cls: type[Record]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """All, clear and sealed field names, in declaration order (fields never change)."""
    fields = dataclasses.fields(cls)
    return (
        tuple(f.name for f in fields),
        tuple(f.name for f in fields if not f.metadata.get("sealed")),
        tuple(f.name for f in fields if f.metadata.get("sealed")),
    )


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


@functools.cache
def _kind(hint: Any) -> tuple[Any, bool]:
    """A field annotation's type without its None, and whether that is a tuple of items."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    kind = next(option for option in options if option is not type(None))
    return kind, typing.get_origin(kind) is tuple


def _decode(hint: Any, raw: Any, name: str) -> Any:
    """Parse one field's JSON or CSV value according to its annotation."""
    kind, listed_kind = _kind(hint)
    try:
        if listed_kind:
            items = raw if isinstance(raw, list) else [raw]
            if not all(
                isinstance(item, str | int | float) and not isinstance(item, bool) for item in items
            ):
                raise InputError(
                    Phrase("expected a list of text, got %(value)s", value=quoted(raw)),
                    hint=Phrase("Write each item as text; separate them with ';'."),
                )
            return tuple(
                part.strip()
                for item in items
                for part in (str(item).split(";") if isinstance(raw, str) else (str(item),))
                if part.strip()
            )
        if not isinstance(raw, str | int | float):  # bool is an int
            raise InputError(
                Phrase("expected text or a number, got %(value)s", value=quoted(raw)),
                hint=Phrase("Write plain text."),
            )
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
            raise InputError(
                Phrase("%(value)s is not yes or no", value=quoted(raw)),
                hint=Phrase("Write true or false."),
            )
        if kind is int:
            number = raw if type(raw) is int else None
            if isinstance(raw, str):
                number = whole_number(raw)
            if number is None or not 0 <= number <= MAX_WHOLE:
                raise InputError(
                    Phrase(
                        "%(value)s is not a whole number from 0 to %(most)s",
                        value=quoted(raw),
                        most=f"{MAX_WHOLE:,}",
                    ),
                    hint=Phrase("Write ASCII digits only."),
                )
            return number
        return str(raw)
    except InputError as error:
        raise field_problem(name, error) from None


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
    source_id: str | None = clear(refers="source")
    kind: str = clear("testimony", vocabulary=v.DOCUMENT_KINDS)
    received: PartialDateRange | None = clear()
    event_ids: tuple[str, ...] = clear((), refers="event")
    title: str = sealed()
    text: str = sealed()
    language: str = sealed()
    reply_key: str = sealed()  # an anonymous source's public key for replies (web intake)
    # A public report's provenance (claims/): sealed, since which articles a team
    # collects reveals its interests.
    outlet: str = sealed()
    url: str = sealed()
    published: str = sealed()  # the publication date as the outlet gives it (YYYY-MM-DD)
    # The claims extracted from its text, as JSON Lines, waiting for a person's review.
    claim_candidates: str = sealed()
    # Triage of a submission in the inbox (services/triage.py). Sealed: who works on
    # which submission, and how far, is the team's business, not a seizer's.
    triage_status: str = sealed("new", vocabulary=v.TRIAGE_STATUSES)
    assignee: str = sealed()  # a staff member's pseudonym (users.User.actor)
    triage_notes: str = sealed()


@dataclass(frozen=True, kw_only=True)
class Evidence(Record):
    """A file attached to a document; its content is sealed as an age file."""

    KIND = "evidence"
    PREFIX = "F"
    document_id: str | None = clear(refers="document")
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
    parent_id: str | None = clear(refers="event")
    related_ids: tuple[str, ...] = clear((), refers="event")
    victims: QualifiedCount | None = clear()
    title: str = sealed()
    description: str = sealed()
    location: str = sealed()


@dataclass(frozen=True, kw_only=True)
class Act(Record):
    """What was done to one victim within an event."""

    KIND = "act"
    PREFIX = "A"
    event_id: str | None = clear(refers="event")
    victim_id: str | None = clear(refers="person")
    act_type: str = clear("arbitrary_detention", vocabulary=v.ACT_TYPES)
    date: PartialDateRange | None = clear()
    perpetrator_ids: tuple[str, ...] = clear((), refers="person")
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
    """One list's entry about a person, as that list wrote it (original script kept).

    ``person_id`` (the Person that linkage resolved the entry to) is sealed: in the clear,
    two entries naming one Person would tell whoever holds a locked archive that they are
    one human being, and so let them combine what each list says."""

    KIND = "person_record"
    PREFIX = "R"
    list_name: str = clear("")
    person_id: str | None = sealed(None, refers="person")
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
    document_id: str | None = clear(refers="document")
    event_ids: tuple[str, ...] = clear((), refers="event")
    count: QualifiedCount | None = clear()
    stance: str = clear("asserts", vocabulary=v.STANCES)
    statement: str = sealed()
    speaker: str = sealed()  # the claimant: the original source, not the outlet
    # What a reviewed claim from public reporting adds (claims/, the workbench's review
    # queue). Sealed: which acts and places a team follows reveals its interests.
    act: str | None = sealed(None, vocabulary=v.ACT_TYPES)
    outlet: str = sealed()  # who published the text that carries the claim
    via: str = sealed()  # the channel the text names ("told the BBC", "in a press release")
    relays: str = sealed()  # a person's correction: whose claim the speaker repeats
    hedged: bool = sealed(False)  # "reportedly", "allegedly"
    place: str = sealed()
    when: str = sealed()  # a partial date, as extracted or corrected
    # The Admiralty grades: the speaker's reliability as a source of this claim (a Source
    # record keeps the same scale for the team's own sources) and the information's
    # credibility.
    reliability: str = sealed("F", vocabulary=v.RELIABILITY)
    credibility: str = sealed("6", vocabulary=v.CREDIBILITY)


@dataclass(frozen=True, kw_only=True)
class Intervention(Record):
    """What was done in response: evacuation, legal aid, a complaint, medical help."""

    KIND = "intervention"
    PREFIX = "I"
    kind: str = clear("legal_aid", vocabulary=v.INTERVENTION_KINDS)
    status: str = clear("planned", vocabulary=v.INTERVENTION_STATUSES)
    person_id: str | None = clear(refers="person")
    event_id: str | None = clear(refers="event")
    date: PartialDateRange | None = clear()
    notes: str = sealed()
    # The HURIDOCS ESF intervention fields, sealed: who helps whom, how urgently and with
    # what answer would point a seizer at the people most at risk.
    intervening_party: str = sealed()
    parties_requested: str = sealed()
    response: str = sealed("none_yet", vocabulary=v.RESPONSES)
    impact: str = sealed("unknown", vocabulary=v.IMPACTS)
    priority: str = sealed("medium", vocabulary=v.PRIORITIES)
    # Evacuation and relocation (domain/casework.py: legs and ledger lines).
    risk_level: str | None = sealed(None, vocabulary=v.RISK_LEVELS)
    risk_review: PartialDateRange | None = sealed(None)  # when the risk is next looked at
    safety_plan: str = sealed()
    documents_recovery: str | None = sealed(None, vocabulary=v.DOCUMENT_RECOVERY)
    partner_organisation: str = sealed()
    journey: tuple[str, ...] = sealed(())  # legs: DATE | FROM | TO, regions only
    funds: tuple[str, ...] = sealed(())  # DATE | AMOUNT CURRENCY | WHAT FOR

    def __post_init__(self) -> None:
        super().__post_init__()
        try:  # each line in its one written form, so that versions compare as they read
            object.__setattr__(self, "journey", tuple(str(Leg.parse(x)) for x in self.journey))
        except InputError as error:
            raise field_problem("journey", error) from None
        try:
            object.__setattr__(self, "funds", tuple(str(Funds.parse(x)) for x in self.funds))
        except InputError as error:
            raise field_problem("funds", error) from None


@dataclass(frozen=True, kw_only=True)
class Consent(Record):
    """What one person or source agreed their information may be used for, and how that
    was taken. A withdrawal is a new version with ``withdrawn`` set; the versions before it
    stay in the history, as the releases made under them stay in the release ledger.

    Who the consent is about is sealed: in the clear it would link the consent to its
    person. The scopes are clear codes (they name no one) so that a locked archive can be
    counted; every exit reads the whole record, unlocked (``services/consent.py``)."""

    KIND = "consent"
    PREFIX = "CN"
    scopes: tuple[str, ...] = clear((), vocabulary=v.CONSENT_SCOPES)
    method: str = clear("written", vocabulary=v.CONSENT_METHODS)
    person_id: str | None = sealed(None, refers="person")
    source_id: str | None = sealed(None, refers="source")
    partner: str = sealed()  # the named partner that `partner_sharing` covers
    obtained_by: str = sealed()
    obtained_on: str = sealed()  # an ISO date (YYYY-MM-DD)
    withdrawn: str = sealed()  # an ISO date; empty while the consent stands
    court_order: str = sealed()  # the order's reference, for method court_order
    approved_by: str = sealed()  # the custodians (share numbers) who approved an override
    approval: str = sealed()  # an override's HMAC under a key only an unlock gives
    notes: str = sealed()


RECORD_TYPES: dict[str, type[Record]] = {
    cls.KIND: cls
    for cls in (
        Source,
        Document,
        Evidence,
        Event,
        Act,
        Person,
        PersonRecord,
        Claim,
        Intervention,
        Consent,
    )
}


def record_type(kind: str) -> type[Record]:
    try:
        return RECORD_TYPES[kind]
    except (KeyError, TypeError):  # TypeError: an unhashable value from a JSON file
        raise InputError(
            Phrase("%(value)s is not a record type", value=quoted(kind)),
            hint=Phrase("Use one of: %(codes)s.", codes=", ".join(RECORD_TYPES)),
        ) from None


def record_from_dict(data: dict[str, Any]) -> Record:
    """Build a record from a dict that names its ``type``."""
    kind = data.get("type")
    if not isinstance(kind, str):
        raise InputError(
            Phrase("the record has no type"),
            hint=Phrase("Add a type: %(codes)s.", codes=", ".join(RECORD_TYPES)),
        )
    return record_type(kind).from_dict(data)
