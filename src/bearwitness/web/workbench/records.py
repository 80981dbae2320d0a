"""Workbench pages for records: lists, one record, revealing, evidence files, replies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response, StreamingResponse

from bearwitness.domain.records import RECORD_TYPES, Document, Evidence, Record
from bearwitness.errors import BearWitnessError, InputError, Phrase, TamperedError
from bearwitness.services import (
    audit,
    evidence,
    media,
    reading,
    related,
    triage,
)
from bearwitness.services.listing import vocabulary_of
from bearwitness.web.i18n import N_
from bearwitness.web.rendering import label, size
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import error_response, message, page, redirect
from bearwitness.web.workbench.state import Session

router = APIRouter(include_in_schema=False)
logger = logging.getLogger(__name__)

LISTED = (
    "event",
    "act",
    "person",
    "document",
    "source",
    "evidence",
    "claim",
    "intervention",
    "person_record",
)
COLUMNS: dict[str, tuple[str, ...]] = {
    "event": ("date", "district", "victims", "parent_id"),
    "act": ("event_id", "victim_id", "act_type", "date", "involvement", "consequences"),
    "person": ("role", "sex"),
    "document": ("kind", "source_id", "received", "event_ids"),
    "source": ("kind", "reliability"),
    "evidence": ("document_id", "media_type", "size"),
    "claim": ("document_id", "stance", "count", "event_ids"),
    "intervention": ("kind", "status", "person_id", "event_id", "date"),
    "person_record": ("list_name",),
}


def shown(kind: str, name: str, value: Any, language: str) -> str:
    """A clear value as people read it: vocabulary labels, lists joined."""
    if name == "size" and value not in (None, ""):
        return size(value, language)  # 12.4 KB, not 12700
    vocab = vocabulary_of(kind, name)
    items = value if isinstance(value, list | tuple) else [value]
    texts = [
        label(vocab, str(item), language) if vocab else str(item)
        for item in items
        if item not in (None, "")
    ]
    return ", ".join(texts)


def _kind(word: str) -> str:
    if word not in LISTED:
        raise HTTPException(404, "There is no such list.")
    return word


def _detail(
    request: Request,
    session: Session,
    record_id: str,
    *,
    status: int = 200,
    notice: str = "",
    **context: Any,
) -> Response:
    """A record's page; ``context``: what a form on it shows again (a picker's choices)."""
    keys = request.app.state.keys
    archive = keys.archive
    reveal = record_id in session.revealed and not keys.locked
    try:
        view = reading.get(archive, record_id, reveal=reveal)
        links = related.links(archive, view, names=reveal)
    except BearWitnessError as error:
        return error_response(request, session, error)
    cls = RECORD_TYPES[view.kind]
    clear = [
        (name, shown(view.kind, name, view.fields.get(name), session.language))
        for name in cls.clear_fields()
        if name not in ("id", "fictional")
    ]
    sealed = [(name, view.fields.get(name, "")) for name in cls.sealed_fields()] if reveal else []
    files = []
    warnings: list[tuple[str, str]] = []  # (evidence id, gps or serial): unlocked only
    if view.kind == "document":
        files = reading.list_records(archive, "evidence", equals={"document_id": record_id})
    if not keys.locked:
        for item in files if view.kind == "document" else [view] if view.kind == "evidence" else []:
            opened = reading.open_full(archive, item.id)
            if isinstance(opened, Evidence):
                warnings += [
                    (item.id, kind) for kind in media.metadata_warnings(opened.capture_metadata)
                ]
    from bearwitness.web.workbench import editing  # it imports this module

    notice = notice or editing.NOTICES.get(request.query_params.get("done", ""), "")
    try:
        history = editing.history_rows(request, session, view.kind, record_id, reveal=reveal)
    except BearWitnessError as error:
        return error_response(request, session, error)
    return page(
        request,
        "detail.html",
        session,
        status=status,
        view=view,
        clear=clear,
        sealed=sealed,
        sealed_names=cls.sealed_fields(),
        evidence=files,
        groups=[
            (
                TITLES.get((group.kind, group.field, group.backward), group.field),
                group,
                [(v.id, summary(v, session.language)) for v in group.views],
            )
            for group in links.groups
            if not (group.kind == "evidence" and view.kind == "document")
        ],
        entries=links.entries,
        lists=links.lists,
        revealed=reveal,
        notice=notice,
        history=history,
        # Field and record type names as the edit form says them, in the page's language.
        labels={
            name: editing.field_label(name) for name in (*cls.clear_fields(), *cls.sealed_fields())
        },
        kind_label=editing.KIND_LABELS.get(view.kind, view.kind.replace("_", " ")),
        metadata_warnings=warnings,
        previewed=media.IMAGE_TYPES,
        field_labels=editing.FIELD_LABELS,
        can_reply=reveal and view.kind == "document" and bool(view.fields.get("reply_key")),
        picks=context.pop("picks", {}),
        pick_form=context.pop("pick_form", {}),
        pick_error=context.pop("pick_error", ""),
        **context,
    )


# The heading of each group of linked records: (their kind, the linking field, backward).
TITLES = {
    ("act", "event_id", True): N_("Acts in this event (victims and perpetrators)"),
    ("act", "victim_id", True): N_("Acts against this person"),
    ("act", "perpetrator_ids", True): N_("Acts this person is named as a perpetrator of"),
    ("document", "event_ids", True): N_("Documents about this event"),
    ("document", "source_id", True): N_("Documents from this source"),
    ("evidence", "document_id", True): N_("Evidence files"),
    ("event", "parent_id", True): N_("Parts of this event"),
    ("event", "related_ids", True): N_("Events that name this one as related"),
    ("claim", "document_id", True): N_("Claims in this document"),
    ("claim", "event_ids", True): N_("Claims about this event"),
    ("intervention", "person_id", True): N_("Interventions for this person"),
    ("intervention", "event_id", True): N_("Interventions about this event"),
    ("event", "event_id", False): N_("Event"),
    ("event", "event_ids", False): N_("Events"),
    ("event", "parent_id", False): N_("Part of event"),
    ("event", "related_ids", False): N_("Related events"),
    ("person", "victim_id", False): N_("Victim"),
    ("person", "perpetrator_ids", False): N_("Perpetrators"),
    ("person", "person_id", False): N_("Person"),
    ("source", "source_id", False): N_("Source"),
    ("document", "document_id", False): N_("Document"),
}
# What a linked record shows next to its id, by kind.
SUMMARY = {
    "event": ("date", "district"),
    "act": ("act_type", "date", "victim_id", "perpetrator_ids"),
    "person": ("role", "sex"),
    "document": ("kind", "received"),
    "source": ("kind", "reliability"),
    "evidence": ("media_type", "size"),
    "claim": ("stance", "count"),
    "intervention": ("kind", "status", "person_id", "date"),
    "person_record": ("list_name",),
}


def summary(view: reading.RecordView, language: str) -> list[tuple[str, str]]:
    """A linked record's clear facts as (field, text), for its line on another's page."""
    return [
        (name, text)
        for name in SUMMARY.get(view.kind, ())
        if (text := shown(view.kind, name, view.fields.get(name), language))
    ]


@router.get("/records/{kind}/{record_id}")
def detail(
    request: Request, kind: str, record_id: str, staff: Annotated[Staff, Depends(Needs("view"))]
) -> Response:
    session = staff.session
    _kind(kind)
    try:
        matches = reading.kind_of(record_id) == kind
    except InputError:
        matches = False
    if not matches:
        raise HTTPException(404, "There is no such record.")
    return _detail(request, session, record_id)


@router.post("/records/{kind}/{record_id}/reveal")
async def reveal(
    request: Request, kind: str, record_id: str, staff: Annotated[Staff, Depends(Needs("reveal"))]
) -> Response:
    session, user, form = staff
    keys = request.app.state.keys
    if keys.locked:
        return message(request, session, "Locked", "Revealing needs an unlock.", status=409)
    reading.get(keys.archive, record_id)  # exists, or NotFound
    session.revealed.add(record_id)
    audit.record(
        keys.archive.engine,
        at=keys.archive.now(),
        actor=user.actor,
        action="reveal",
        target=record_id,
    )
    return redirect(_back(kind, record_id, form))


@router.post("/records/{kind}/{record_id}/hide")
async def hide(
    request: Request, kind: str, record_id: str, staff: Annotated[Staff, Depends(Needs("view"))]
) -> Response:
    session, _, form = staff
    session.revealed.discard(record_id)
    return redirect(_back(kind, record_id, form))


def _back(kind: str, record_id: str, form: object) -> str:
    """Where a reveal or hide returns to: the record's page, or its case page."""
    back = form.get("back") if hasattr(form, "get") else None  # a starlette FormData
    if kind == "intervention" and back == "case":
        return f"/cases/{record_id}"
    return f"/records/{kind}/{record_id}"


@router.post("/records/document/{record_id}/reply")
async def reply(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("triage"))]
) -> Response:
    session, user, form = staff
    keys = request.app.state.keys
    try:
        record = reading.open_full(keys.archive, record_id)
        if not isinstance(record, Document) or not record.reply_key:
            raise InputError(
                Phrase("this document cannot be replied to"),
                hint=Phrase("Only anonymous submissions from the web intake can."),
            )
        text = form.get("text")
        # Sealed for the source, and a sealed copy kept for the conversation (triage.reply).
        await asyncio.to_thread(
            triage.reply, keys.for_user(user), record_id, text if isinstance(text, str) else ""
        )
    except BearWitnessError as error:
        return error_response(request, session, error)
    return _detail(request, session, record_id, notice=N_("The reply was sealed for the source."))


def _evidence(
    request: Request, staff: Staff, record_id: str, action: str = "download"
) -> tuple[Session, Evidence]:
    """The evidence record, its opening audited as ``action`` (a download or a preview)."""
    session, user, _ = staff
    keys = request.app.state.keys
    record = reading.open_full(keys.archive, record_id)  # LockedError while locked
    if not isinstance(record, Evidence):
        raise HTTPException(404, "There is no such evidence file.")
    audit.record(
        keys.archive.engine,
        at=keys.archive.now(),
        actor=user.actor,
        action=action,
        target=record_id,
    )
    return session, record


async def plaintext_chunks(
    chunks: evidence.PlaintextChunks, *, on_mismatch: Callable[[], None]
) -> AsyncGenerator[bytes, None]:
    """A download's body: the service's chunks, each taken in a worker thread so the event
    loop never waits on decryption. A file that does not match its record is broken off
    before its last chunk (the service withholds it); ``on_mismatch`` is called then. When
    the client goes away Starlette closes this generator, which stops the decryption."""
    try:
        while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
            yield chunk
    except TamperedError:
        await asyncio.to_thread(on_mismatch)
        raise
    finally:
        chunks.close()


@router.get("/evidence/{record_id}/download")
def download(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("reveal"))]
) -> Response:
    session, record = _evidence(request, staff, record_id)
    assert session.user is not None
    archive = request.app.state.keys.archive
    name = media.safe_name(record.filename or record.id, "")
    ascii_name = (
        "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in name)
        or record.id
    )
    actor = session.user.actor

    def mismatch() -> None:
        # Ids only: the audit trail says which file failed, the log says nothing more.
        logger.error("evidence %s does not match its recorded SHA-256", record.id)
        audit.record(
            archive.engine,
            at=archive.now(),
            actor=actor,
            action="download_mismatch",
            target=record.id,
        )

    return StreamingResponse(
        plaintext_chunks(evidence.open_chunks(archive, record), on_mismatch=mismatch),
        media_type=record.media_type if "/" in record.media_type else "application/octet-stream",
        headers={
            "content-disposition": f'attachment; filename="{ascii_name}"',
            "content-length": str(record.size),
        },
    )


@router.get("/evidence/{record_id}/preview")
async def preview(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("reveal"))]
) -> Response:
    _, record = _evidence(request, staff, record_id, "preview")
    if record.media_type not in media.IMAGE_TYPES:
        raise HTTPException(404, "Only images have a preview.")
    archive = request.app.state.keys.archive
    data = await asyncio.to_thread(evidence.open_bytes, archive, record)
    _, clean = await asyncio.to_thread(media.strip_image, data, request.app.state.images)
    return Response(clean, media_type="image/png")


def record_title(record: Record) -> str:
    return str(getattr(record, "title", "") or getattr(record, "full_name", "") or record.id)
