"""The field devices pages (admins): enrolled phones, enrolling one with a QR code,
revoking; and the archive's own XLSForms, uploaded and mapped to record fields.

Enrolling goes through the same service as `bearwitness devices add`
(:func:`bearwitness.services.devices.add`): only a hash of the device's token is kept,
so its URL and the QR code that sets up ODK Collect with it are shown on the answer to
the form, once, and never again. The QR code is drawn here, on the server; no outside
service sees the URL. The page is sent with ``Cache-Control: no-store``, as every page is.

XLSForms go through :mod:`bearwitness.services.field_forms`, as `bearwitness odk form`
does: the page shows each field with the record field it fills, and saves a new map.
"""

from __future__ import annotations

import asyncio
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from markupsafe import Markup
from starlette.datastructures import UploadFile
from starlette.responses import Response

from bearwitness.errors import BearWitnessError
from bearwitness.services import devices, field_forms
from bearwitness.web.i18n import N_
from bearwitness.web.rendering import gettext
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import page, redirect, said, status_for
from bearwitness.web.workbench.state import Session

router = APIRouter(include_in_schema=False)
QR_TITLE = N_("ODK Collect set-up code")


def _devices(
    request: Request,
    session: Session,
    *,
    status: int = 200,
    enrolled: dict[str, object] | None = None,
    error: str = "",
    base_url: str = devices.DEFAULT_BASE_URL,
) -> Response:
    archive = request.app.state.keys.archive
    return page(
        request,
        "devices.html",
        session,
        status=status,
        devices=devices.read(archive.folder),
        enrolled=enrolled,
        error=error,
        base_url=base_url,
    )


@router.get("/devices")
def devices_page(request: Request, staff: Annotated[Staff, Depends(Needs("devices"))]) -> Response:
    return _devices(request, staff.session)


@router.post("/devices")
async def add_device(
    request: Request, staff: Annotated[Staff, Depends(Needs("devices"))]
) -> Response:
    session, user, form = staff
    name = str(form.get("name") or "")[:100].strip()
    base_url = str(form.get("base_url") or "")[:500].strip() or devices.DEFAULT_BASE_URL
    archive = request.app.state.keys.for_user(user)
    try:
        device, url = await asyncio.to_thread(devices.add, archive, name, base_url=base_url)
    except BearWitnessError as error:
        return _devices(
            request,
            session,
            status=status_for(error),
            error=said(session.language, error),
            base_url=base_url,
        )
    svg = await asyncio.to_thread(
        devices.setup_qr_svg, url, title=gettext(session.language, QR_TITLE)
    )
    return _devices(
        request,
        session,
        enrolled={
            "name": device.name,
            "id": device.device_id,
            "url": url,
            "qr": Markup(svg),  # nosec B704 # segno's SVG: path data and the escaped title
        },
        base_url=base_url,
    )


@router.post("/devices/{device}/revoke")
async def revoke_device(
    request: Request, device: str, staff: Annotated[Staff, Depends(Needs("devices"))]
) -> Response:
    session, user, _ = staff
    archive = request.app.state.keys.for_user(user)
    try:
        await asyncio.to_thread(devices.revoke, archive, device[:100])
    except BearWitnessError as error:
        return _devices(
            request, session, status=status_for(error), error=said(session.language, error)
        )
    return redirect("/devices")


# -- the archive's own XLSForms ------------------------------------------------------

MAX_FORM_FIELDS = 400  # the map's form: one select per field of the XLSForm


def _forms(
    request: Request,
    session: Session,
    *,
    status: int = 200,
    error: str = "",
    shown: field_forms.FieldForm | None = None,
    saved: bool = False,
) -> Response:
    archive = request.app.state.keys.archive
    return page(
        request,
        "field_forms.html",
        session,
        status=status,
        forms=field_forms.every(archive.folder),
        targets=field_forms.TARGETS,
        shown=shown,
        error=error,
        saved=saved,
    )


@router.get("/forms")
def forms_page(request: Request, staff: Annotated[Staff, Depends(Needs("devices"))]) -> Response:
    return _forms(request, staff.session)


@router.post("/forms")
async def upload_form(
    request: Request, staff: Annotated[Staff, Depends(Needs("devices", files=1))]
) -> Response:
    session, user, form = staff
    upload = form.get("xlsform")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _forms(
            request,
            session,
            status=400,
            error=gettext(session.language, "Choose an XLSForm (.xlsx) to upload."),
        )
    data = await upload.read(field_forms.MAX_BYTES + 1)
    archive = request.app.state.keys.for_user(user)
    try:
        shown = await asyncio.to_thread(
            field_forms.upload, archive, data, PurePath(upload.filename).name[:200]
        )
    except BearWitnessError as error:
        return _forms(
            request, session, status=status_for(error), error=said(session.language, error)
        )
    return _forms(request, session, shown=shown, saved=True)


@router.get("/forms/{form_id}")
def form_page(
    request: Request, form_id: str, staff: Annotated[Staff, Depends(Needs("devices"))]
) -> Response:
    shown = field_forms.find(request.app.state.keys.archive.folder, form_id)
    if shown is None:
        raise HTTPException(404, "There is no such form.")
    return _forms(request, staff.session, shown=shown)


@router.post("/forms/{form_id}/map")
async def map_form(
    request: Request,
    form_id: str,
    staff: Annotated[Staff, Depends(Needs("devices", fields=MAX_FORM_FIELDS))],
) -> Response:
    session, user, form = staff
    archive = request.app.state.keys.for_user(user)
    wanted = {
        str(key)[4:]: str(value)
        for key, value in form.multi_items()
        if str(key).startswith("map:") and isinstance(value, str)
    }
    try:
        shown = await asyncio.to_thread(field_forms.set_mapping, archive, form_id, wanted)
    except BearWitnessError as error:
        return _forms(
            request,
            session,
            status=status_for(error),
            error=said(session.language, error),
            shown=field_forms.find(archive.folder, form_id),
        )
    return _forms(request, session, shown=shown, saved=True)
