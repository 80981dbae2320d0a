"""Editing records in the browser, their history, and restoring an older version.

Each form is made from the record type's fields (``services/editing.py: form_fields``),
so every record type has one, and a field added to a record appears in its form. A
form carries the version it was opened on and the fields it shows; a save changes
only those fields. Sealed fields are in the form only while the record is revealed in
this session: editing the clear fields of a record shows none of its sealed ones.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from bearwitness.errors import BearWitnessError, EditConflict, FieldsRejected, InputError, Phrase
from bearwitness.services import editing, reading
from bearwitness.services.editing import FieldChange, FieldSpec, VersionEntry
from bearwitness.web.i18n import N_
from bearwitness.web.rendering import gettext
from bearwitness.web.workbench.auth import Needs, Staff, allowed
from bearwitness.web.workbench.common import (
    error_response,
    field_problems,
    message,
    page,
    redirect,
    sentence,
)
from bearwitness.web.workbench.records import LISTED, shown
from bearwitness.web.workbench.state import Session

router = APIRouter(include_in_schema=False)
HISTORY_SHOWN = 100  # versions a record's page lists, newest first
MAX_FIELD = 100_000  # characters kept of one field, as the entry forms keep
_SPLIT = re.compile(r"[,;\s]+")

# How each field is called on a page (a field without an entry shows its name).
FIELD_LABELS = {
    "act_type": N_("act type"),
    "address": N_("address"),
    "age": N_("age"),
    "birth": N_("birth"),
    "birth_date": N_("birth date"),
    "capture_metadata": N_("capture metadata"),
    "credibility": N_("credibility"),
    "hedged": N_("hedged"),
    "relays": N_("relays"),
    "via": N_("channel"),
    "when": N_("when"),
    "captured": N_("captured"),
    "consequences": N_("consequences"),
    "contact": N_("contact"),
    "count": N_("count"),
    "date": N_("date"),
    "description": N_("description"),
    "district": N_("district"),
    "document_id": N_("document"),
    "event_date": N_("event date"),
    "event_id": N_("event"),
    "event_ids": N_("events"),
    "event_place": N_("event place"),
    "event_type": N_("event type"),
    "filename": N_("file name"),
    "full_name": N_("full name"),
    "given_name": N_("given name"),
    "identity_documents": N_("identity documents"),
    "involvement": N_("involvement"),
    "kind": N_("kind"),
    "language": N_("language"),
    "list_name": N_("list"),
    "list_record_id": N_("id in the list"),
    "location": N_("location"),
    "media_type": N_("media type"),
    "notes": N_("notes"),
    "other_names": N_("other names"),
    "parent_id": N_("part of event"),
    "patronymic": N_("patronymic"),
    "perpetrator_ids": N_("perpetrators"),
    "person_id": N_("person"),
    "received": N_("received"),
    "related_ids": N_("related events"),
    "reliability": N_("reliability"),
    "residence": N_("residence"),
    "role": N_("role"),
    "sex": N_("sex"),
    "size": N_("size"),
    "source_id": N_("source"),
    "speaker": N_("speaker"),
    "stance": N_("stance"),
    "statement": N_("statement"),
    "status": N_("status"),
    "surname": N_("surname"),
    "text": N_("text"),
    "title": N_("title"),
    "victim_id": N_("victim"),
    "victims": N_("victims"),
    "fictional": N_("fictional"),
    "approval": N_("approval"),
    "approved_by": N_("approved by"),
    "assignee": N_("assignee"),
    "claim_candidates": N_("claims waiting for review"),
    "court_order": N_("court order"),
    "documents_recovery": N_("documents recovery"),
    "funds": N_("funds"),
    "impact": N_("impact"),
    "intervening_party": N_("intervening party"),
    "journey": N_("journey"),
    "method": N_("method"),
    "name": N_("name"),
    "obtained_by": N_("obtained by"),
    "obtained_on": N_("obtained on"),
    "outlet": N_("outlet"),
    "parties_requested": N_("parties requested"),
    "partner": N_("partner"),
    "partner_organisation": N_("partner organisation"),
    "priority": N_("priority"),
    "published": N_("published"),
    "reply_key": N_("reply key"),
    "response": N_("response"),
    "risk_level": N_("risk level"),
    "risk_review": N_("risk review"),
    "safety_plan": N_("safety plan"),
    "scopes": N_("scopes"),
    "sha256": N_("SHA-256"),
    "triage_notes": N_("triage notes"),
    "triage_status": N_("triage status"),
    "url": N_("address (URL)"),
    "withdrawn": N_("withdrawn"),
}
KIND_LABELS = {
    "event": N_("event"),
    "act": N_("act"),
    "person": N_("person"),
    "document": N_("document"),
    "source": N_("source"),
    "evidence": N_("evidence file"),
    "claim": N_("claim"),
    "intervention": N_("intervention"),
    "person_record": N_("person record"),
    "consent": N_("consent"),
}
HINTS = {
    "date": N_("2018, 2018-12, 2018-12-03, ~2018-12 (approximately) or 2018-12..2019-02"),
    "count": N_("40, ~40 (around), >=2 (at least), <=5 (at most) or 10-20"),
    "refs": N_("Ids, separated by commas"),
    "lines": N_("One per line"),
}
OPERATIONS = {
    "create": N_("created"),
    "import": N_("imported"),
    "update": N_("edited"),
    "restore": N_("restored"),
    "delete": N_("deleted"),
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " "))


def _record(kind: str, record_id: str) -> tuple[str, str]:
    if kind not in LISTED:
        raise HTTPException(404, "There is no such list.")
    try:
        matches = reading.kind_of(record_id) == kind
    except InputError:
        matches = False
    if not matches:
        raise HTTPException(404, "There is no such record.")
    return kind, record_id


def _shown_value(kind: str, spec: FieldSpec, value: Any) -> Any:
    """A stored value as its form input shows it: text, or a list for a list field."""
    if spec.shape in ("choices", "refs", "lines"):
        return [str(item) for item in value or ()]
    if spec.shape == "flag":
        return bool(value)
    return "" if value is None else str(value)


def sent_values(form: FormData, specs: tuple[FieldSpec, ...]) -> dict[str, Any]:
    """What the form sent for each of ``specs``, in the form the service checks."""
    values: dict[str, Any] = {}
    for spec in specs:
        raw = [item for item in form.getlist(spec.name) if isinstance(item, str)]
        if spec.shape in ("choices", "refs"):
            values[spec.name] = [
                part for item in raw for part in _SPLIT.split(item[:MAX_FIELD]) if part
            ]
        elif spec.shape == "lines":
            values[spec.name] = [
                line.strip()
                for item in raw
                for line in item[:MAX_FIELD].splitlines()
                if line.strip()
            ]
        elif spec.shape == "flag":
            values[spec.name] = bool(raw)
        else:
            values[spec.name] = raw[0].strip()[:MAX_FIELD] if raw else ""
    return values


def _shown_fields(
    request: Request, session: Session, kind: str, record_id: str
) -> tuple[FieldSpec, ...]:
    """The fields this form edits: the clear ones, and the sealed ones while revealed."""
    revealed = record_id in session.revealed and not request.app.state.keys.locked
    return tuple(s for s in editing.form_fields(kind) if revealed or not s.sealed)


def _form_page(
    request: Request,
    session: Session,
    kind: str,
    record_id: str,
    specs: tuple[FieldSpec, ...],
    values: dict[str, Any],
    version: int,
    *,
    status: int = 200,
    problems: dict[str, str] | None = None,
    conflict: dict[str, Any] | None = None,
) -> Response:
    problems = problems or {}
    fields = [
        {
            "name": spec.name,
            "label": field_label(spec.name),
            "shape": spec.shape,
            "sealed": spec.sealed,
            "terms": spec.vocabulary.terms if spec.vocabulary else (),
            "refers": spec.refers or "",
            "value": values.get(spec.name),
            "error": sentence(problems.get(spec.name, "")),
            "hint": HINTS.get(spec.shape, ""),
        }
        for spec in specs
    ]
    hidden_sealed = [s.name for s in editing.form_fields(kind) if s.sealed and s not in specs]
    return page(
        request,
        "edit.html",
        session,
        status=status,
        kind=kind,
        kind_label=KIND_LABELS.get(kind, kind),
        record_id=record_id,
        fields=fields,
        names=",".join(spec.name for spec in specs),
        version=version,
        problems=problems,
        other_problems=[
            (n, sentence(p)) for n, p in problems.items() if n not in {s.name for s in specs}
        ],
        conflict=conflict,
        hidden_sealed=[field_label(name) for name in hidden_sealed],
    )


@router.get("/records/{kind}/{record_id}/edit")
def edit_form(
    request: Request, kind: str, record_id: str, staff: Annotated[Staff, Depends(Needs("write"))]
) -> Response:
    session, user, _ = staff
    kind, record_id = _record(kind, record_id)
    keys = request.app.state.keys
    if keys.locked:
        return message(
            request, session, "Locked", N_("Editing a record needs an unlock."), status=409
        )
    try:
        record = reading.open_full(keys.for_user(user), record_id)
        view = reading.get(keys.archive, record_id)
    except BearWitnessError as error:
        return error_response(request, session, error)
    if view.deleted:
        return message(request, session, "Not found", N_("This record was deleted."), status=404)
    specs = _shown_fields(request, session, kind, record_id)
    data = record.to_dict()
    values = {spec.name: _shown_value(kind, spec, data.get(spec.name)) for spec in specs}
    return _form_page(request, session, kind, record_id, specs, values, view.version)


@router.post("/records/{kind}/{record_id}/edit")
async def save_edit(
    request: Request,
    kind: str,
    record_id: str,
    staff: Annotated[Staff, Depends(Needs("write", fields=400))],
) -> Response:
    session, user, form = staff
    kind, record_id = _record(kind, record_id)
    keys = request.app.state.keys
    every = {spec.name: spec for spec in editing.form_fields(kind)}
    named = [n for n in str(form.get("fields") or "").split(",") if n]
    unknown = [n for n in named if n not in every]
    version_text = str(form.get("version") or "")
    if unknown or not (version_text.isascii() and version_text.isdigit()) or len(version_text) > 9:
        raise InputError(
            Phrase("the form does not say which fields and version it edits"),
            hint=Phrase("Open the record's edit form again from its page."),
        )
    specs = tuple(every[n] for n in every if n in named)
    values = sent_values(form, specs)
    based_on = int(version_text)
    try:
        saved = await asyncio.to_thread(
            editing.save, keys.for_user(user), kind, record_id, values, based_on=based_on
        )
    except FieldsRejected as error:
        return _form_page(
            request,
            session,
            kind,
            record_id,
            specs,
            _typed(values, specs),
            based_on,
            status=400,
            problems=field_problems(session.language, error),
        )
    except EditConflict as error:
        conflict = await asyncio.to_thread(_conflict, request, session, error)
        # The form now names the version it was shown against: saving again, after
        # reading what changed, writes over it knowingly.
        return _form_page(
            request,
            session,
            kind,
            record_id,
            specs,
            _typed(values, specs),
            error.current,
            status=409,
            conflict=conflict,
        )
    except BearWitnessError as error:
        return error_response(request, session, error)
    notice = "saved" if saved.changes else "unchanged"
    return redirect(f"/records/{kind}/{record_id}?done={notice}")


def _typed(values: dict[str, Any], specs: tuple[FieldSpec, ...]) -> dict[str, Any]:
    """What was sent, as the form shows it again (lists joined where one input holds them)."""
    return {s.name: values.get(s.name) for s in specs}


def _conflict(request: Request, session: Session, error: EditConflict) -> dict[str, Any]:
    """What the other save changed, field by field: the value when this form was opened
    and the value now; sealed values only while the record is revealed."""
    keys = request.app.state.keys
    archive = keys.archive
    reveal = error.record_id in session.revealed and not keys.locked
    opened = editing.version_fields(archive, error.kind, error.record_id, error.opened)
    now = editing.version_fields(archive, error.kind, error.record_id, error.current)
    changes = editing.differences(error.kind, opened, now, reveal=reveal)
    return {
        "opened": error.opened,
        "current": error.current,
        "rows": _change_rows(error.kind, changes, session.language),
    }


def _change_rows(
    kind: str, changes: tuple[FieldChange, ...], language: str
) -> list[dict[str, Any]]:
    return [
        {
            "label": field_label(change.name),
            "sealed": change.sealed,
            "hidden": change.sealed and change.before is None and change.after is None,
            "before": _value_text(kind, change, change.before, language),
            "after": _value_text(kind, change, change.after, language),
        }
        for change in changes
    ]


def _value_text(kind: str, change: FieldChange, value: Any, language: str) -> str:
    if isinstance(value, bool):
        return gettext(language, N_("yes") if value else N_("no"))
    return shown(kind, change.name, value, language)  # codes as labels, sealed ones too


@router.post("/records/{kind}/{record_id}/restore")
async def restore(
    request: Request, kind: str, record_id: str, staff: Annotated[Staff, Depends(Needs("write"))]
) -> Response:
    session, user, form = staff
    kind, record_id = _record(kind, record_id)
    keys = request.app.state.keys
    texts = [str(form.get("version") or ""), str(form.get("based_on") or "")]
    if not all(t.isascii() and t.isdigit() and len(t) < 10 for t in texts):
        raise InputError(
            Phrase("the form does not say which version to restore"),
            hint=Phrase("Use the Restore button in the record's history."),
        )
    try:
        saved = await asyncio.to_thread(
            editing.restore,
            keys.for_user(user),
            kind,
            record_id,
            int(texts[0]),
            based_on=int(texts[1]),
        )
    except BearWitnessError as error:
        return error_response(request, session, error)
    notice = "restored" if saved.changes else "unchanged"
    return redirect(f"/records/{kind}/{record_id}?done={notice}")


NOTICES = {
    "saved": N_("Saved: a new version was written."),
    "unchanged": N_("Nothing was changed, so no new version was written."),
    "restored": N_("Restored: the older version was written as a new version."),
}


def history_rows(
    request: Request, session: Session, kind: str, record_id: str, *, reveal: bool
) -> list[dict[str, Any]]:
    """A record's history as its page lists it: newest first; who made each version is
    the account's username for an admin, the pseudonym for everyone else."""
    keys = request.app.state.keys
    entries: list[VersionEntry] = editing.history(
        keys.archive, kind, record_id, reveal=reveal, newest=HISTORY_SHOWN
    )
    names = editing.staff_names(keys.archive) if allowed(session.user, "users") else {}
    return [
        {
            "version": entry.version,
            "when": entry.recorded_at.replace("T", " ")[:16],
            "who": names.get(entry.actor, entry.actor),
            "operation": OPERATIONS.get(entry.operation, entry.operation),
            "restored_from": entry.restored_from,
            "changes": None
            if entry.changes is None
            else _change_rows(kind, entry.changes, session.language),
            "current": position == 0,
        }
        for position, entry in enumerate(entries)
    ]
