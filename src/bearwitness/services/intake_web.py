"""Anonymous submissions from the web intake: checked, sealed, and put in the inbox.

Unlike :func:`bearwitness.services.inbox.submit`, nothing here touches a
plaintext file or the database: the testimony and its files arrive in memory,
are checked as records, and each is sealed to the archive's public key before
anything is written. Ids are random (``D-7F3A…``), so submissions waiting in
the inbox never collide when folded. Images also get a copy with their
metadata (EXIF, GPS, comments) removed; the sealed original is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, insert, select

from bearwitness.crypto.replies import (
    normalise_code,
    open_reply,
    reply_box,
    reply_public_key,
    seal_reply,
)
from bearwitness.domain.records import record_type
from bearwitness.errors import InputError, Phrase
from bearwitness.services import inbox as inbox_batches
from bearwitness.services import media
from bearwitness.store.schema import intake_replies


@dataclass(frozen=True)
class Upload:
    """A file as a source sent it; ``name`` is only what their browser claimed."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Submission:
    text: str
    language: str
    when: str = ""
    place: str = ""
    files: Sequence[Upload] = ()
    fictional: bool = False


@dataclass(frozen=True)
class Limits:
    max_text_chars: int = 100_000
    max_files: int = 5
    max_file_bytes: int = 20 * 1024 * 1024
    # Clean copies of images: their limits, and the workers every request shares.
    images: media.ImageWork = field(default_factory=media.ImageWork)


EMPTY = Phrase("the account is empty")
WRITE_IT = Phrase("Write what happened, then send it again.")
SHORTEN = Phrase("Shorten it, or send the rest as a text file.")


def _too_long(most: int) -> Phrase:
    return Phrase("the account is longer than %(n)s characters", n=most)


def random_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6).upper()}"


def build_rows(
    submission: Submission, receipt_code: str, *, received: str, limits: Limits
) -> list[tuple[dict[str, object], bytes | None]]:
    """The records (as data) and file contents of one submission, all checked."""
    text = submission.text.strip()
    if not text:
        raise InputError(EMPTY, hint=WRITE_IT)
    if len(text) > limits.max_text_chars:
        raise InputError(_too_long(limits.max_text_chars), hint=SHORTEN)
    if len(submission.files) > limits.max_files:
        raise InputError(
            Phrase("more than %(n)s files", n=limits.max_files),
            hint=Phrase("Send at most %(n)s files at once.", n=limits.max_files),
        )
    parts = [text]
    if submission.when.strip():
        parts.append(f"When: {submission.when.strip()[:200]}")
    if submission.place.strip():
        parts.append(f"Where: {submission.place.strip()[:200]}")
    document_id = random_id("D")
    rows: list[tuple[dict[str, object], bytes | None]] = [
        (
            {
                "type": "document",
                "id": document_id,
                "kind": "submission",
                "received": received,
                "title": "Anonymous submission",
                "text": "\n\n".join(parts),
                "language": submission.language,
                "reply_key": reply_public_key(receipt_code),
                "fictional": submission.fictional,
            },
            None,
        )
    ]
    for upload in submission.files:
        if len(upload.data) > limits.max_file_bytes:
            raise InputError(
                Phrase(
                    "a file is larger than %(mb)s MB", mb=limits.max_file_bytes // (1024 * 1024)
                ),
                hint=Phrase("Send a smaller file, or split it."),
            )
    rows += evidence_rows(
        document_id,
        submission.files,
        lambda: random_id("F"),
        fictional=submission.fictional,
        images=limits.images,
    )
    for data, _ in rows:  # every record must build, or nothing is written
        record_type(str(data["type"])).from_dict(data)
    return rows


def evidence_rows(
    document_id: str,
    uploads: Sequence[Upload],
    new_id: Callable[[], str],
    *,
    images: media.ImageWork,
    fictional: bool = False,
) -> list[tuple[dict[str, object], bytes | None]]:
    """Evidence records for uploaded files; an image also gets a copy without metadata
    (made by ``images``' workers)."""
    rows: list[tuple[dict[str, object], bytes | None]] = []
    for upload in uploads:
        checked = media.inspect(upload.data, upload.name, images)
        original_id = new_id()
        rows.append(
            (
                {
                    "type": "evidence",
                    "id": original_id,
                    "document_id": document_id,
                    "sha256": hashlib.sha256(upload.data).hexdigest(),
                    "media_type": checked.media_type,
                    "size": len(upload.data),
                    "filename": checked.safe_name,
                    "description": "original, as sent",
                    "capture_metadata": checked.metadata_text,
                    "fictional": fictional,
                },
                upload.data,
            )
        )
        if checked.clean_copy is not None:
            rows.append(
                (
                    {
                        "type": "evidence",
                        "id": new_id(),
                        "document_id": document_id,
                        "sha256": hashlib.sha256(checked.clean_copy).hexdigest(),
                        "media_type": checked.clean_media_type,
                        "size": len(checked.clean_copy),
                        "filename": checked.clean_name,
                        "description": f"copy of {original_id} without metadata",
                        "fictional": fictional,
                    },
                    checked.clean_copy,
                )
            )
    return rows


def submit_sealed(
    inbox: Path,
    recipient: str,
    submission: Submission,
    *,
    limits: Limits | None = None,
    now: dt.datetime | None = None,
    fsync: bool = True,
) -> tuple[str, str]:
    """Seal one submission into the inbox; returns (batch id, receipt code)."""
    from bearwitness.crypto.replies import new_receipt_code

    code = new_receipt_code()
    moment = now or dt.datetime.now(dt.UTC)
    rows = build_rows(
        submission, code, received=moment.strftime("%Y-%m"), limits=limits or Limits()
    )
    batch = seal_into_inbox(
        inbox, recipient, rows, source="web intake", actor="U-intake", now=moment, fsync=fsync
    )
    return batch, code


def seal_into_inbox(
    inbox: Path,
    recipient: str,
    rows: Sequence[tuple[dict[str, object], bytes | None]],
    *,
    source: str,
    actor: str,
    now: dt.datetime | None = None,
    fsync: bool = True,
) -> str:
    """Seal checked records and their file contents into the inbox as one batch; its id.

    Written by :func:`bearwitness.services.inbox.write_batch`, the one writer of the
    inbox's format, so :func:`bearwitness.services.inbox.fold` writes it in.
    """
    entries = [
        inbox_batches.Entry(number, data, content)
        for number, (data, content) in enumerate(rows, start=1)
    ]
    return inbox_batches.write_batch(
        inbox, recipient, entries, source=source, actor=actor, now=now, fsync=fsync
    )


def send_reply(engine: Engine, reply_key: str, text: str, *, at: str) -> None:
    """File a reply for the source holding the receipt code behind ``reply_key``."""
    text = text.strip()
    if not text or len(text) > 10_000:
        raise InputError(
            Phrase("a reply needs 1 to 10,000 characters"), hint=Phrase("Write the reply again.")
        )
    with engine.begin() as connection:
        connection.execute(
            insert(intake_replies).values(
                box=reply_box(reply_key), sealed=seal_reply(text, reply_key), created_at=at
            )
        )


def read_replies(engine: Engine, code: str) -> list[tuple[str, str]]:
    """(date, text) of every reply for the holder of ``code``, oldest first."""
    box = reply_box(reply_public_key(normalise_code(code)))
    with engine.connect() as connection:
        rows = connection.execute(
            select(intake_replies).where(intake_replies.c.box == box).order_by(intake_replies.c.idx)
        ).all()
    return [(row.created_at[:10], open_reply(row.sealed, code)) for row in rows]


def submit_follow_up(
    inbox: Path,
    recipient: str,
    code: str,
    text: str,
    *,
    language: str,
    fictional: bool = False,
    now: dt.datetime | None = None,
    fsync: bool = True,
) -> str:
    """Seal what a source adds later, with their receipt code, into the inbox; the batch.

    The code is never checked against anything (nothing here could, and a check would let
    codes be probed): its reply key travels sealed with the follow-up, and at triage the
    follow-up joins the conversation of the submission with the same key. A mistyped code
    still delivers the text, as a follow-up that joins no conversation.
    """
    text = text.strip()
    if not text:
        raise InputError(EMPTY, hint=WRITE_IT)
    if len(text) > Limits().max_text_chars:
        raise InputError(_too_long(Limits().max_text_chars), hint=SHORTEN)
    try:
        reply_key = reply_public_key(normalise_code(code))
    except InputError:
        reply_key = ""
    moment = now or dt.datetime.now(dt.UTC)
    data: dict[str, object] = {
        "type": "document",
        "id": random_id("D"),
        "kind": "follow_up",
        "received": moment.strftime("%Y-%m"),
        "title": "Follow-up from a source",
        "text": text,
        "language": language,
        "reply_key": reply_key,
        "fictional": fictional,
    }
    record_type("document").from_dict(data)
    return seal_into_inbox(
        inbox,
        recipient,
        [(data, None)],
        source="web intake",
        actor="U-intake",
        now=moment,
        fsync=fsync,
    )
