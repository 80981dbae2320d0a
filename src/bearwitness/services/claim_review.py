"""Reviewing extracted claims, and an event's incident from its reviewed claims.

The workbench's review queue and incident page call these (``web/workbench/claims.py``):

- :func:`queue`: every candidate claim still waiting on a public report
  (``Document.claim_candidates``, sealed), each with its sentence placed in its document's
  text, computed in memory while unlocked and never written in the clear;
- :func:`decide`: a reviewer accepts a candidate (as extracted or edited) or rejects it.
  Either way the document gets one new, logged version whose candidate line carries the
  decision (so a decision is never made twice); an accepted one becomes a :class:`Claim`
  record first, and the line names it;
- :func:`incident`: one event's corroboration (``claims/corroboration.py``) from the claims
  a person linked to it, with the claims that are suggested for it and not yet linked;
- :func:`correct_relay` and :func:`link_event`: a person's corrections, each a new version
  of the claim (the old one stays in its history: disagreements are kept as data).
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, update
from sqlalchemy.exc import IntegrityError

from bearwitness.claims.corroboration import Assertion, Corroboration, corroborate, key, origin
from bearwitness.claims.events import EventView, Suggestion, suggest_events
from bearwitness.claims.quantities import QUALIFIERS, Count, qualified
from bearwitness.domain import vocabulary
from bearwitness.domain.counts import QualifiedCount, Qualifier
from bearwitness.domain.dates import PartialDate
from bearwitness.domain.records import Claim, Document, Event, Source
from bearwitness.errors import CaseChanged, IdTaken, InputError, LockedError, NotFound, Phrase
from bearwitness.reports.claims import ClaimantSources, public_name
from bearwitness.services import reading
from bearwitness.services._sealing import open_record
from bearwitness.services.archive import Archive
from bearwitness.services.writing import (
    Change,
    change_record,
    first_version,
    next_version,
    write_change,
)
from bearwitness.store import rows as store
from bearwitness.store.rows import next_number
from bearwitness.store.schema import RECORD_TABLES

CONTEXT = 1500  # characters of the document shown either side of a candidate's sentence
MAX_DOCUMENTS = 500  # public reports opened for one queue page
MAX_EVENTS = 500  # events offered for a link
_TO_DOMAIN = {
    "exact": Qualifier.EXACT,
    "approx": Qualifier.APPROXIMATELY,
    "at_least": Qualifier.AT_LEAST,
    "at_most": Qualifier.AT_MOST,
    "range": Qualifier.RANGE,
}
_FROM_DOMAIN = {value: key for key, value in _TO_DOMAIN.items()}
# What a refused count says of its parts, for a person (the review form's words).
FIGURES = {"low": Phrase("low"), "best": Phrase("best"), "high": Phrase("high")}
QUALIFIER_NAMES = {
    "exact": Phrase("exact"),
    "approx": Phrase("approximate"),
    "at_least": Phrase("at least"),
    "at_most": Phrase("at most"),
}


@dataclass(frozen=True)
class Pending:
    """One candidate waiting for review, its sentence in its place in the document."""

    document_id: str
    version: int  # the document's version the candidate was read from
    index: int  # the candidate's line in the document's candidates
    title: str
    outlet: str
    candidate: dict[str, Any]
    before: str  # the document's text before the sentence (at most CONTEXT characters)
    sentence: str
    after: str
    count: Count | None  # None: no count, or a zero (a denial's "no one")
    suggested: list[Suggestion] = field(default_factory=list)
    source: Source | None = None  # the archive's source the claimant is: its grade applies


@dataclass(frozen=True)
class Decision:
    document_id: str
    index: int
    verdict: str  # accepted or rejected
    claim_id: str | None


def _require_unlocked(archive: Archive, what: Phrase) -> None:
    if archive.locked:
        raise LockedError(
            Phrase("%(what)s needs an unlock", what=what),
            hint=Phrase("Ask the custodians to unlock."),
        )


def _lines(document: Document) -> list[dict[str, Any]]:
    lines = []
    for number, line in enumerate(document.claim_candidates.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            raise InputError(
                f"{document.id}: candidate line {number} is not JSON",
                hint="Take the document in again with `bearwitness claims add`.",
            ) from None
        if not isinstance(item, dict):
            raise InputError(f"{document.id}: candidate line {number} is not an object")
        lines.append(item)
    return lines


def _count_of(item: dict[str, Any]) -> Count | None:
    count = item.get("count")
    if not isinstance(count, dict):
        return None
    return Count(
        qualifier=str(count.get("qualifier") or "exact"),
        value=count.get("value"),
        low=count.get("low"),
        high=count.get("high"),
    )


def _placed(text: str, item: dict[str, Any]) -> tuple[str, str, str]:
    """(before, sentence, after): the sentence at its offsets, else where it first occurs."""
    sentence = str(item.get("sentence") or "")
    start, end = item.get("start"), item.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and text[start:end] == sentence):
        start = text.find(sentence) if sentence else -1
        if start < 0:
            return "", sentence, ""
        end = start + len(sentence)
    before = text[max(0, start - CONTEXT) : start]
    after = text[end : end + CONTEXT]
    return (
        ("…" if start > CONTEXT else "") + before,
        sentence,
        after + ("…" if end + CONTEXT < len(text) else ""),
    )


def _event_views(archive: Archive) -> list[EventView]:
    acts: dict[str, set[str]] = {}
    for act in reading.list_records(archive, "act"):
        if act.fields.get("event_id") and not act.deleted:
            acts.setdefault(act.fields["event_id"], set()).add(str(act.fields.get("act_type")))
    views = []
    for listed in reading.list_records(archive, "event", limit=MAX_EVENTS):
        if listed.deleted:
            continue
        event = reading.open_full(archive, listed.id)
        assert isinstance(event, Event)
        views.append(
            EventView(
                id=event.id,
                acts=frozenset(acts.get(event.id, ())),
                places=tuple(p for p in (event.district, event.location) if p),
                earliest=event.date.earliest if event.date else None,
                latest=event.date.latest if event.date else None,
            )
        )
    return views


def _suggest(item: dict[str, Any] | Claim, events: list[EventView]) -> list[Suggestion]:
    if isinstance(item, Claim):
        act, place, when = item.act or "", item.place or None, item.when or None
    else:
        act, place, when = str(item.get("act") or ""), item.get("place"), item.get("when")
    try:
        return suggest_events(_Claimed(act, place, when), events)
    except InputError:  # a "when" no date parser reads: suggested from act and place only
        return suggest_events(_Claimed(act, place, None), events)


@dataclass(frozen=True)
class _Claimed:
    act: str
    place: str | None
    when: str | None


def _sources(connection: Connection, archive: Archive) -> ClaimantSources:
    """The archive's sources, opened, as claimants are matched to them."""
    opened = (
        open_record(archive.sealer, stored, stored.clear["id"])
        for stored in store.query_records(connection, "source")
    )
    return ClaimantSources(s for s in opened if isinstance(s, Source))


def _graded(
    connection: Connection,
    archive: Archive,
    sources: ClaimantSources,
    claim: Claim,
    grade: str,
    *,
    at: str,
) -> tuple[Claim, Change]:
    """The claim with its claimant's reliability, and the source record that keeps it.

    The Admiralty grade is a source's, not a claim's: a claimant that is one of the
    archive's sources takes that source's grade, and a grade the reviewer changes is a new
    version of the source; a claimant graded for the first time (not F) becomes a source.
    No claimant (the outlet's own voice): the grade stays on the claim alone."""
    source = sources.of(claim.speaker)
    change = Change()
    if not grade:
        grade = source.reliability if source is not None else "F"
    vocabulary.RELIABILITY.check(grade)
    if source is not None and grade != source.reliability:
        regraded = Source.from_dict({**source.to_dict(), "reliability": grade})
        current = store.fetch_record(connection, "source", source.id)
        assert current is not None  # opened in this transaction
        change = next_version(connection, archive, regraded, current, at=at)
    elif source is None and claim.speaker.strip() and grade != "F":
        created = Source.from_dict(
            {
                "id": f"S-{next_number(connection, 'source'):04d}",
                "kind": "organisation",
                "name": public_name(claim.speaker),
                "reliability": grade,
                "notes": f"Graded while reviewing {claim.id}.",
                "fictional": claim.fictional,
            }
        )
        change = first_version(archive, created, at=at)
    graded = Claim.from_dict({**claim.to_dict(), "reliability": grade})
    assert isinstance(graded, Claim)
    return graded, change


def queue(archive: Archive) -> list[Pending]:
    """Every candidate claim not yet decided, document by document (needs an unlock)."""
    _require_unlocked(archive, Phrase("the review queue"))
    events = _event_views(archive)
    with archive.engine.connect() as connection:
        sources = _sources(connection, archive)
    found: list[Pending] = []
    listed = reading.list_records(
        archive, "document", equals={"kind": "public_report"}, limit=MAX_DOCUMENTS
    )
    for view in listed:
        if view.deleted:
            continue
        document = reading.open_full(archive, view.id)
        assert isinstance(document, Document)
        for index, item in enumerate(_lines(document)):
            if item.get("decision"):
                continue
            before, sentence, after = _placed(document.text, item)
            count = _count_of(item)
            found.append(
                Pending(
                    document_id=document.id,
                    version=view.version,
                    index=index,
                    title=document.title,
                    outlet=document.outlet,
                    candidate=item,
                    before=before,
                    sentence=sentence,
                    after=after,
                    count=count if count is not None and not count.zero else None,
                    suggested=_suggest(item, events),
                    source=sources.of(str(item.get("claimant") or "")),
                )
            )
    return found


def event_ids(archive: Archive) -> list[str]:
    """The events a claim may be linked to (clear ids; works while locked)."""
    return [e.id for e in reading.list_records(archive, "event", limit=MAX_EVENTS) if not e.deleted]


def qualified_count(
    qualifier: str, low: str = "", best: str = "", high: str = ""
) -> QualifiedCount | None:
    """The count a reviewer wrote (a qualifier and low / best / high), or None for none."""
    if not qualifier or qualifier == "none":
        return None
    if qualifier not in QUALIFIERS:
        raise InputError(
            Phrase("count qualifier %(value)s is not known", value=repr(qualifier)),
            hint=Phrase("Use one of: %(codes)s.", codes=", ".join(QUALIFIERS)),
        )
    numbers: dict[str, int | None] = {}
    for name, text in (("low", low), ("best", best), ("high", high)):
        text = text.strip()
        if not text:
            numbers[name] = None
            continue
        if not (text.isascii() and text.isdigit()) or len(text) > 15:
            raise InputError(
                Phrase(
                    "count, %(figure)s: %(value)s is not a whole number",
                    figure=FIGURES[name],
                    value=repr(text[:20]),
                ),
                hint=Phrase("Write digits."),
            )
        numbers[name] = int(text)
    domain = _TO_DOMAIN[qualifier]
    if qualifier == "range":
        if numbers["low"] is None or numbers["high"] is None:
            raise InputError(
                Phrase("count: a range needs its low and high"), hint=Phrase("Fill in both.")
            )
        return QualifiedCount(domain, numbers["low"], numbers["high"])
    number = {
        "exact": numbers["best"],
        "approx": numbers["best"],
        "at_least": numbers["low"] if numbers["low"] is not None else numbers["best"],
        "at_most": numbers["high"] if numbers["high"] is not None else numbers["best"],
    }[qualifier]
    if number is None:
        figure = {"at_least": "low", "at_most": "high"}.get(qualifier, "best")
        raise InputError(
            Phrase(
                "count: %(qualifier)s needs its %(figure)s figure",
                qualifier=QUALIFIER_NAMES[qualifier],
                figure=FIGURES[figure],
            ),
            hint=Phrase("Fill it in."),
        )
    return QualifiedCount(domain, number)


def _claim_count(item: dict[str, Any]) -> QualifiedCount | None:
    count = _count_of(item)
    if count is None or (count.value is None and count.low is None and count.high is None):
        return None

    def text(number: int | None) -> str:
        return "" if number is None else str(number)

    return qualified_count(count.qualifier, text(count.low), text(count.value), text(count.high))


def _text(value: Any, limit: int = 500) -> str:
    return "" if value is None else str(value).strip()[:limit]


def decide(
    archive: Archive,
    document_id: str,
    index: int,
    verdict: str,
    *,
    version: int,
    changes: dict[str, Any] | None = None,
    event_id: str = "",
) -> Decision:
    """Accept (``changes``: what the reviewer edited) or reject candidate ``index`` of
    ``document_id``, as read from the document's ``version``: in one transaction, the new
    Claim (when accepted) and the document's new version that records the decision."""
    _require_unlocked(archive, Phrase("reviewing claims"))
    if verdict not in ("accept", "reject"):
        raise InputError(
            Phrase("%(value)s is not a decision", value=repr(verdict)),
            hint=Phrase("Accept or reject."),
        )
    if reading.kind_of(document_id) != "document":
        raise NotFound(
            Phrase("%(id)s is not a document", id=document_id),
            hint=Phrase("Open the queue again."),
        )
    if event_id:
        if reading.kind_of(event_id) != "event":
            raise InputError(
                Phrase("event: %(value)s is not an event id", value=repr(event_id)),
                hint=Phrase("Choose an event."),
            )
        reading.get(archive, event_id)  # NotFound for an event that is not there
    archive.require_secrets()  # locked: refused before any write begins
    table = RECORD_TABLES["document"]

    def prepare(connection: Connection) -> tuple[Change, Decision]:
        # A write first: it takes the writer's lock before anything is read, so the version
        # read next is the one this decision replaces (two reviewers cannot both decide).
        connection.execute(
            update(table).where(table.c.id == document_id).values(version=table.c.version)
        )
        current = store.fetch_record(connection, "document", document_id)
        if current is None or current.deleted:
            raise NotFound(
                Phrase("no document %(id)s in this archive", id=document_id),
                hint=Phrase("Open the queue again."),
            )
        if current.version != version:
            raise CaseChanged(
                Phrase(
                    "%(id)s was changed while you reviewed it (now version %(now)s, you saw "
                    "%(saw)s)",
                    id=document_id,
                    now=current.version,
                    saw=version,
                ),
                hint=Phrase("Open the queue again: the candidate may have been decided already."),
            )
        document = open_record(archive.sealer, current, document_id)
        assert isinstance(document, Document)
        lines = _lines(document)
        if not 0 <= index < len(lines):
            raise NotFound(
                Phrase("%(id)s has no candidate %(number)s", id=document_id, number=index + 1),
                hint=Phrase("Open the queue again."),
            )
        item = lines[index]
        if item.get("decision"):
            raise CaseChanged(
                Phrase(
                    "candidate %(number)s of %(id)s was decided already",
                    number=index + 1,
                    id=document_id,
                ),
                hint=Phrase("Open the queue again."),
            )
        at, change, claim_id = archive.now(), Change(), None
        if verdict == "accept":
            claim_id = f"C-{next_number(connection, 'claim'):04d}"
            claim, change = _graded(
                connection, archive, _sources(connection, archive),
                _accepted(claim_id, document, item, changes or {}, event_id),
                _text((changes or {}).get("reliability"), 1), at=at,
            )  # fmt: skip
            change.add(first_version(archive, claim, at=at))
            item["decision"], item["claim_id"] = "accepted", claim_id
            if edited := _edited(item, changes or {}):
                item["edited"] = edited  # what the reviewer corrected, by name
        else:
            item["decision"] = "rejected"
        candidates = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
        updated = dataclasses.replace(document, claim_candidates=candidates)
        change.add(next_version(connection, archive, updated, current, at=at))
        return change, Decision(document_id, index, item["decision"], claim_id)

    try:
        decision, _ = write_change(archive, prepare)
    except IntegrityError:  # a claim id taken by a write outside the writers' turn
        raise IdTaken(
            Phrase("another write took the new claim's id first; nothing was written"),
            hint=Phrase("Accept it again: it gets a new id."),
        ) from None
    return decision


def _edited(item: dict[str, Any], changes: dict[str, Any]) -> list[str]:
    """The names of the candidate's fields the reviewer changed (the grades and the event
    are the reviewer's own, never the extraction's)."""
    found = []
    for name, value in changes.items():
        if name == "count":
            if str(value or "") != str(_claim_count(item) or ""):
                found.append(name)
        elif name == "hedged":
            if bool(value) != bool(item.get(name)):
                found.append(name)
        elif name not in ("reliability", "credibility") and _text(value) != _text(item.get(name)):
            found.append(name)
    return sorted(found)


def _accepted(
    claim_id: str, document: Document, item: dict[str, Any], changes: dict[str, Any], event: str
) -> Claim:
    """The Claim a reviewer accepted: the candidate with their changes, checked."""
    merged = {**item, **changes}
    act = vocabulary.ACT_TYPES.check(_text(merged.get("act"), 64))
    stance = _text(merged.get("stance"), 10)
    if stance not in ("assert", "deny"):
        raise InputError(
            Phrase("stance %(value)s is not known", value=repr(stance)),
            hint=Phrase("Use assert or deny."),
        )
    count = changes["count"] if "count" in changes else _claim_count(item)
    when = _text(merged.get("when"), 60)
    if when:
        try:
            PartialDate.parse(when)
        except InputError as error:
            message, hint = error.phrases
            raise InputError(
                Phrase("%(what)s: %(problem)s", what=Phrase("when"), problem=message), hint=hint
            ) from None
    record = Claim.from_dict(
        {
            "id": claim_id,
            "document_id": document.id,
            "event_ids": [event] if event else [],
            "count": str(count) if count is not None else None,
            "stance": "asserts" if stance == "assert" else "denies",
            "statement": _text(item.get("sentence"), 5000),
            "speaker": _text(merged.get("claimant")),
            "act": act,
            "outlet": _text(merged.get("outlet")) or document.outlet,
            "via": _text(merged.get("via")),
            "hedged": bool(merged.get("hedged")),
            "place": _text(merged.get("place"), 200),
            "when": when,
            "reliability": "F",  # the claimant's, set by _graded
            "credibility": _text(merged.get("credibility"), 1) or "6",
            "fictional": document.fictional,
        }
    )
    assert isinstance(record, Claim)
    return record


@dataclass(frozen=True)
class ClaimLine:
    """A reviewed claim as the incident page lists it."""

    id: str
    version: int
    document_id: str | None
    act: str
    stance: str  # assert or deny
    count: Count | None  # None: no count, or a zero
    speaker: str
    outlet: str
    via: str
    relays: str
    statement: str
    reliability: str
    credibility: str
    suggested: tuple[str, ...] = ()  # why it is suggested for the event (act, place, time)
    source_id: str | None = None  # the archive's source the speaker is, which grades it


@dataclass(frozen=True)
class Incident:
    event_id: str
    title: str
    act: str | None  # the act corroborated (None: no linked claim)
    acts: list[str]  # the acts the linked claims are about, most claimed first
    corroboration: Corroboration | None
    claims: list[ClaimLine]  # linked to the event
    suggested: list[ClaimLine]  # suggested for it, not linked yet
    # How each origin compared loosely ("fictional rights network") was first written.
    names: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # origin -> its source's id

    def name(self, compared: str) -> str:
        return self.names.get(compared, compared)


def _count(claim: Claim) -> Count | None:
    if claim.count is None:
        return None
    qualifier = _FROM_DOMAIN[claim.count.qualifier]
    best, low, high = qualified(qualifier, claim.count.value, claim.count.upper)
    return Count(qualifier, best, low, high, zero=claim.count.value == 0 and qualifier == "exact")


def _line(
    claim: Claim, version: int, sources: ClaimantSources, reasons: tuple[str, ...] = ()
) -> ClaimLine:
    count = _count(claim)
    source = sources.of(claim.speaker)
    return ClaimLine(
        id=claim.id,
        version=version,
        document_id=claim.document_id,
        act=claim.act or "",
        stance="deny" if claim.stance == "denies" else "assert",
        count=count if count is not None and not count.zero else None,
        speaker=claim.speaker,
        outlet=claim.outlet,
        via=claim.via,
        relays=claim.relays,
        statement=claim.statement,
        reliability=source.reliability if source is not None else claim.reliability,
        credibility=claim.credibility,
        suggested=reasons,
        source_id=source.id if source is not None else None,
    )


def assertion(claim: Claim, sources: ClaimantSources) -> Assertion:
    """``claim`` as the corroboration reads it, graded by its claimant's source if any."""
    source = sources.of(claim.speaker)
    return Assertion(
        act=claim.act or "",
        stance="deny" if claim.stance == "denies" else "assert",
        count=_count(claim),
        claimant=claim.speaker or None,
        outlet=claim.outlet or None,
        via=claim.via or None,
        relays=claim.relays or None,
        reliability=source.reliability if source is not None else claim.reliability,
        credibility=claim.credibility,
    )


def incident(archive: Archive, event_id: str, act: str | None = None) -> Incident:
    """``event_id``'s incident: who originally claims ``act`` (default: the act its claims
    name most), who relays whom, who denies it, and the figures (needs an unlock)."""
    _require_unlocked(archive, Phrase("the incident page"))
    if reading.kind_of(event_id) != "event":
        raise NotFound(
            Phrase("%(id)s is not an event", id=event_id),
            hint=Phrase("Open an event's incident page."),
        )
    event = reading.open_full(archive, event_id)
    assert isinstance(event, Event)
    view = next((e for e in _event_views(archive) if e.id == event_id), None)
    with archive.engine.connect() as connection:
        sources = _sources(connection, archive)
    linked: list[tuple[Claim, int]] = []
    suggested: list[ClaimLine] = []
    for listed in reading.list_records(archive, "claim"):
        if listed.deleted:
            continue
        claim = reading.open_full(archive, listed.id)
        assert isinstance(claim, Claim)
        if event_id in claim.event_ids:
            linked.append((claim, listed.version))
        elif view is not None and claim.act:
            for suggestion in _suggest(claim, [view]):
                suggested.append(_line(claim, listed.version, sources, suggestion.reasons))
    acts = [a for a, _ in Counter(c.act for c, _ in linked if c.act).most_common()]
    if act is not None:
        vocabulary.ACT_TYPES.check(act)
    chosen = act or (acts[0] if acts else None)
    assertions = [assertion(c, sources) for c, _ in linked]
    found = corroborate(assertions, chosen) if chosen else None
    names: dict[str, str] = {}
    for item in assertions:
        written = item.claimant or item.outlet or ""
        names.setdefault(origin(item), written)
        if item.relays:
            names.setdefault(key(item.relays), item.relays)
        if item.via:
            names.setdefault(key(item.via), item.via)
    return Incident(
        event_id=event_id,
        title=event.title,
        act=chosen,
        acts=acts,
        corroboration=found,
        claims=[_line(c, v, sources) for c, v in linked],
        suggested=suggested,
        names={compared: written for compared, written in names.items() if written},
        sources={
            origin(item): source.id
            for (claim, _), item in zip(linked, assertions, strict=True)
            if (source := sources.of(claim.speaker))
        },
    )


def _claim(archive: Archive, claim_id: str, version: int) -> Claim:
    _require_unlocked(archive, Phrase("correcting a claim"))
    if reading.kind_of(claim_id) != "claim":
        raise NotFound(
            Phrase("%(id)s is not a claim", id=claim_id),
            hint=Phrase("Open the incident page again."),
        )
    current = reading.get(archive, claim_id)
    if current.version != version:
        raise CaseChanged(
            Phrase(
                "%(id)s was changed meanwhile (now version %(now)s, you saw %(saw)s)",
                id=claim_id,
                now=current.version,
                saw=version,
            ),
            hint=Phrase("Open the incident page again, then correct it once more."),
        )
    claim = reading.open_full(archive, claim_id)
    assert isinstance(claim, Claim)
    return claim


def correct_relay(archive: Archive, claim_id: str, relays: str, *, version: int) -> Claim:
    """A person's correction of the echo: whose claim this claim's speaker repeats (empty:
    an original source, whatever the text says)."""
    _claim(archive, claim_id, version)
    updated = change_record(archive, "claim", claim_id, {"relays": relays.strip()[:500]})
    assert isinstance(updated, Claim)
    return updated


def link_event(archive: Archive, claim_id: str, event_id: str, *, version: int) -> Claim:
    """A person confirms that the claim is about ``event_id`` (a new version)."""
    claim = _claim(archive, claim_id, version)
    if reading.kind_of(event_id) != "event":
        raise InputError(
            Phrase("%(value)s is not an event id", value=repr(event_id)),
            hint=Phrase("Choose an event."),
        )
    reading.get(archive, event_id)
    if event_id in claim.event_ids:
        return claim
    updated = change_record(archive, "claim", claim_id, {"event_ids": [*claim.event_ids, event_id]})
    assert isinstance(updated, Claim)
    return updated
