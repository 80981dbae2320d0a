"""Folding a field submission (OpenRosa, ODK) from the inbox into records, at unlock.

The intake put the submission in the inbox as it arrived (:mod:`services.openrosa`):
its XML and files, each sealed to the archive. Here, with the keys:

1. each file is opened; an encrypted submission is decrypted with the archive's ODK key
   (:mod:`crypto.odk`) and its element signature checked. The signature shows only that
   the files belong together as the sender made them: anyone holding the form (it carries
   the public key) can make one, so it proves nothing about who sent them;
2. the incident form's fields become an event, a person per victim and perpetrator, an
   act per act against a victim, a document holding every field that maps to nothing,
   and evidence for each file, under the media's neutral names;
3. they are written through the usual path (``writing.resolve_rows`` and
   ``write_records``: sealed, versioned, logged), in one transaction with the marks that
   the batch and its instanceID were folded.

Ids are derived from the submission's first instanceID with a key of the archive, so an
edit (``meta/deprecatedID``) gives its records new versions instead of new records (the
records of an edit are written one by one, as ``change_record`` does; a record an edit
leaves out stays as it was). Anything that fails raises, and the batch stays in the
inbox with the reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from bearwitness.crypto import odk
from bearwitness.crypto.files import decrypt_bytes
from bearwitness.crypto.seal import seal_for_recipient
from bearwitness.domain.records import RECORD_TYPES, record_type
from bearwitness.errors import ArchiveError, InputError, Phrase
from bearwitness.intake.importers import ImportRow
from bearwitness.services import field_forms, odk_forms, odk_keys
from bearwitness.services._sealing import open_record
from bearwitness.services.archive import Archive
from bearwitness.services.openrosa import neutral_name, unpack_bundle
from bearwitness.services.writing import change_record, resolve_rows, write_records
from bearwitness.store import rows as store
from bearwitness.store.schema import folded_submissions

KEY_PURPOSE = "odk-ids"
DISCARD_IT = Phrase("Discard it.")
MEDIA_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "m4a": "audio/mp4",
    "amr": "audio/amr",
    "3gp": "audio/3gpp",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
    "mp4": "video/mp4",
    "pdf": "application/pdf",
    "txt": "text/plain",
}
SEALING_THREADS = 8  # for a group's media (mostly waiting on the disk, so more than the CPUs)
COUNTS = {"exact": "{}", "about": "~{}", "at_least": ">={}", "at_most": "<={}"}
# Fields of the incident form that become a record's field (the rest go to the document).
_MAPPED = {
    "title",
    "description",
    "date",
    "district",
    "location",
    "victims_count",
    "victims_qualifier",
    "victim_name",
    "victim_sex",
    "act_type",
    "act_date",
    "involvement",
    "consequences",
    "act_notes",
    "perpetrator_name",
    "perpetrator_notes",
    "photo",
    "audio",
    "document",
    "instanceID",
    "deprecatedID",
    "instanceName",
}


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: Any, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if _local(child.tag) == name]


def _mark(key: bytes, instance_id: str) -> str:
    return hmac.new(key, b"instance\n" + instance_id.encode(), hashlib.sha256).hexdigest()[:24]


@dataclass(frozen=True)
class Prepared:
    """One submission opened and mapped, ready to be written (alone or with others)."""

    batch: str
    rows: list[tuple[dict[str, Any], str | None]]
    contents: Mapping[str, bytes]
    marks: list[str]  # the batch's marks, with the instance's own
    root_mark: str  # the instance's first version's mark (its own, but for an edit)
    edit: bool  # a new version of records written before: written alone


def fold_batch(
    archive: Archive,
    body: Mapping[str, Any],
    batch: str,
    files: Sequence[Path | None],
    marks: Sequence[str],
) -> int:
    """Write one OpenRosa batch's records; the number of records written or changed."""
    prepared = prepare_batch(archive, body, batch, files, marks)
    return 0 if prepared is None else write_prepared(archive, [prepared])


def prepare_batch(
    archive: Archive,
    body: Mapping[str, Any],
    batch: str,
    files: Sequence[Path | None],
    marks: Sequence[str],
    *,
    pending: Mapping[str, str] | None = None,
    private: Callable[[], Sequence[rsa.RSAPrivateKey]] | None = None,
) -> Prepared | None:
    """Open, decrypt, check and map one OpenRosa batch, writing nothing; None when its
    instance was written in already (sent twice). ``pending``: the marks of instances
    prepared but not written yet, with their root marks (so an edit of one, or the same
    one twice, is known before they are written). ``private``: gives the archive's ODK
    keys, the current one and those before rotations (opened once for a whole fold; by
    default opened here)."""
    pending = pending or {}
    secrets = archive.require_secrets()
    opened: dict[str, bytes] = {}
    xml: bytes | None = None
    encrypted = False
    fictional = False
    for entry, path in zip(body["rows"], files, strict=True):
        data = entry["data"]
        if path is None:
            raise ArchiveError(
                Phrase("inbox batch %(batch)s lacks a file", batch=batch), hint=DISCARD_IT
            )
        content = decrypt_bytes(
            path, secrets.identities, expected_sha256=data.get("sha256"), what=f"batch {batch}"
        )
        if data.get("odk") == "xml":
            xml, encrypted, fictional = (
                content,
                bool(data.get("encrypted")),
                bool(data.get("fictional")),
            )
        elif data.get("odk") == "bundle":  # the XML and its files in one (from 2026-12)
            xml, opened = unpack_bundle(content)
            encrypted, fictional = bool(data.get("encrypted")), bool(data.get("fictional"))
        elif data.get("odk") == "file" and isinstance(data.get("name"), str):
            opened[odk.check_file_name(data["name"])] = content
        else:
            raise ArchiveError(
                Phrase("inbox batch %(batch)s is malformed", batch=batch), hint=DISCARD_IT
            )
    if xml is None:
        raise ArchiveError(
            Phrase("inbox batch %(batch)s has no submission XML", batch=batch), hint=DISCARD_IT
        )
    if encrypted:
        manifest = odk.parse_manifest(xml)
        key_of = private or (lambda: odk_keys.private_keys(archive))
        plain = odk.open_submission(key_of(), manifest, opened)
        xml = plain.xml
        media = {name: neutral_name(name, index) for index, name in enumerate(plain.media, start=1)}
        contents = {media[name]: data for name, data in plain.media.items()}
        names_in_xml = media
    else:
        contents = opened
        names_in_xml = {name: name for name in opened}
    root = odk.parse_xml(xml)
    meta = next((child for child in root if _local(child.tag) == "meta"), None)
    instance_id = _text(meta, "instanceID") if meta is not None else ""
    deprecated = _text(meta, "deprecatedID") if meta is not None else ""
    if not instance_id:
        raise InputError(
            Phrase("the submission has no instanceID"), hint=Phrase("It cannot be written in.")
        )
    if encrypted and (
        instance_id != manifest.instance_id or root.attrib.get("id") != manifest.form_id
    ):
        raise InputError(
            Phrase("the decrypted submission names another instance or form than its manifest"),
            hint=Phrase("It was put together from two submissions: discard it."),
        )
    # Of the first key generation, which every unlock holds: ids and marks stay the same
    # across `keys rotate`, so an edit after a rotation still finds its first version.
    key = secrets.subkey(KEY_PURPOSE, generation=1)
    mark = _mark(key, instance_id)
    with archive.engine.connect() as connection:
        if mark in pending or _root_of(connection, mark) is not None:
            return None  # this instance was written in already (sent twice)
        root_mark = mark
        if deprecated:
            old = _mark(key, deprecated)
            found = pending.get(old) or _root_of(connection, old)
            if found is None:
                raise InputError(
                    Phrase("this is an edit of a submission that has not been written in yet"),
                    hint=Phrase("Fold again once the first version is in (inbox retry)."),
                )
            root_mark = found
    custom = None
    if root.attrib.get("id") != odk_forms.FORM_ID:
        custom = field_forms.find(archive.folder, str(root.attrib.get("id", "")))
    rows = map_submission(
        root,
        names_in_xml,
        contents,
        ids=lambda path, prefix: _record_id(key, root_mark, path, prefix),
        received=archive.now()[:7],
        fictional=fictional,
        mapping=custom.mapping if custom is not None else None,
    )
    return Prepared(
        batch,
        rows,
        contents,
        [*marks, f"odk:{mark}:{root_mark}"],
        root_mark,
        bool(deprecated),
    )


def instance_mark(prepared: Prepared) -> str:
    """The mark of the instance ``prepared`` holds, as ``pending`` is keyed."""
    return prepared.marks[-1].split(":")[1]


def write_prepared(archive: Archive, items: Sequence[Prepared]) -> int:
    """Write prepared submissions in one transaction (one ``write_records``, one sync of
    the log); the number of records written or changed. An edit is written alone."""
    if len(items) > 1 and any(item.edit for item in items):
        raise ValueError("an edit is written alone, after the versions it changes")
    if not items:
        return 0
    if items[0].edit:
        item = items[0]
        return _write(archive, item.batch, item.rows, item.contents, item.marks)
    return _write_many(archive, items)


def _root_of(connection: Any, mark: str) -> str | None:
    column = folded_submissions.c.submission_id
    if connection.dialect.name == "sqlite":
        # A range of the primary key (";" follows ":" bytewise, SQLite's default order),
        # not LIKE, which SQLite answers by reading every submission ever folded.
        # PostgreSQL's collation may order punctuation otherwise: LIKE there.
        where = [column > f"odk:{mark}:", column < f"odk:{mark};"]
    else:
        where = [column.like(f"odk:{mark}:%")]
    found = connection.scalar(select(column).where(*where).limit(1))
    return str(found).rsplit(":", 1)[-1] if found else None


def _record_id(key: bytes, root_mark: str, path: str, prefix: str) -> str:
    digest = hmac.new(key, f"id\n{root_mark}\n{path}".encode(), hashlib.sha256).hexdigest()
    return f"{prefix}-ODK{digest[:12].upper()}"


def map_submission(
    root: Any,
    names_in_xml: Mapping[str, str],
    contents: Mapping[str, bytes],
    *,
    ids: Any,
    received: str,
    fictional: bool = False,
    mapping: Mapping[str, str] | None = None,
) -> list[tuple[dict[str, Any], str | None]]:
    """The records of one submission (data, and the file an evidence record holds).
    ``mapping``: an admin's own form's field map (field name -> ``event.title``...)."""
    ours = root.attrib.get("id") == odk_forms.FORM_ID
    document_id = ids("document", "D")
    event_id = ids("event", "E")
    rows: list[tuple[dict[str, Any], str | None]] = []
    base = {"fictional": fictional}
    mapped_event = False
    if not ours and mapping:
        rows = map_fields(root, mapping, ids=ids, event_id=event_id, base=base)
        mapped_event = any(data["type"] == "event" for data, _ in rows)
    if ours:
        event = next(iter(_children(root, "event")), root)
        count, qualifier = _text(event, "victims_count"), _text(event, "victims_qualifier")
        rows.append(
            (
                {
                    **base,
                    "type": "event",
                    "id": event_id,
                    "title": _text(event, "title") or "Field report",
                    "description": _text(event, "description"),
                    "date": _text(event, "date") or None,
                    "district": _text(event, "district"),
                    "location": _text(event, "location"),
                    "victims": COUNTS.get(qualifier or "exact", "{}").format(count)
                    if count
                    else None,
                },
                None,
            )
        )
        perpetrators = []
        for number, element in enumerate(_children(root, "perpetrators"), start=1):
            person_id = ids(f"perpetrator/{number}", "P")
            perpetrators.append(person_id)
            rows.append(
                (
                    {
                        **base,
                        "type": "person",
                        "id": person_id,
                        "role": "perpetrator",
                        "full_name": _text(element, "perpetrator_name"),
                        "notes": _text(element, "perpetrator_notes"),
                    },
                    None,
                )
            )
        for number, victim in enumerate(_children(root, "victims"), start=1):
            person_id = ids(f"victim/{number}", "P")
            rows.append(
                (
                    {
                        **base,
                        "type": "person",
                        "id": person_id,
                        "role": "victim",
                        "sex": _text(victim, "victim_sex") or "unknown",
                        "full_name": _text(victim, "victim_name"),
                    },
                    None,
                )
            )
            for act_number, act in enumerate(_children(victim, "acts"), start=1):
                rows.append(
                    (
                        {
                            **base,
                            "type": "act",
                            "id": ids(f"victim/{number}/act/{act_number}", "A"),
                            "event_id": event_id,
                            "victim_id": person_id,
                            "act_type": _text(act, "act_type"),
                            "date": _text(act, "act_date") or None,
                            "perpetrator_ids": perpetrators,
                            "involvement": _text(act, "involvement") or "unknown",
                            "consequences": _text(act, "consequences").split(),
                            "notes": _text(act, "act_notes"),
                        },
                        None,
                    )
                )
    notes = _unmapped(root, _MAPPED if ours else set(mapping or ()))
    rows.insert(
        0,
        (
            {
                **base,
                "type": "document",
                "id": document_id,
                "kind": "testimony",
                "received": received,
                "event_ids": [event_id] if ours or mapped_event else [],
                "title": f"Field submission ({root.attrib.get('id', 'form')[:100]})",
                "text": notes,
            },
            None,
        ),
    )
    fields: dict[str, str] = {}  # file -> the field that named it first
    for element in root.iter():
        value = (element.text or "").strip()
        if value in names_in_xml and (not ours or _local(element.tag) in odk_forms.MEDIA_FIELDS):
            fields.setdefault(names_in_xml[value], _local(element.tag))
    # Every file sent becomes evidence, named by a field or not: nothing is dropped.
    for name in sorted(contents, key=lambda n: (n not in fields, n)):
        extension = name.rsplit(".", 1)[-1]
        rows.append(
            (
                {
                    **base,
                    "type": "evidence",
                    "id": ids(f"media/{name}", "F"),
                    "document_id": document_id,
                    "media_type": MEDIA_TYPES.get(extension, "application/octet-stream"),
                    "size": len(contents[name]),
                    "filename": name,
                    "description": f"{fields.get(name, 'file')} from a field device (ODK), as sent",
                },
                name,
            )
        )
    return rows


def map_fields(
    root: Any,
    mapping: Mapping[str, str],
    *,
    ids: Any,
    event_id: str,
    base: Mapping[str, Any],
) -> list[tuple[dict[str, Any], str | None]]:
    """An admin's form's records by its field map: the event from ``event.*`` fields; a
    victim, an act or a perpetrator per element (a group or a repeat's turn) holding
    their fields. An act's victim is the one in its element or the nearest around it."""
    parents = {child: parent for parent in root.iter() for child in parent}
    event: dict[str, Any] = {}
    groups: dict[str, dict[Any, dict[str, str]]] = {"victim": {}, "act": {}, "perpetrator": {}}
    for element in root.iter():
        target = mapping.get(_local(element.tag))
        if target is None or len(element):
            continue
        kind, name = target.split(".", 1)
        value = (element.text or "").strip()
        if kind == "event":
            event.setdefault(name, value)
        else:
            groups[kind].setdefault(parents.get(element, root), {})[name] = value
    rows: list[tuple[dict[str, Any], str | None]] = []
    if event or groups["act"]:
        rows.append(
            (
                {
                    **base,
                    "type": "event",
                    "id": event_id,
                    "title": event.get("title") or "Field report",
                    "description": event.get("description", ""),
                    "date": event.get("date") or None,
                    "district": event.get("district", ""),
                    "location": event.get("location", ""),
                    "victims": event.get("victims") or None,
                },
                None,
            )
        )
    perpetrators = []
    for number, values in enumerate(groups["perpetrator"].values(), start=1):
        perpetrators.append(ids(f"perpetrator/{number}", "P"))
        rows.append(
            (
                {
                    **base,
                    "type": "person",
                    "id": perpetrators[-1],
                    "role": "perpetrator",
                    "full_name": values.get("full_name", ""),
                    "notes": values.get("notes", ""),
                },
                None,
            )
        )
    victims: dict[Any, str] = {}
    for number, (element, values) in enumerate(groups["victim"].items(), start=1):
        victims[element] = ids(f"victim/{number}", "P")
        rows.append(
            (
                {
                    **base,
                    "type": "person",
                    "id": victims[element],
                    "role": "victim",
                    "sex": values.get("sex") or "unknown",
                    "full_name": values.get("full_name", ""),
                },
                None,
            )
        )
    for number, (element, values) in enumerate(groups["act"].items(), start=1):
        if not values.get("act_type"):
            raise InputError(
                Phrase("an act has no type (the field mapped to act.act_type is empty)"),
                hint=Phrase("Map a required select_one of the act types to act.act_type."),
            )
        around: Any = element
        while around is not None and around not in victims:
            around = parents.get(around)
        rows.append(
            (
                {
                    **base,
                    "type": "act",
                    "id": ids(f"act/{number}", "A"),
                    "event_id": event_id,
                    "victim_id": victims.get(around) if around is not None else None,
                    "act_type": values["act_type"],
                    "date": values.get("date") or None,
                    "perpetrator_ids": perpetrators,
                    "involvement": values.get("involvement") or "unknown",
                    "consequences": values.get("consequences", "").split(),
                    "notes": values.get("notes", ""),
                },
                None,
            )
        )
    return rows


def _unmapped(root: Any, mapped: set[str]) -> str:
    """Every leaf field that no record takes, as ``path: value`` lines (sealed as notes)."""
    lines = []

    def walk(element: Any, path: str) -> None:
        children = list(element)
        name = _local(element.tag)
        here = f"{path}/{name}" if path else name
        if not children:
            value = (element.text or "").strip()
            if value and name not in mapped:
                lines.append(f"{here}: {value}")
            return
        for child in children:
            walk(child, here)

    for child in root:
        walk(child, "")
    return "\n".join(lines)


def _write(
    archive: Archive,
    batch: str,
    rows: list[tuple[dict[str, Any], str | None]],
    contents: Mapping[str, bytes],
    marks: Sequence[str],
) -> int:
    """New records through ``write_records`` (with the marks); existing ones (an edit)
    get a new version where they changed."""
    with archive.engine.connect() as connection:
        existing = {
            kind: store.existing_ids(
                connection, kind, [d["id"] for d, _ in rows if d["type"] == kind]
            )
            for kind in RECORD_TYPES
        }
    changed = 0
    for data, _ in rows:  # an edit: the changes first, then the new records and the marks
        if data["id"] not in existing.get(data["type"], set()) or data["type"] == "evidence":
            continue
        with archive.engine.connect() as connection:
            stored = store.fetch_record(connection, data["type"], data["id"])
        assert stored is not None
        current = open_record(archive.sealer, stored, data["id"]).to_dict()
        wanted = record_type(data["type"]).from_dict(data).to_dict()
        changes = {
            k: v for k, v in wanted.items() if current.get(k) != v and k not in ("id", "type")
        }
        if changes:
            change_record(archive, data["type"], data["id"], changes)
            changed += 1
    fresh = [
        (data, name) for data, name in rows if data["id"] not in existing.get(data["type"], set())
    ]
    scratch: list[Path] = []
    sealed_here: dict[Path, str] = {}
    try:
        import_rows = []
        for number, (data, name) in enumerate(fresh, start=1):
            path = None
            if name is not None:
                path = archive.inbox / f".{batch}.odk{number}.tmp"
                scratch.append(path)
                data = {**data, **_seal_scratch(archive, path, contents[name], sealed_here)}
            import_rows.append(ImportRow(number, data, path))
        resolved = resolve_rows(archive, import_rows, f"inbox batch {batch}")
        sealed_files = {
            record.id: row.file
            for row, record in zip(import_rows, resolved, strict=True)
            if row.file is not None
        }
        written = write_records(
            archive,
            resolved,
            sealed_files=sealed_files,
            sealed_here=_by_id(sealed_here, import_rows, resolved),
            operation="create",
            batch=marks,
        ).count
    finally:
        for path in scratch:
            with contextlib.suppress(OSError):
                path.unlink()
    return written + changed


def _write_many(archive: Archive, items: Sequence[Prepared]) -> int:
    """New submissions' records, every one through one ``write_records`` with every
    batch's marks: all written or none."""
    scratch: list[Path] = []
    sealed_here: dict[Path, str] = {}
    try:
        import_rows = []
        jobs: list[tuple[Path, bytes]] = []
        number = 0
        for item in items:
            for data, name in item.rows:
                number += 1
                path = None
                if name is not None:
                    path = archive.inbox / f".{item.batch}.odk{number}.tmp"
                    scratch.append(path)
                    jobs.append((path, item.contents[name]))
                import_rows.append(ImportRow(number, data, path))
        # Sealed, written and fsynced on several threads: hashing, writing and fsync let go
        # of the GIL, and fsyncs made at once share the file system's journal commits.
        with ThreadPoolExecutor(SEALING_THREADS) as pool:
            digests = dict(
                zip(
                    [path for path, _ in jobs],
                    pool.map(lambda job: _seal_scratch(archive, job[0], job[1], sealed_here), jobs),
                    strict=True,
                )
            )
        import_rows = [
            row
            if row.file is None
            else ImportRow(row.row, {**row.data, **digests[row.file]}, row.file)
            for row in import_rows
        ]
        source = f"inbox batch {items[0].batch}" if len(items) == 1 else "inbox batches (ODK)"
        resolved = resolve_rows(archive, import_rows, source)
        sealed_files = {
            record.id: row.file
            for row, record in zip(import_rows, resolved, strict=True)
            if row.file is not None
        }
        marks = [mark for item in items for mark in item.marks]
        return write_records(
            archive,
            resolved,
            sealed_files=sealed_files,
            sealed_here=_by_id(sealed_here, import_rows, resolved),
            operation="create",
            batch=marks,
        ).count
    finally:
        for path in scratch:
            with contextlib.suppress(OSError):
                path.unlink()


def _seal_scratch(
    archive: Archive, path: Path, content: bytes, sealed_here: dict[Path, str]
) -> dict[str, str]:
    """Seal one file of a submission to ``path`` for ``blobs/``; the record's ``sha256``.

    Sealed to the archive before it touches the disk: never plaintext there. A new file
    each time (never one a killed attempt linked into blobs/), durable before the commit
    that names it. ``sealed_here`` gets the sealed file's own SHA-256 (for the log), so
    that ``write_records`` neither opens it again to check it nor reads it to hash it.
    """
    sealed = seal_for_recipient(content, archive.recipient)
    path.unlink(missing_ok=True)
    with path.open("xb") as handle:
        handle.write(sealed)
        handle.flush()
        os.fsync(handle.fileno())
    sealed_here[path] = hashlib.sha256(sealed).hexdigest()
    return {"sha256": hashlib.sha256(content).hexdigest()}


def _by_id(
    sealed_here: Mapping[Path, str], rows: Sequence[ImportRow], resolved: Sequence[Any]
) -> dict[str, str]:
    return {
        record.id: sealed_here[row.file]
        for row, record in zip(rows, resolved, strict=True)
        if row.file is not None and row.file in sealed_here
    }
