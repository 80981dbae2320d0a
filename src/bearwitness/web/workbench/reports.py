"""The reports page (analysts): compose a report from its sections, preview it, publish it.

The same service as `bearwitness report build` (:mod:`bearwitness.services.reporting`):
a preview is the report as it would be published, through the redaction check, but
nothing is signed, logged or kept; publishing builds it into the archive's folder
(``ARCHIVE/reports/RP-…/``), logs its manifest and offers its files for download.
Publishing runs as a job; the page shows it until it is done.

The evidence dossier (``bearwitness report dossier``) is built here too, by the same
service (:func:`bearwitness.services.dossier.build_packed`): choose the events, the
language and the purpose, and download its PDF and its folder as a zip. It is held in
the server's memory for the user who built it (never on disk), and a lock forgets it;
building it is logged as the command line's is.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import threading
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import FileResponse, Response

from bearwitness.domain import vocabulary as v
from bearwitness.errors import BearWitnessError, InputError, Phrase
from bearwitness.reports.spec import ReportSpec
from bearwitness.services import audit, dossier, reporting
from bearwitness.web.i18n import N_
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import error_response, page, redirect, status_for
from bearwitness.web.workbench.jobs import Job

router = APIRouter(include_in_schema=False)
SECTIONS = ("summary", "counts", "timeline", "estimates", "claims", "interventions", "method")
SECTION_NAMES = {
    "summary": N_("Summary"),
    "counts": N_("Documented counts"),
    "timeline": N_("Timeline of events"),
    "estimates": N_("Estimates"),
    "claims": N_("Claims and denials"),
    "interventions": N_("Interventions"),
    "method": N_("Method"),
}
MAX_PREVIEWS = 8  # kept in memory, per process: the newest ones
T = TypeVar("T")
PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


class HeldForUser(Generic[T]):
    """What this page built (previews, dossiers), in the server's memory only, by token, each
    for the user who built it; the newest ``most`` kept, and all forgotten at a lock."""

    def __init__(self, most: int) -> None:
        self._kept: dict[str, tuple[str, T]] = {}
        self._most = most
        self._lock = threading.Lock()

    def keep(self, actor: str, item: T) -> str:
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._kept[token] = (actor, item)
            while len(self._kept) > self._most:
                del self._kept[next(iter(self._kept))]
        return token

    def get(self, actor: str, token: str) -> T | None:
        with self._lock:
            kept = self._kept.get(token)
        return kept[1] if kept is not None and kept[0] == actor else None

    def forget(self) -> None:
        with self._lock:
            self._kept.clear()


def _held(request: Request, name: str, most: int) -> HeldForUser[Any]:
    state = request.app.state
    if not hasattr(state, name):
        setattr(state, name, HeldForUser(most))
        state.keys.on_lock.append(getattr(state, name).forget)
    found: HeldForUser[Any] = getattr(state, name)
    return found


DOSSIER_PURPOSES = ("court_proceedings", "internal_casework", "partner_sharing")
DOSSIER_FILES = {"dossier.pdf": "application/pdf", "dossier.zip": "application/zip"}
MAX_DOSSIERS = 4  # in memory, per process: the newest ones
_EVENT_IDS = re.compile(r"[,;\s]+")
_EPSILON = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,6})?")


def dossiers(request: Request) -> HeldForUser[dossier.PackedDossier]:
    return _held(request, "report_dossiers", MAX_DOSSIERS)


def _dossier_form(form: FormData | None) -> dict[str, str]:
    if form is None:
        return {"events": "", "lang": "en", "purpose": "court_proceedings", "partner": ""}
    return {
        "events": str(form.get("events") or "")[:400],
        "lang": str(form.get("dossier_lang") or "en"),
        "purpose": str(form.get("purpose") or "court_proceedings"),
        "partner": str(form.get("partner") or "")[:200],
    }


def previews(request: Request) -> HeldForUser[bytes]:
    """Previews (aggregate figures, through the redaction check)."""
    return _held(request, "report_previews", MAX_PREVIEWS)


def spec_of(form: FormData) -> ReportSpec:
    """The report the form composes (the same checks as a spec file's)."""
    chosen = [str(s) for s in form.getlist("sections") if str(s) in SECTIONS]
    if not chosen:
        raise InputError(Phrase("no section chosen"), hint=Phrase("Tick at least one section."))
    k_text = str(form.get("k") or "5").strip()
    if not k_text.isascii() or not k_text.isdigit() or len(k_text) > 4:
        raise InputError(
            Phrase("k %(value)s is not a whole number", value=repr(k_text[:10])),
            hint=Phrase("For example 5."),
        )
    data: dict[str, Any] = {
        "title": str(form.get("title") or "")[:200],
        "lang": str(form.get("lang") or "en"),
        "sections": chosen,
        "disclosure": {"k": int(k_text), "protect_zeros": form.get("protect_zeros") == "on"},
    }
    epsilon_text = str(form.get("epsilon") or "").strip().replace(",", ".")
    if epsilon_text:
        if not _EPSILON.fullmatch(epsilon_text):
            raise InputError(
                Phrase("epsilon %(value)s is not a number", value=repr(epsilon_text[:10])),
                hint=Phrase("For example 1 or 0.5."),
            )
        data["disclosure"]["epsilon"] = float(epsilon_text)
    return reporting.compose_spec(data)


def _composed(form: FormData | None) -> dict[str, Any]:
    """What the form had, to show it again (after a preview or an error)."""
    if form is None:
        return {
            "title": "",
            "lang": "en",
            "sections": list(SECTIONS),
            "k": "5",
            "zeros": False,
            "epsilon": "",
        }
    return {
        "title": str(form.get("title") or ""),
        "lang": str(form.get("lang") or "en"),
        "sections": [str(s) for s in form.getlist("sections")],
        "k": str(form.get("k") or "5"),
        "zeros": form.get("protect_zeros") == "on",
        "epsilon": str(form.get("epsilon") or "")[:12],
    }


def _page(
    request: Request, staff_session: Any, form: FormData | None = None, **extra: Any
) -> Response:
    keys = request.app.state.keys
    job = request.app.state.jobs.latest("report")
    return page(
        request,
        "reports.html",
        staff_session,
        composed=_composed(None if extra.get("dossier_form") else form),
        chosen=_dossier_form(form if extra.get("dossier_form") else None),
        purposes={
            code: v.CONSENT_SCOPES[code].label(staff_session.language) for code in DOSSIER_PURPOSES
        },
        sections=SECTIONS,
        section_names=SECTION_NAMES,
        published=reporting.published(keys.archive),
        job=job,
        refresh=job is not None and not job.finished,
        **extra,
    )


@router.get("/reports")
async def reports_page(
    request: Request, staff: Annotated[Staff, Depends(Needs("analyse"))]
) -> Response:
    return await asyncio.to_thread(_page, request, staff.session)


@router.post("/reports/preview")
async def preview(
    request: Request, staff: Annotated[Staff, Depends(Needs("analyse", fields=20))]
) -> Response:
    session, user, form = staff
    keys = request.app.state.keys
    try:
        spec = spec_of(form)
        ready = await asyncio.to_thread(
            reporting.prepare, keys.for_user(user), spec, with_pdf=False, sign=False
        )
    except BearWitnessError as error:
        status = status_for(error)
        if status >= 500:
            return error_response(request, session, error)
        return await asyncio.to_thread(_page, request, session, form, error=error, status=status)
    token = previews(request).keep(user.actor, ready.files[reporting.HTML])
    return await asyncio.to_thread(
        _page, request, session, form, preview=token, hidden=ready.hidden_cells
    )


@router.get("/reports/preview/{token}")
async def preview_page(
    request: Request, token: str, staff: Annotated[Staff, Depends(Needs("analyse"))]
) -> Response:
    html = previews(request).get(staff.user.actor, token[:40])
    if html is None:
        raise HTTPException(404, "This preview is gone: make it again.")
    # The report's own policy: it is a self-contained page with inline styles and SVG.
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": PREVIEW_POLICY, "Cache-Control": "no-store"},
    )


@router.post("/reports/publish")
async def publish(
    request: Request, staff: Annotated[Staff, Depends(Needs("analyse", fields=20))]
) -> Response:
    session, user, form = staff
    try:
        spec = spec_of(form)
    except InputError as error:
        return await asyncio.to_thread(_page, request, session, form, error=error, status=400)
    archive = request.app.state.keys.for_user(user)
    check = request.app.state.keys.guard()

    def work(job: Job) -> str:
        check()
        built = reporting.publish(archive, spec)
        return built.report_id

    try:
        request.app.state.jobs.start("report", user.actor, work)
    except InputError as error:
        return error_response(request, session, error)
    return redirect("/reports")


@router.post("/reports/dossier")
async def build_dossier(
    request: Request, staff: Annotated[Staff, Depends(Needs("reveal", fields=10))]
) -> Response:
    """The evidence dossier of the events chosen, as `report dossier` builds it."""
    session, user, form = staff
    chosen = _dossier_form(form)
    events = [e for e in _EVENT_IDS.split(chosen["events"]) if e][:50]
    try:
        if chosen["purpose"] not in DOSSIER_PURPOSES:
            raise InputError(
                Phrase("%(value)s is not a dossier purpose", value=repr(chosen["purpose"][:40])),
                hint=Phrase("Choose one of the purposes listed."),
            )
        packed = await asyncio.to_thread(
            dossier.build_packed,
            request.app.state.keys.for_user(user),
            events,
            lang=chosen["lang"],
            purpose=chosen["purpose"],
            partner=chosen["partner"],
        )
    except BearWitnessError as error:
        status = status_for(error)
        if status >= 500:
            return error_response(request, session, error)
        return await asyncio.to_thread(
            _page, request, session, form, dossier_error=error, dossier_form=True, status=status
        )
    archive = request.app.state.keys.archive
    audit.record(
        archive.engine,
        at=archive.now(),
        actor=user.actor,
        action="dossier",
        target=" ".join(packed.events),
    )
    token = dossiers(request).keep(user.actor, packed)
    return await asyncio.to_thread(
        _page, request, session, form, dossier=packed, dossier_token=token, dossier_form=True
    )


@router.get("/reports/dossier/{token}/{name}")
async def download_dossier(
    request: Request, token: str, name: str, staff: Annotated[Staff, Depends(Needs("reveal"))]
) -> Response:
    packed = dossiers(request).get(staff.user.actor, token[:40])
    if packed is None or name not in DOSSIER_FILES:
        raise HTTPException(404, "This dossier is gone: build it again.")
    data = packed.pdf if name == "dossier.pdf" else packed.zipped
    return Response(
        data,
        media_type=DOSSIER_FILES[name],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/reports/{report_id}/{name}", dependencies=[Depends(Needs("analyse"))])
async def download(request: Request, report_id: str, name: str) -> Response:
    path = await asyncio.to_thread(
        reporting.published_file, request.app.state.keys.archive, report_id[:20], name[:80]
    )
    return FileResponse(path, filename=name, headers={"Cache-Control": "private, no-store"})
