"""An evidence dossier for lawyers: one or more events, with their acts, the people, the
sources, the documents and every evidence file with its proof bundle (``dossier``).

Needs an unlock. Consent decides what is shown (``services/consent.py``, for the
dossier's purpose, court proceedings unless told otherwise): a person appears by name
only when their consent covers the purpose, otherwise by pseudonymous id with their
clear fields; a document or file whose source did not agree appears by its metadata
only, without its text, its file or a bundle. The folder::

    OUT/dossier.html        self-contained (inline styles, no outside resource)
    OUT/dossier.pdf         the same, laid out by WeasyPrint (fonts embedded)
    OUT/evidence/F-…/       one proof bundle per evidence file shown (`prove --file`),
                            holding the original bytes and their proof in the log
    OUT/index.json          every item, what was withheld and why, and the SHA-256 of
                            every file in the folder

Building one is logged: a ``dossier`` entry that commits to the SHA-256 of ``index.json``
and the purpose.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bearwitness.domain import vocabulary as v
from bearwitness.domain.records import Act, Document, Event, Evidence, Person, Record, Source
from bearwitness.errors import InputError, NotFound, Phrase
from bearwitness.reports import dossier as layout
from bearwitness.reports import pdf
from bearwitness.services import consent, proving
from bearwitness.services._ledger import read_entries, record_event
from bearwitness.services._sealing import open_record
from bearwitness.services.archive import Archive
from bearwitness.services.checkpoints import log_verifier, sign_new_checkpoint
from bearwitness.store import rows as store
from bearwitness.tlog.checkpoint import open_checkpoint
from bearwitness.tlog.entry import parse_entry

HTML = "dossier.html"
PDF = "dossier.pdf"
INDEX = "index.json"


@dataclass(frozen=True)
class BuiltDossier:
    folder: Path
    events: tuple[str, ...]
    items: int
    bundles: int
    withheld: tuple[str, ...]  # ids shown without what consent does not cover


def build(
    archive: Archive,
    event_ids: Sequence[str],
    out: Path,
    *,
    lang: str = "en",
    purpose: str = "court_proceedings",
    partner: str = "",
    with_pdf: bool = True,
) -> BuiltDossier:
    archive.require_secrets()
    consent.check_purpose(purpose)
    if not event_ids:
        raise InputError(
            Phrase("no event given"), hint=Phrase("Name one or more events, e.g. E-0001.")
        )
    if lang not in ("en", "ru"):
        raise InputError(
            Phrase("%(value)s is not a dossier language", value=repr(lang)),
            hint=Phrase("Use en or ru."),
        )
    if out.exists() and any(out.iterdir()):
        raise InputError(
            Phrase("%(folder)s is not empty", folder=out),
            hint=Phrase("Build the dossier into a new folder."),
        )
    rules = consent.policy(archive)
    gather = _Gathering(archive, rules, purpose, partner, lang)
    parts = [gather.event_part(event_id) for event_id in dict.fromkeys(event_ids)]
    signed = sign_new_checkpoint(archive)
    checkpoint = open_checkpoint(signed.note, log_verifier(archive)).checkpoint
    custody = _custody(archive)
    out.mkdir(parents=True, exist_ok=True)
    bundles = 0
    finished = []
    for part in parts:
        shown = []
        for item in part.evidence:
            if not item.withheld:
                target = out / "evidence" / item.id
                proving.prove(
                    archive, item.id, target, evidence_file=True, purpose=purpose, partner=partner
                )
                item = _with(item, bundle=f"evidence/{item.id}", copy=layout.EVIDENTIARY)
                bundles += 1
            shown.append(item)
        finished.append(
            layout.EventPart(
                event=_with(part.event, custody=tuple(custody.get(part.event.id, ()))),
                acts=_with_custody(part.acts, custody),
                people=_with_custody(part.people, custody),
                documents=_with_custody(part.documents, custody),
                sources=_with_custody(part.sources, custody),
                evidence=_with_custody(shown, custody),
            )
        )
    document = layout.Dossier(
        lang=lang,
        origin=archive.config.origin,
        built_at=archive.now()[:10],
        checkpoint_size=checkpoint.size,
        root_hash=checkpoint.root_hash.hex(),
        purpose=v.CONSENT_SCOPES[purpose].label(lang),
        parts=tuple(finished),
    )
    page = layout.html(document)
    (out / HTML).write_text(page, encoding="utf-8")
    if with_pdf:
        (out / PDF).write_bytes(pdf.pdf(page))
    items = [item for part in finished for item in _all(part)]
    withheld = tuple(sorted({item.id for item in items if item.withheld}))
    events = tuple(dict.fromkeys(event_ids))
    index: dict[str, Any] = {
        "format": "bearwitness-dossier/1",
        "events": list(events),
        "purpose": purpose,
        "checkpoint": {"size": checkpoint.size, "root_hash": checkpoint.root_hash.hex()},
        "items": [
            {"id": i.id, "kind": i.kind, "withheld": i.withheld, "bundle": i.bundle} for i in items
        ],
        "files": {
            str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(out.rglob("*"))
            if path.is_file()
        },
    }
    data = json.dumps(index, indent=2, ensure_ascii=False).encode()
    (out / INDEX).write_bytes(data)
    # Logged by the index's hash: whoever holds the dossier can show that it was built
    # from this archive, and the published log says nothing about what is in it.
    record_event(
        archive, "dossier", {"index_sha256": hashlib.sha256(data).hexdigest(), "purpose": purpose}
    )
    return BuiltDossier(out, events, len(items), bundles, withheld)


@dataclass(frozen=True)
class PackedDossier:
    """A dossier built for the workbench, held in memory: its PDF and its folder zipped."""

    events: tuple[str, ...]
    items: int
    bundles: int
    withheld: tuple[str, ...]
    pdf: bytes
    zipped: bytes


def build_packed(
    archive: Archive,
    event_ids: Sequence[str],
    *,
    lang: str = "en",
    purpose: str = "court_proceedings",
    partner: str = "",
) -> PackedDossier:
    """:func:`build` for a download (the workbench): built in a private temporary folder,
    read back as the PDF and a zip of the whole folder, and the folder removed at once,
    so no copy of what it reveals stays on the server's disk. Logged as :func:`build` is."""
    with tempfile.TemporaryDirectory(prefix="bw-dossier-") as folder:
        out = Path(folder) / "dossier"
        built = build(archive, event_ids, out, lang=lang, purpose=purpose, partner=partner)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as packed:
            for path in sorted(out.rglob("*")):
                if path.is_file():
                    packed.write(path, f"dossier/{path.relative_to(out).as_posix()}")
        return PackedDossier(
            built.events,
            built.items,
            built.bundles,
            built.withheld,
            (out / PDF).read_bytes(),
            buffer.getvalue(),
        )


class _Gathering:
    """Reads the records of each event and decides what of each may be shown."""

    def __init__(
        self, archive: Archive, rules: consent.Policy, purpose: str, partner: str, lang: str
    ) -> None:
        self.archive, self.rules, self.purpose, self.partner = archive, rules, purpose, partner
        self.lang = lang
        self.label = v.CONSENT_SCOPES[purpose].label(lang)

    def named(self, vocabulary: v.Vocabulary, code: str) -> str:
        return vocabulary[code].label(self.lang) if code in vocabulary else code

    def opened(self, kind: str, record_id: str | None) -> Record | None:
        if not record_id:
            return None
        with self.archive.engine.connect() as connection:
            stored = store.fetch_record(connection, kind, record_id)
        if stored is None or stored.deleted:
            return None
        return open_record(self.archive.sealer, stored, record_id)

    def all_of(self, kind: str, **equals: str) -> list[Record]:
        with self.archive.engine.connect() as connection:
            found = list(store.query_records(connection, kind, equals=equals or None))
        return [open_record(self.archive.sealer, s, s.clear["id"]) for s in found]

    def event_part(self, event_id: str) -> layout.EventPart:
        event = self.opened("event", event_id)
        if not isinstance(event, Event):
            raise NotFound(
                Phrase("no event %(id)s", id=event_id),
                hint=Phrase("Check the id in the list of events, or with `bearwitness list`."),
            )
        acts = [a for a in self.all_of("act", event_id=event_id) if isinstance(a, Act)]
        people: dict[str, Person] = {}
        for act in acts:
            for person_id in (act.victim_id, *act.perpetrator_ids):
                person = self.opened("person", person_id)
                if isinstance(person, Person):
                    people[person.id] = person
        documents = [
            d
            for d in self.all_of("document")
            if isinstance(d, Document) and event_id in d.event_ids
        ]
        sources: dict[str, Source] = {}
        for document in documents:
            source = self.opened("source", document.source_id)
            if isinstance(source, Source):
                sources[source.id] = source
        evidence = [
            e
            for d in documents
            for e in self.all_of("evidence", document_id=d.id)
            if isinstance(e, Evidence)
        ]
        return layout.EventPart(
            event=self.event(event),
            acts=tuple(self.act(a) for a in acts),
            people=tuple(self.person(p) for p in people.values()),
            documents=tuple(self.document(d, sources.get(d.source_id or "")) for d in documents),
            sources=tuple(self.source(s) for s in sources.values()),
            evidence=tuple(
                self.evidence(e, next(d for d in documents if d.id == e.document_id), sources)
                for e in evidence
            ),
        )

    def consequences(self, act: Act) -> str:
        return ", ".join(self.named(v.CONSEQUENCES, code) for code in act.consequences)

    def why(self, refusal: consent.Refusal) -> str:
        return _why(refusal, self.label)

    def refusal(self, record: Record) -> consent.Refusal | None:
        return consent.naming_refusal(self.rules, record, self.purpose, partner=self.partner)

    def event(self, event: Event) -> layout.Item:
        return layout.Item(
            event.id,
            "event",
            (
                ("Date", str(event.date or "")),
                ("District", event.district),
                ("Victims (as documented)", str(event.victims or "")),
                ("Title", event.title),
                ("Description", event.description),
                ("Place", event.location),
            ),
        )

    def act(self, act: Act) -> layout.Item:
        return layout.Item(
            act.id,
            "act",
            (
                ("Act type", self.named(v.ACT_TYPES, act.act_type)),
                ("Date", str(act.date or "")),
                ("Victim", act.victim_id or ""),
                ("Perpetrators", ", ".join(act.perpetrator_ids)),
                (
                    "Consequences",
                    ", ".join(self.named(v.CONSEQUENCES, c) for c in act.consequences),
                ),
            ),
        )

    def person(self, person: Person) -> layout.Item:
        clear = (
            ("Role", self.named(v.PERSON_ROLES, person.role)),
            ("Sex", self.named(v.SEXES, person.sex)),
        )
        refused = self.refusal(person)
        if refused is not None:
            return layout.Item(person.id, "person", clear, withheld=self.why(refused))
        return layout.Item(
            person.id,
            "person",
            (*clear, ("Name", person.full_name), ("Other names", person.other_names)),
        )

    def source(self, source: Source) -> layout.Item:
        clear = (
            ("Kind", self.named(v.SOURCE_KINDS, source.kind)),
            ("Reliability", self.named(v.RELIABILITY, source.reliability)),
        )
        refused = self.refusal(source)
        if refused is not None:
            return layout.Item(source.id, "source", clear, withheld=self.why(refused))
        return layout.Item(source.id, "source", (*clear, ("Name", source.name)))

    def document(self, document: Document, source: Source | None) -> layout.Item:
        clear = (
            ("Kind", self.named(v.DOCUMENT_KINDS, document.kind)),
            ("Received", str(document.received or "")),
            ("Source", document.source_id or ""),
        )
        refused = self.refusal(source) if source is not None else None
        if refused is not None:
            return layout.Item(document.id, "document", clear, withheld=self.why(refused))
        return layout.Item(
            document.id,
            "document",
            (*clear, ("Title", document.title), ("Language", document.language)),
        )

    def evidence(
        self, evidence: Evidence, document: Document, sources: dict[str, Source]
    ) -> layout.Item:
        """What the file is, where it came from; its bundle and copy are added once
        written. The capture metadata (GPS, a device serial) is never shown here: it is
        in the original bytes the bundle holds, for whoever the dossier is for."""
        facts = (
            ("What it is", evidence.media_type),
            ("Size (bytes)", str(evidence.size)),
            ("Captured", str(evidence.captured or "")),
            ("From document", evidence.document_id or ""),
            ("Source", document.source_id or ""),
        )
        source = sources.get(document.source_id or "")
        refused = self.refusal(source) if source is not None else None
        if refused is not None:
            return layout.Item(evidence.id, "evidence", facts, withheld=self.why(refused))
        return layout.Item(
            evidence.id,
            "evidence",
            (*facts, ("File name", evidence.filename), ("Description", evidence.description)),
            sha256=evidence.sha256,
        )


def _why(refusal: consent.Refusal, label: str) -> str:
    """Why an item is shown in part. The reason comes from the policy, in English: it is
    what `consent check` says, for the team to act on."""
    return f"{label}: {refusal.reason}."


def _custody(archive: Archive) -> dict[str, list[layout.CustodyStep]]:
    """Every record's logged versions, by id: the chain of custody the log proves."""
    indexes: dict[tuple[str, int], int] = {}
    with archive.engine.connect() as connection:
        for index, raw in read_entries(connection):
            if b'"record_type"' in raw:
                entry = parse_entry(raw)
                if entry.version is not None:
                    indexes[(entry.record_id, entry.version)] = index
        steps: dict[str, list[layout.CustodyStep]] = {}
        for version in store.fetch_versions(connection):
            steps.setdefault(version.id, []).append(
                layout.CustodyStep(
                    version.version,
                    version.operation,
                    version.actor,
                    version.recorded_at[:19],
                    indexes.get((version.id, version.version)),
                )
            )
    return steps


def _with(item: layout.Item, **changes: Any) -> layout.Item:
    return dataclasses.replace(item, **changes)


def _with_custody(
    items: Sequence[layout.Item], custody: dict[str, list[layout.CustodyStep]]
) -> tuple[layout.Item, ...]:
    return tuple(_with(item, custody=tuple(custody.get(item.id, ()))) for item in items)


def _all(part: layout.EventPart) -> list[layout.Item]:
    return [
        part.event,
        *part.acts,
        *part.people,
        *part.sources,
        *part.documents,
        *part.evidence,
    ]
