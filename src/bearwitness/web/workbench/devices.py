"""The field devices page (admins): enrolled phones, enrolling one with a QR code, revoking.

Enrolling goes through the same service as `bearwitness devices add`
(:func:`bearwitness.services.devices.add`): only a hash of the device's token is kept,
so its URL and the QR code that sets up ODK Collect with it are shown on the answer to
the form, once, and never again. The QR code is drawn here, on the server; no outside
service sees the URL. The page is sent with ``Cache-Control: no-store``, as every page is.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from starlette.responses import Response

from bearwitness.errors import BearWitnessError
from bearwitness.services import devices
from bearwitness.web.i18n import N_
from bearwitness.web.rendering import gettext
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import page, redirect, sentence, status_for
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


def _refusal(language: str, error: BearWitnessError) -> str:
    return f"{sentence(gettext(language, error.message))}. {gettext(language, error.hint)}"


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
            error=_refusal(session.language, error),
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
            request, session, status=status_for(error), error=_refusal(session.language, error)
        )
    return redirect("/devices")
