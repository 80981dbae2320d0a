"""Workbench pages for records: lists, one record, revealing, evidence files, replies."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import hmac
import logging
import queue
import threading
from collections.abc import AsyncGenerator, Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import pyrage
from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response, StreamingResponse

from bearwitness.crypto.keys import parse_identities
from bearwitness.domain import vocabulary
from bearwitness.domain.records import RECORD_TYPES, Document, Evidence, Record
from bearwitness.errors import ArchiveError, BearWitnessError, InputError, TamperedError
from bearwitness.services import audit, browse, intake_web, media, reading
from bearwitness.web.i18n import N_
from bearwitness.web.rendering import label
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
    "person_record": ("list_name", "person_id"),
}


def vocabulary_of(kind: str, name: str) -> vocabulary.Vocabulary | None:
    for field in dataclasses.fields(RECORD_TYPES[kind]):
        if field.name == name:
            found = field.metadata.get("vocabulary")
            return found if isinstance(found, vocabulary.Vocabulary) else None
    return None


def shown(kind: str, name: str, value: Any, language: str) -> str:
    """A clear value as people read it: vocabulary labels, lists joined."""
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


@router.get("/records/{kind}")
def list_page(
    request: Request, kind: str, staff: Annotated[Staff, Depends(Needs("view"))]
) -> Response:
    session = staff.session
    kind = _kind(kind)
    size = request.app.state.settings.page_size
    try:
        number = max(1, min(int(request.query_params.get("page", "1")), 100_000))
    except ValueError:
        number = 1
    filters: dict[str, Any] = {}
    act_type = request.query_params.get("act_type") or None
    if act_type is not None and act_type not in vocabulary.ACT_TYPES:
        act_type = None
    since = request.query_params.get("since") or None
    after = request.query_params.get("after") or None
    archive = request.app.state.keys.archive
    try:
        if act_type is None and since is None:  # plain paging: by id, as fast deep as early
            found = browse.page_after(archive, kind, after=after, limit=size + 1)
        else:
            found = reading.list_records(
                archive,
                kind,
                act_type=act_type,
                since=_iso(since),
                limit=size + 1,
                offset=(number - 1) * size,
                **filters,
            )
    except BearWitnessError as error:
        return error_response(request, session, error)
    columns = COLUMNS[kind]
    rows = [
        (view.id, [shown(kind, name, view.fields.get(name), session.language) for name in columns])
        for view in found[:size]
    ]
    keyset = act_type is None and since is None
    return page(
        request,
        "list.html",
        session,
        kind=kind,
        columns=columns,
        rows=rows,
        number=number,
        more=len(found) > size,
        act_type=act_type or "",
        since=since or "",
        keyset=keyset,
        after=after or "",
        last=rows[-1][0] if rows else "",
    )


def _iso(value: str | None) -> str | None:
    """A period's start as the list filter wants it (``2018-12`` -> ``2018-12-01``)."""
    if not value:
        return None
    from bearwitness.domain.dates import PartialDateRange

    try:
        return PartialDateRange.parse(value).earliest.isoformat()
    except InputError:
        return None


def _detail(
    request: Request, session: Session, record_id: str, *, status: int = 200, notice: str = ""
) -> Response:
    keys = request.app.state.keys
    archive = keys.archive
    reveal = record_id in session.revealed and not keys.locked
    try:
        view = reading.get(archive, record_id, reveal=reveal)
    except BearWitnessError as error:
        return error_response(request, session, error)
    cls = RECORD_TYPES[view.kind]
    clear = [
        (name, shown(view.kind, name, view.fields.get(name), session.language))
        for name in cls.clear_fields()
        if name != "id"
    ]
    sealed = [(name, view.fields.get(name, "")) for name in cls.sealed_fields()] if reveal else []
    evidence = []
    if view.kind == "document":
        evidence = reading.list_records(archive, "evidence", equals={"document_id": record_id})
    related: list[tuple[str, list[reading.RecordView]]] = []
    if view.kind == "event":
        related.append(
            ("act", reading.list_records(archive, "act", equals={"event_id": record_id}, limit=200))
        )
    elif view.kind == "person":
        related.append(
            (
                "act",
                reading.list_records(archive, "act", equals={"victim_id": record_id}, limit=200),
            )
        )
    return page(
        request,
        "detail.html",
        session,
        status=status,
        view=view,
        clear=clear,
        sealed=sealed,
        sealed_names=cls.sealed_fields(),
        evidence=evidence,
        related=[
            (
                kind,
                [
                    (v.id, shown(kind, "act_type", v.fields.get("act_type"), session.language))
                    for v in views
                ],
            )
            for kind, views in related
            if views
        ],
        revealed=reveal,
        notice=notice,
        can_reply=reveal and view.kind == "document" and bool(view.fields.get("reply_key")),
    )


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
    session, user, _ = staff
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
    return redirect(f"/records/{kind}/{record_id}")


@router.post("/records/{kind}/{record_id}/hide")
async def hide(
    request: Request, kind: str, record_id: str, staff: Annotated[Staff, Depends(Needs("view"))]
) -> Response:
    session = staff.session
    session.revealed.discard(record_id)
    return redirect(f"/records/{kind}/{record_id}")


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
                "this document cannot be replied to",
                hint="Only anonymous submissions from the web intake can.",
            )
        text = form.get("text")
        intake_web.send_reply(
            keys.archive.engine,
            record.reply_key,
            text if isinstance(text, str) else "",
            at=keys.archive.now(),
        )
    except BearWitnessError as error:
        return error_response(request, session, error)
    audit.record(
        keys.archive.engine,
        at=keys.archive.now(),
        actor=user.actor,
        action="reply",
        target=record_id,
    )
    return _detail(request, session, record_id, notice=N_("The reply was sealed for the source."))


def _evidence(request: Request, staff: Staff, record_id: str) -> tuple[Session, Evidence]:
    session, user, _ = staff
    keys = request.app.state.keys
    record = reading.open_full(keys.archive, record_id)  # LockedError while locked
    if not isinstance(record, Evidence):
        raise HTTPException(404, "There is no such evidence file.")
    audit.record(
        keys.archive.engine,
        at=keys.archive.now(),
        actor=user.actor,
        action="download",
        target=record_id,
    )
    return session, record


PUT_WAIT = 0.5  # seconds between the decrypting thread's looks at the cancel flag
STALL_SECONDS = 300.0  # a client that takes nothing for this long is given up on
QUEUED_CHUNKS = 16  # of pyrage's 8 KiB: what waits between the thread and the client


class _Cancelled(Exception):
    """The client went away (or stalled): the decrypting thread stops."""


async def plaintext_chunks(
    path: Path,
    identity: str | Sequence[str],
    *,
    expected_sha256: str,
    on_mismatch: Callable[[], None],
    cancel: threading.Event | None = None,
) -> AsyncGenerator[bytes, None]:
    """Decrypt an age file in a thread, handing plaintext over in chunks (never on disk).

    The plaintext is hashed as it goes and the last chunk is held back until the hash is
    known: a file that does not match ``expected_sha256`` is never delivered whole.
    ``on_mismatch`` is called then, and :class:`TamperedError` ends the response. When
    the client goes away (the response is closed) or ``cancel`` is set, the thread stops.
    """
    cancel = cancel or threading.Event()
    chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=QUEUED_CHUNKS)

    def put(item: bytes | BaseException | None) -> None:
        waited = 0.0
        while not cancel.is_set():
            try:
                chunks.put(item, timeout=PUT_WAIT)
                return
            except queue.Full:
                waited += PUT_WAIT
                if waited >= STALL_SECONDS:
                    cancel.set()
        raise _Cancelled()

    class Writer:
        def write(self, data: bytes) -> int:
            put(bytes(data))
            return len(data)

        def flush(self) -> None:
            return None

    def work() -> None:
        try:
            with path.open("rb") as source:
                pyrage.decrypt_io(source, Writer(), parse_identities(identity))
            put(None)
        except BaseException as error:
            if not cancel.is_set():
                with contextlib.suppress(_Cancelled):
                    put(error)

    worker = threading.Thread(target=work, name="bw-download", daemon=True)
    worker.start()
    digest = hashlib.sha256()
    held: bytes | None = None
    try:
        while True:
            try:
                item = await asyncio.to_thread(chunks.get, True, PUT_WAIT)
            except queue.Empty:
                if not worker.is_alive() and chunks.empty():
                    raise ArchiveError(
                        "the evidence file could not be read to the end", hint="Try again."
                    ) from None
                continue
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            digest.update(item)
            if held is not None:
                yield held
            held = item
        if expected_sha256 and not hmac.compare_digest(digest.hexdigest(), expected_sha256.lower()):
            await asyncio.to_thread(on_mismatch)
            raise TamperedError(
                "the evidence file does not match its recorded SHA-256; "
                "the download was stopped before its end",
                hint="Restore the file from a backup, and check the server.",
            )
        if held is not None:
            yield held
    finally:
        cancel.set()


@router.get("/evidence/{record_id}/download")
def download(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("reveal"))]
) -> Response:
    session, record = _evidence(request, staff, record_id)
    assert session.user is not None
    archive = request.app.state.keys.archive
    blob = archive.blobs / f"{record.id}.age"
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
        plaintext_chunks(
            blob,
            archive.require_secrets().identities,
            expected_sha256=record.sha256,
            on_mismatch=mismatch,
        ),
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
    _, record = _evidence(request, staff, record_id)
    if record.media_type not in media.IMAGE_TYPES:
        raise HTTPException(404, "Only images have a preview.")
    archive = request.app.state.keys.archive
    from bearwitness.crypto.files import decrypt_bytes

    data = await asyncio.to_thread(
        decrypt_bytes,
        archive.blobs / f"{record.id}.age",
        archive.require_secrets().identities,
        expected_sha256=record.sha256 or None,
        what=record.id,
    )
    _, clean = await asyncio.to_thread(media.strip_image, data, request.app.state.images)
    return Response(clean, media_type="image/png")


def record_title(record: Record) -> str:
    return str(getattr(record, "title", "") or getattr(record, "full_name", "") or record.id)
