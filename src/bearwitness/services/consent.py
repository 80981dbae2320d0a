"""Consent: the one policy that every way out of the archive asks (``docs/consent.md``).

A person or a source carries consent records (``domain.records.Consent``): which uses
they agreed to (the scopes), who took the consent, when and how; a withdrawal is a new
version. Each exit asks this module before anything leaves, and leaves out or refuses
what consent does not cover, saying why by pseudonymous id:

- reports (``services/reporting.py``): aggregate statistics;
- the archive export (``services/exporting.py``): the purpose it is made for;
- proof bundles (``services/proving.py``): court proceedings, unless told otherwise.

The rules, in :meth:`Policy.refusal`:

- Internal casework and aggregate statistics need no consent record. Most people in an
  archive were documented by others (lists, reports, witnesses) and were never asked;
  the team's own work and counts that pass disclosure control name no one. A subject
  whose consent leaves either out, or was withdrawn, is left out of both.
- Every other use (sharing with a partner, anonymised quotation, naming, court) needs a
  standing consent that names it (and, for sharing, that partner).
- A court order may stand in for consent, for court proceedings only, when k custodians
  approve it with their shares (:func:`record_court_order`). Its approval is an HMAC
  under a key that only an unlock gives, so a forged order (in an import file, or sent
  through the locked intake) is not honoured. Someone who holds the passphrase can, with
  code of their own, do anything an unlock allows: k custodians is the procedure this
  software enforces, not a cryptographic barrier against the archive's own keyholder.

Consent is about people: organisations and publications that speak in public are not
asked (a source of kind ``person`` is).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bearwitness.crypto.shares import decode_share
from bearwitness.domain import vocabulary as v
from bearwitness.domain.records import (
    Act,
    Consent,
    Document,
    Evidence,
    Intervention,
    Person,
    PersonRecord,
    Record,
    Source,
)
from bearwitness.errors import ConsentRefused, InputError, NotFound, Phrase, UnlockError
from bearwitness.services._sealing import open_record
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry
from bearwitness.store import rows as store

PURPOSES = v.CONSENT_SCOPES.codes
WITHOUT_CONSENT = frozenset({"internal_casework", "aggregate_statistics"})
COURT = "court_proceedings"
PARTNER = "partner_sharing"
COURT_ORDER = "court_order"
_APPROVAL_KEY = "consent-court-order"


@dataclass(frozen=True)
class Refusal:
    """Why one subject's data may not leave for one purpose (no sealed value in it)."""

    subject: str
    purpose: str
    reason: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.reason}"


class Policy:
    """The consents of an archive (or of a report's snapshot), read once while unlocked."""

    def __init__(self, consents: Iterable[Consent], approves: _Approver | None = None) -> None:
        self._by_subject: dict[str, list[Consent]] = defaultdict(list)
        for consent in consents:
            for subject in (consent.person_id, consent.source_id):
                if subject:
                    self._by_subject[subject].append(consent)
        self._approves = approves

    def refusal(self, subject: str, purpose: str, *, partner: str = "") -> Refusal | None:
        """None when ``subject``'s data may be used for ``purpose``; else why not."""
        check_purpose(purpose)
        label = v.CONSENT_SCOPES[purpose].en
        consents = self._by_subject.get(subject, [])
        orders = [c for c in consents if c.method == COURT_ORDER]
        given = [c for c in consents if c.method != COURT_ORDER]
        if purpose == COURT and any(self._approved(c) for c in orders if not c.withdrawn):
            return None
        if not given:
            if purpose in WITHOUT_CONSENT:
                return None
            return Refusal(subject, purpose, f"no consent is recorded for {label}")
        standing = [c for c in given if not c.withdrawn]
        if not standing:
            when = max(c.withdrawn for c in given)
            return Refusal(subject, purpose, f"consent was withdrawn ({when})")
        covering = [c for c in standing if purpose in c.scopes]
        if purpose == PARTNER:
            named = [c for c in covering if _same(c.partner, partner)]
            if not named:
                why = "no partner was named" if not partner else "not with this partner"
                reason = (
                    f"consent covers sharing, {why}"
                    if covering
                    else f"consent does not cover {label}"
                )
                return Refusal(subject, purpose, reason)
            return None
        if covering:
            return None
        return Refusal(subject, purpose, f"consent does not cover {label}")

    def refusals(
        self, subjects: Iterable[str], purpose: str, *, partner: str = ""
    ) -> list[Refusal]:
        found = (self.refusal(s, purpose, partner=partner) for s in dict.fromkeys(subjects))
        return [refusal for refusal in found if refusal is not None]

    def _approved(self, order: Consent) -> bool:
        return self._approves is not None and self._approves(order)


class _Approver:
    """Checks a court order's approval against the archive's keys (an unlock)."""

    def __init__(self, archive: Archive) -> None:
        self._secrets = archive.require_secrets()

    def __call__(self, order: Consent) -> bool:
        generation, _, mac = order.approval.partition(":")
        if not generation.isdigit() or not mac:
            return False
        try:
            key = self._secrets.subkey(_APPROVAL_KEY, generation=int(generation))
        except (KeyError, ValueError):
            return False
        return hmac.compare_digest(mac, _mac(key, order))


def check_purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise InputError(
            Phrase("%(value)s is not a purpose consent can cover", value=repr(purpose)),
            hint=Phrase("Use one of: %(codes)s.", codes=", ".join(PURPOSES)),
        )
    return purpose


def policy(archive: Archive) -> Policy:
    """The archive's consents as they stand now (needs an unlock)."""
    return Policy(current_consents(archive), _Approver(archive))


def current_consents(archive: Archive) -> list[Consent]:
    archive.require_secrets()
    with archive.engine.connect() as connection:
        return [
            record
            for stored in store.query_records(connection, "consent")
            if isinstance(
                record := open_record(archive.sealer, stored, stored.clear["id"]), Consent
            )
        ]


def consents_of(archive: Archive, subject: str) -> list[Consent]:
    """The consents (and court orders) about one person or source, by id; withdrawn ones
    included (needs an unlock: whom a consent is about is sealed)."""
    person_id, source_id = _subject(subject)
    return sorted(
        (
            found
            for found in current_consents(archive)
            if (person_id is not None and found.person_id == person_id)
            or (source_id is not None and found.source_id == source_id)
        ),
        key=lambda found: found.id,
    )


def naming_refusal(
    rules: Policy, record: Record | None, purpose: str, *, partner: str = ""
) -> Refusal | None:
    """Whether what identifies the subject of ``record`` may be shown for ``purpose``.

    One exception to asking: someone recorded as a perpetrator is named to a court
    without their consent, since that is what a court is for; for every other purpose
    they are asked like anyone else."""
    if record is None:
        return None
    if isinstance(record, Person) and record.role == "perpetrator" and purpose == COURT:
        return None
    for subject in subjects_of(record):
        refused = rules.refusal(subject, purpose, partner=partner)
        if refused is not None:
            return refused
    return None


def for_statistics(records: Iterable[Record]) -> list[Record]:
    """The records a report counts: the consents among ``records`` decide, and each record
    that falls under a subject whose consent leaves out aggregate statistics (or was
    withdrawn) is left out, with the consents themselves."""
    records = list(records)
    rules = Policy(r for r in records if isinstance(r, Consent))
    kept = [r for r in records if not isinstance(r, Consent)]
    subjects = {s for r in kept for s in subjects_of(r)}
    left_out = {r.subject for r in rules.refusals(sorted(subjects), "aggregate_statistics")}
    return [r for r in kept if not left_out.intersection(subjects_of(r))]


def authorize(
    archive: Archive, purpose: str, subjects: Iterable[str], *, partner: str = ""
) -> None:
    """Refuse, naming every subject and why, unless all of ``subjects`` may leave for
    ``purpose`` (the check for an exit that sends one thing, whole)."""
    check_purpose(purpose)
    refused = policy(archive).refusals(subjects, purpose, partner=partner)
    if refused:
        raise ConsentRefused(
            f"consent does not allow this for {v.CONSENT_SCOPES[purpose].en}: "
            + "; ".join(str(r) for r in refused),
            hint="Record the consent (`bearwitness consent add`), choose another purpose, "
            "or, for a court, record the court order with k custodians "
            "(`bearwitness consent court-order`).",
        )


def subjects_of(record: Record) -> tuple[str, ...]:
    """Whose consent a record's content falls under, from the record alone.

    A person is their own subject; an entry of a list (a person record) falls under the
    Person linkage resolved it to, or under itself while unresolved; an act under its
    victim, an intervention under the person it was for, a source of kind ``person``
    under itself. A document or an evidence file falls under its source: see
    :func:`subjects_in`, which looks the source up.
    """
    if isinstance(record, Person):
        return (record.id,)
    if isinstance(record, PersonRecord):
        return (record.person_id or record.id,)
    if isinstance(record, Act):
        return (record.victim_id,) if record.victim_id else ()
    if isinstance(record, Intervention):
        return (record.person_id,) if record.person_id else ()
    if isinstance(record, Source):
        return (record.id,) if record.kind == "person" else ()
    if isinstance(record, Consent):
        return tuple(s for s in (record.person_id, record.source_id) if s)
    return ()


def subjects_in(archive: Archive, record: Record) -> tuple[str, ...]:
    """:func:`subjects_of`, following an evidence file to its document and a document to
    its source (needs an unlock)."""
    with archive.engine.connect() as connection:

        def opened(kind: str, record_id: str | None) -> Record | None:
            stored = store.fetch_record(connection, kind, record_id) if record_id else None
            if stored is None or record_id is None:
                return None
            return open_record(archive.sealer, stored, record_id)

        if isinstance(record, Evidence):
            found = opened("document", record.document_id)
            record = found if found is not None else record
        if isinstance(record, Document):
            source = opened("source", record.source_id)
            return subjects_of(source) if source is not None else ()
    return subjects_of(record)


# --- writing consent -------------------------------------------------------------------


def consent_record(
    *,
    subject: str,
    scopes: Sequence[str],
    method: str,
    obtained_by: str,
    obtained_on: str,
    partner: str = "",
    notes: str = "",
    record_id: str = "",
) -> dict[str, object]:
    """The row of a new consent (checked whole by the write path, as an import's is)."""
    person_id, source_id = _subject(subject)
    for scope in scopes:
        v.CONSENT_SCOPES.check(scope)
    if method == COURT_ORDER:
        raise InputError(
            Phrase("a court order is not a consent someone gave"),
            hint=Phrase("Record it as a court order, which needs k custodians."),
        )
    if PARTNER in scopes and not partner.strip():
        raise InputError(
            Phrase("sharing with a partner needs the partner's name"),
            hint=Phrase("Name the organisation the person agreed to."),
        )
    row: dict[str, object] = {
        "type": "consent",
        "scopes": list(dict.fromkeys(scopes)),
        "method": v.CONSENT_METHODS.check(method),
        "person_id": person_id,
        "source_id": source_id,
        "partner": partner.strip(),
        "obtained_by": obtained_by.strip(),
        "obtained_on": iso_date(obtained_on),
        "notes": notes,
    }
    if record_id:
        row["id"] = record_id
    return row


def withdraw(archive: Archive, consent_id: str, *, on: str) -> Consent:
    """Withdraw a consent from ``on``: a new version; the earlier ones stay in history and
    what was published under them stays in the release ledger."""
    from bearwitness.services.writing import change_record  # the one write path

    current = _consent(archive, consent_id)
    if current.withdrawn:
        raise InputError(
            Phrase("%(id)s was already withdrawn (%(on)s)", id=consent_id, on=current.withdrawn),
            hint=Phrase("Record a new consent if the person agreed again."),
        )
    changed = change_record(archive, "consent", consent_id, {"withdrawn": iso_date(on)})
    assert isinstance(changed, Consent)
    return changed


def record_court_order(
    archive: Archive, *, subject: str, court_order: str, on: str, shares: Sequence[str]
) -> Consent:
    """Record a court order that stands in for consent in court proceedings: k custodians
    approve it by giving their shares, which must open this archive's keys. Logged as a
    new consent record (``method = court_order``) with the custodians' numbers."""
    from bearwitness.services.storing import store  # the one use case that writes

    secrets = archive.require_secrets()
    keyring = archive.current_keyring()
    if keyring.custodian_threshold is None:
        raise InputError(
            "this archive has no custodians, and a court order needs k of them",
            hint="Give the key to custodians first: `bearwitness keys reshare`.",
        )
    if not court_order.strip():
        raise InputError("the court order has no reference", hint="Give --order.")
    if keyring.unlock_with_shares(list(shares)).identity != secrets.identity:
        raise UnlockError("these shares open another archive's keys", hint="Check the shares.")
    numbers = sorted(decode_share(s, i).index for i, s in enumerate(shares, start=1))
    person_id, source_id = _subject(subject)
    order = Consent(
        id=f"{Consent.PREFIX}-0",  # numbered by the write, inside its transaction
        scopes=(COURT,),
        method=COURT_ORDER,
        person_id=person_id,
        source_id=source_id,
        obtained_by=archive.actor,
        obtained_on=iso_date(on),
        court_order=court_order.strip(),
        approved_by=",".join(str(n) for n in numbers),
    )
    generation = secrets.generation
    mac = _mac(secrets.subkey(_APPROVAL_KEY, generation=generation), order)
    row = {**order.to_dict(), "type": "consent", "approval": f"{generation}:{mac}"}
    del row["id"]
    written = store(archive, [Entry(1, row)], "court order")
    return _consent(archive, written.ids["consent"][0])


def iso_date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InputError(
            Phrase("%(value)s is not a date", value=repr(text[:40])),
            hint=Phrase("Write it as YYYY-MM-DD, e.g. 2026-11-30."),
        ) from None


def _subject(subject: str) -> tuple[str | None, str | None]:
    prefix = subject.split("-", 1)[0]
    if prefix == Person.PREFIX and "-" in subject:
        return subject, None
    if prefix == Source.PREFIX and "-" in subject:
        return None, subject
    raise InputError(
        f"{subject!r} is not a person or a source",
        hint="Consent is given by a person (P-…) or a source (S-…).",
    )


def _consent(archive: Archive, consent_id: str) -> Consent:
    archive.require_secrets()
    with archive.engine.connect() as connection:
        stored = store.fetch_record(connection, "consent", consent_id)
    if stored is None or stored.deleted:
        raise NotFound(f"no consent {consent_id}", hint="See `bearwitness consent list`.")
    record = open_record(archive.sealer, stored, consent_id)
    assert isinstance(record, Consent)
    return record


def _same(a: str, b: str) -> bool:
    return bool(a.strip()) and " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _mac(key: bytes, order: Consent) -> str:
    """What the custodians approved: the order, whom it is about, and its scope."""
    message = json.dumps(
        [order.person_id, order.source_id, list(order.scopes), order.court_order],
        ensure_ascii=False,
    ).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
