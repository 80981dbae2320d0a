"""Tables out, in the browser: a list's export (CSV, XLSX) and the whole archive (``/export``).

A list's export (``POST /records/{kind}/export``): the list's filters and sort, every
row, as CSV or XLSX. Clear fields by default; sealed ones only for a role that may
export them (``export``), while unlocked, and when consent covers the purpose chosen
(``services/tables.py`` asks, audits and logs it).

The whole archive (``/export``, roles that may export): a job writes it opened, as
``bearwitness export`` does, zipped in memory; its page shows the ZIP's SHA-256, which
the download also carries (``Repr-Digest``, RFC 9530). A lock forgets the ZIP.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from bearwitness.errors import BearWitnessError, InputError, Phrase
from bearwitness.services import exporting, listing, tables
from bearwitness.services.consent import PURPOSES
from bearwitness.web.i18n import N_
from bearwitness.web.workbench.auth import Needs, NotPermitted, Staff, allowed
from bearwitness.web.workbench.common import error_response, message, page, redirect
from bearwitness.web.workbench.jobs import Job
from bearwitness.web.workbench.records import _kind
from bearwitness.web.workbench.transfer import field_text as _text
from bearwitness.web.workbench.transfer import held

router = APIRouter(include_in_schema=False)
EXPORT = N_("Export")
NEEDS_UNLOCK = N_("Exporting the archive needs an unlock: it opens every record.")
SEALED_NEEDS_UNLOCK = N_("Sealed fields can be exported after an unlock.")
GONE = N_("That export is no longer held: a lock or a newer export forgot it. Export again.")


# --- a list's export ------------------------------------------------------------------------


@router.post("/records/{kind}/export")
async def export_list(
    request: Request, kind: str, staff: Annotated[Staff, Depends(Needs("view", fields=40))]
) -> Response:
    session, user, form = staff
    kind = _kind(kind)
    filters = {name: _text(form, name) for name in listing.filter_names(kind) if _text(form, name)}
    sealed = [str(v)[:40] for v in form.getlist("sealed") if isinstance(v, str)]
    if sealed and not allowed(user, "export"):
        raise NotPermitted("export")
    keys = request.app.state.keys
    if sealed and keys.locked:
        return message(request, session, EXPORT, SEALED_NEEDS_UNLOCK, status=409)
    query = listing.ListQuery(kind, filters, sort=_text(form, "sort", 40) or "id")
    try:
        table = await asyncio.to_thread(
            tables.export_list,
            keys.for_user(user),
            query,
            _text(form, "format", 8) or "csv",
            sealed=sealed,
            purpose=_text(form, "purpose", 40) or "internal_casework",
            partner=_text(form, "partner", 200),
        )
    except BearWitnessError as error:
        return error_response(request, session, error)
    return Response(
        table.data,
        media_type=table.media_type,
        headers={
            "content-disposition": f'attachment; filename="{table.name}"',
            "repr-digest": _digest(table.sha256),
        },
    )


def _digest(sha256: str) -> str:
    """RFC 9530's ``Repr-Digest`` of a body whose SHA-256 is ``sha256`` (hex)."""
    return f"sha-256=:{base64.b64encode(bytes.fromhex(sha256)).decode()}:"


# --- the whole archive ----------------------------------------------------------------------


@router.get("/export")
def export_page(request: Request, staff: Annotated[Staff, Depends(Needs("export"))]) -> Response:
    job = request.app.state.jobs.latest("export")
    zipped = held(request).exports.get(job.id) if job is not None and job.finished else None
    return page(
        request,
        "export.html",
        staff.session,
        purposes=PURPOSES,
        job=job,
        zipped=zipped,
        refresh=job is not None and not job.finished,
    )


@router.post("/export")
async def export_archive(
    request: Request, staff: Annotated[Staff, Depends(Needs("export", fields=5))]
) -> Response:
    session, user, form = staff
    keys, jobs = request.app.state.keys, request.app.state.jobs
    if keys.locked:
        return message(request, session, EXPORT, NEEDS_UNLOCK, status=409)
    purpose = _text(form, "purpose", 40) or "internal_casework"
    partner = _text(form, "partner", 200)
    if purpose not in PURPOSES:
        raise InputError(
            Phrase("%(value)s is not a purpose consent can cover", value=repr(purpose)),
            hint=Phrase("Choose one."),
        )
    archive, check, kept = keys.for_user(user), keys.guard(), held(request)

    def work(job: Job) -> str:
        check()
        zipped = exporting.export_zip(archive, job.advance, purpose=purpose, partner=partner)
        check()  # locked meanwhile: the ZIP is not kept
        kept.keep_export(job.id, zipped)
        summary = zipped.summary
        job.counts = {
            "records": summary.records,
            "files": summary.files,
            "bytes": len(zipped.data),
            "left_out": len(summary.left_out),
        }
        return zipped.sha256

    with contextlib.suppress(InputError):  # one is running: its page shows how far it got
        jobs.start("export", user.actor, work)
    return redirect("/export")


@router.get("/export/{job_id}/download")
def download_export(
    request: Request, job_id: str, staff: Annotated[Staff, Depends(Needs("export"))]
) -> Response:
    zipped = held(request).exports.get(job_id[:64])
    if zipped is None:
        return message(request, staff.session, EXPORT, GONE, status=404)
    name = f"bearwitness-export-{zipped.sha256[:12]}.zip"
    return Response(
        zipped.data,
        media_type="application/zip",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "repr-digest": _digest(zipped.sha256),
        },
    )
