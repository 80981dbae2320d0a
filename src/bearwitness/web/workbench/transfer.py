"""Spreadsheets in, in the browser: ``/import`` (tables out: ``exports.py``).

Import (documenters): a CSV, XLSX or ODS file is read into memory (never written to
disk), its columns mapped to fields (by their names, or as they were mapped for the same
source before), and every row checked: the preview lists every problem by row and
column, and nothing is written while there is one. The import itself is a job with its
progress on ``/import``; it checks the rows again and calls the one store the command
line's ``import`` calls (``services/storing.py``): written now while unlocked, sealed into
the inbox while locked. What waits between requests (uploaded sheets, finished exports'
ZIPs) is held in memory by :class:`Held`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from bearwitness.errors import (
    BearWitnessError,
    ImportRejected,
    InputError,
    NotFound,
    Phrase,
    SheetRejected,
)
from bearwitness.services import column_maps, exporting, spreadsheets, storing
from bearwitness.web.i18n import N_
from bearwitness.web.rendering import gettext
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import error_response, page, redirect, said
from bearwitness.web.workbench.jobs import Job
from bearwitness.web.workbench.state import Session

router = APIRouter(include_in_schema=False)
logger = logging.getLogger(__name__)
UPLOADS_KEPT = 8  # sheets waiting between their preview and their import, in memory
UPLOAD_SECONDS = 3600.0
EXPORTS_KEPT = 2
NO_FILE = N_("Choose a file to import.")
REASONS = (  # spreadsheets.REASONS, for translation (tests/web/test_transfer.py compares)
    N_("cannot tell the format from the file's name"),
    N_("Import a .csv, .xlsx or .ods file."),
    N_("the file is empty"),
    N_("Choose the file again."),
    N_("the file holds no rows"),
    N_("Check that it has a header and data."),
    N_("more than %(most)s columns"),
    N_("column “%(heading)s” appears twice (columns %(first)s and %(second)s)"),
    N_("more than %(most)s rows"),
    N_("Split it, or import it with the command line."),
    N_("the file is UTF-16 text, not UTF-8; save it as UTF-8"),
    N_("a cell holds a NUL character"),
    N_("not valid CSV (%(error)s); check the quoting"),
    N_("column %(column)s: the text is not UTF-8; save the file as CSV UTF-8 and import it again"),
    N_(
        "column %(column)s: the text is not UTF-8 (it may be Windows-1251, as Excel saves "
        "Cyrillic); save the file as CSV UTF-8 and import it again"
    ),
    N_("Nothing was imported."),
    N_("the file unpacks to more than %(mb)s MB"),
    N_("Save it as CSV UTF-8, or split it."),
    N_("the file cannot be read as %(format)s"),
    N_("Open it in a spreadsheet program and save it again, or save it as CSV UTF-8."),
    N_("a formula cell; give its value instead (copy it, then paste values only)"),
    N_(
        "it begins with “%(sign)s”, which a spreadsheet runs as a formula; if it is text, "
        "write an apostrophe first ('%(sign)s…)"
    ),
    N_("larger than 1 MB"),
    N_("a value in a column with no header"),
    N_("“%(field)s” is not a field"),
    N_("field “%(field)s” is chosen for two columns"),
    N_("no column is mapped to a field"),
    N_("the sheet has a header but no data rows"),
    N_("id %(id)s is also on row %(row)s"),
)
FIELD_NAMES = (  # fields a column can be mapped to that no other page names
    N_("assignee"),
    N_("documents recovery"),
    N_("funds"),
    N_("impact"),
    N_("intervening party"),
    N_("journey"),
    N_("list record id"),
    N_("name"),
    N_("outlet"),
    N_("parties requested"),
    N_("partner organisation"),
    N_("perpetrator ids"),
    N_("priority"),
    N_("published"),
    N_("related ids"),
    N_("response"),
    N_("risk level"),
    N_("risk review"),
    N_("safety plan"),
    N_("triage notes"),
    N_("triage status"),
    N_("url"),
)


@dataclass(frozen=True)
class Upload:
    id: str
    actor: str
    sheet: spreadsheets.Sheet
    kind: str
    source: str
    fictional: bool
    at: float


class Held:
    """What the import and export pages keep in memory between requests: uploaded sheets
    (each its user's own) and finished exports' ZIPs; a lock forgets both."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.uploads: dict[str, Upload] = {}
        self.exports: dict[str, exporting.ZippedExport] = {}
        self._lock = threading.Lock()

    def add(
        self, actor: str, sheet: spreadsheets.Sheet, kind: str, source: str, fictional: bool
    ) -> Upload:
        upload = Upload(secrets.token_hex(12), actor, sheet, kind, source, fictional, self.clock())
        with self._lock:
            now = self.clock()
            for old in [u for u in self.uploads.values() if now - u.at > UPLOAD_SECONDS]:
                del self.uploads[old.id]
            while len(self.uploads) >= UPLOADS_KEPT:
                del self.uploads[min(self.uploads.values(), key=lambda u: u.at).id]
            self.uploads[upload.id] = upload
        return upload

    def upload(self, upload_id: str, actor: str) -> Upload:
        with self._lock:
            found = self.uploads.get(upload_id[:64])
        if found is None or found.actor != actor:
            raise NotFound(Phrase("that sheet is no longer held"), hint=Phrase("Upload it again."))
        return found

    def drop(self, upload_id: str) -> None:
        with self._lock:
            self.uploads.pop(upload_id, None)

    def keep_export(self, job_id: str, zipped: exporting.ZippedExport) -> None:
        with self._lock:
            while len(self.exports) >= EXPORTS_KEPT:
                del self.exports[next(iter(self.exports))]
            self.exports[job_id] = zipped

    def forget(self) -> None:
        """At a lock: the plaintext held here (sheets, ZIPs) goes with the keys."""
        with self._lock:
            self.exports.clear()
            self.uploads.clear()


def held(request: Request) -> Held:
    kept: Held = request.app.state.transfer  # made with the app (web/workbench/app.py)
    return kept


def field_text(form: Any, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value[:limit].strip() if isinstance(value, str) else ""


# --- import ---------------------------------------------------------------------------------


def _import_page(
    request: Request, session: Session, *, status: int = 200, error: str = "", **chosen: Any
) -> Response:
    job = request.app.state.jobs.latest("import")
    if job is not None and job.actor != (session.user.actor if session.user else ""):
        job = None  # another user's import: theirs to see
    return page(
        request,
        "import.html",
        session,
        status=status,
        error=error,
        kinds=spreadsheets.KINDS,
        chosen={"kind": "person", "source": "", **chosen},
        job=job,
        refresh=job is not None and not job.finished,
    )


@router.get("/import")
def import_page(request: Request, staff: Annotated[Staff, Depends(Needs("write"))]) -> Response:
    return _import_page(request, staff.session)


@router.post("/import")
async def upload(
    request: Request, staff: Annotated[Staff, Depends(Needs("write", files=1, fields=8))]
) -> Response:
    session, user, form = staff
    kind, source = field_text(form, "kind", 40), field_text(form, "source", 64)
    fictional = field_text(form, "fictional", 4) == "1"
    file = form.get("file")
    chosen = {"kind": kind, "source": source}
    if not isinstance(file, UploadFile) or not file.filename:
        return _import_page(
            request, session, status=400, error=gettext(session.language, NO_FILE), **chosen
        )
    data = await file.read()
    keys = request.app.state.keys
    archive = keys.for_user(user)
    try:
        if kind not in spreadsheets.KINDS:
            raise InputError(
                Phrase("%(kind)s cannot be imported from a spreadsheet", kind=repr(kind)),
                hint=Phrase("Choose a record type from the list."),
            )
        source = column_maps.check_source(source)
        sheet = await asyncio.to_thread(spreadsheets.read_sheet, file.filename[:200], data)
        remembered = await asyncio.to_thread(column_maps.recall, archive, source, kind)
    except SheetRejected as error:
        refused = _sheet_said(session.language, error)
        return _import_page(request, session, status=400, error=refused, **chosen)
    except BearWitnessError as error:
        if not isinstance(error, InputError):
            return error_response(request, session, error)
        return _import_page(
            request, session, status=400, error=said(session.language, error), **chosen
        )
    kept = held(request).add(user.actor, sheet, kind, source, fictional)
    mapping = spreadsheets.default_mapping(sheet.header, kind, remembered)
    return await _preview_page(request, session, kept, mapping, remembered=bool(remembered))


async def _preview_page(
    request: Request,
    session: Session,
    kept: Upload,
    mapping: dict[str, str],
    *,
    status: int = 200,
    remembered: bool = False,
) -> Response:
    assert session.user is not None
    archive = request.app.state.keys.for_user(session.user)
    try:
        found = await asyncio.to_thread(
            spreadsheets.preview, archive, kept.sheet, kept.kind, mapping, fictional=kept.fictional
        )
    except BearWitnessError as error:
        return error_response(request, session, error)
    sheet = kept.sheet
    samples = [
        ", ".join(
            cells[position]
            for _, cells in sheet.rows[:3]
            if position < len(cells) and cells[position]
        )[:80]
        for position in range(len(sheet.header))
    ]
    return page(
        request,
        "import_preview.html",
        session,
        status=status,
        upload=kept,
        columns=[
            (
                position,
                spreadsheets.letter(position),
                heading,
                found.mapping.get(heading, ""),
                samples[position],
            )
            for position, heading in enumerate(sheet.header)
            if heading
        ],
        fields=spreadsheets.fields_of(kept.kind),
        chosen_fields=list(  # in the sheet's order
            dict.fromkeys(
                found.mapping[h]
                for h in sheet.header
                if found.mapping.get(h) in spreadsheets.fields_of(kept.kind)
            )
        ),
        shown=found.shown,
        described=_described(sheet, found.problems),
        problems=[
            (p.row, p.column, p.heading, gettext(session.language, p.reason))
            for p in found.problems
        ],
        rows=len(sheet.rows),
        ready=found.ready,
        remembered=remembered,
    )


def _sheet_said(language: str, error: SheetRejected) -> str:
    """Why a file was refused, in ``language``: its name, the row, the reason, the hint."""
    reason = gettext(language, error.reason_phrase)
    row = gettext(language, "Row %(row)s") % {"row": error.row} + ": " if error.row else ""
    hint = gettext(language, error.phrases[1]) if error.hint else ""
    return f"{error.source}: {row}{reason}. {hint}".strip()


def _described(sheet: spreadsheets.Sheet, problems: list[spreadsheets.Problem]) -> set[str]:
    """The columns whose menus the problems describe: those they name, else every one."""
    if not problems:
        return set()
    letters = {spreadsheets.letter(n) for n, heading in enumerate(sheet.header) if heading}
    return ({p.column for p in problems} & letters) or letters


@router.post("/import/{upload_id}")
async def import_sheet(
    request: Request,
    upload_id: str,
    staff: Annotated[Staff, Depends(Needs("write", fields=spreadsheets.MAX_COLUMNS + 4))],
) -> Response:
    session, user, form = staff
    try:
        kept = held(request).upload(upload_id, user.actor)
    except NotFound as error:
        return error_response(request, session, error)
    mapping = {
        heading: field_text(form, f"map{position}", 40)
        for position, heading in enumerate(kept.sheet.header)
        if heading
    }
    if field_text(form, "action", 10) != "import":
        return await _preview_page(request, session, kept, mapping)
    keys, jobs = request.app.state.keys, request.app.state.jobs
    archive, check = keys.for_user(user), keys.guard()
    found = await asyncio.to_thread(
        spreadsheets.preview, archive, kept.sheet, kept.kind, mapping, fictional=kept.fictional
    )
    if not found.ready:
        return await _preview_page(request, session, kept, mapping, status=400)

    def work(job: Job) -> str:
        check()  # a lock since the preview: the job must not write with the keys gone
        again = spreadsheets.preview(
            archive, kept.sheet, kept.kind, mapping, fictional=kept.fictional, progress=job.advance
        )
        if again.problems:  # the archive changed since the preview (an id taken meanwhile)
            first = again.problems[0]
            raise ImportRejected(kept.sheet.name, first.row, first.text)
        check()
        result = storing.store(archive, again.entries, kept.sheet.name, "import")
        try:  # the rows are in; a mapping not remembered must not say they are not
            column_maps.remember(archive, kept.source, kept.kind, mapping)
        except BearWitnessError as error:
            logger.warning("column mapping not remembered: %s", type(error).__name__)
        job.counts = {"records": result.count, "sealed": int(result.sealed)}
        job.advance(1)
        if result.batch is not None:
            return result.batch[:24]
        ids = [i for found_ids in result.ids.values() for i in found_ids]
        return ", ".join(ids[:20]) + (" …" if len(ids) > 20 else "")

    try:
        jobs.start("import", user.actor, work, total=len(kept.sheet.rows) + 1)
    except InputError as error:  # one import at a time
        return _import_page(request, session, status=409, error=said(session.language, error))
    held(request).drop(kept.id)
    return redirect("/import")
