"""Workbench lists and search: filters with counts, sorting, paging; ranked results with
snippets; each user's saved searches."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from bearwitness.errors import BearWitnessError, InputError
from bearwitness.services import listing, saved_searches, tables
from bearwitness.services.consent import PURPOSES
from bearwitness.services.finding import FoundPage
from bearwitness.services.reading import SEARCHABLE
from bearwitness.web.i18n import N_
from bearwitness.web.rendering import gettext, label
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import error_response, page, redirect, said, status_for
from bearwitness.web.workbench.editing import field_label
from bearwitness.web.workbench.records import COLUMNS, _kind, shown
from bearwitness.web.workbench.state import Session

router = APIRouter(include_in_schema=False)
SEARCH_PAGE = 20
LABELS = (  # the filters' and sorts' names, as the pages show them
    N_("act type"),
    N_("district"),
    N_("involvement"),
    N_("role"),
    N_("sex"),
    N_("kind"),
    N_("reliability"),
    N_("media type"),
    N_("stance"),
    N_("status"),
    N_("list name"),
    N_("event id"),
    N_("victim id"),
    N_("source id"),
    N_("document id"),
    N_("person id"),
    N_("parent id"),
    N_("date"),
    N_("id"),
    N_("victims"),
    N_("consequences"),
    N_("received"),
    N_("event ids"),
    N_("size"),
    N_("count"),
)
KIND_NAMES = (  # record kinds, as search results name them
    N_("source"),
    N_("document"),
    N_("evidence"),
    N_("event"),
    N_("act"),
    N_("person"),
    N_("person record"),
    N_("claim"),
    N_("intervention"),
)
SAVE_NEEDS_UNLOCK = N_("Saved searches are sealed: saving or opening them needs an unlock.")


def number(value: int, language: str) -> str:
    """A count as the user's language writes it (1,234 or 1 234)."""
    return str(format_decimal(value, locale=language))


def span(first: int, last: int, total: int, language: str) -> str:
    """ "41–60 of 1,234" in the user's language."""
    if not total:
        return ""
    return gettext(language, N_("%(first)s–%(last)s of %(total)s")) % {
        "first": number(first, language),
        "last": number(last, language),
        "total": number(total, language),
    }


def _value_label(kind: str, facet: listing.Facet, value: str, language: str) -> str:
    vocab = listing.vocabulary_of(facet.kind, facet.column)
    return label(vocab, value, language) if vocab else value


@router.get("/records/{kind}")
def list_page(
    request: Request, kind: str, staff: Annotated[Staff, Depends(Needs("view"))]
) -> Response:
    session = staff.session
    kind = _kind(kind)
    params = request.query_params
    names = listing.filter_names(kind)
    filters = {name: params.get(name, "").strip() for name in names if params.get(name, "").strip()}
    sort = params.get("sort", "id")[:40] or "id"
    error = ""
    try:
        chosen = int(params.get("page", "1")) if params.get("page", "1").isdigit() else 0
        query = listing.ListQuery(
            kind, filters, sort=sort, number=chosen, size=request.app.state.settings.page_size
        )
        keys = request.app.state.keys
        archive = keys.archive if keys.locked else keys.for_user(staff.user)
        found: listing.ListPage | None = listing.list_page(archive, query, _counts(request))
    except BearWitnessError as problem:
        if not isinstance(problem, InputError):
            return error_response(request, session, problem)
        error = said(session.language, problem)
        found = None
    language = session.language
    columns = COLUMNS[kind]
    rows = []
    if found is not None:
        rows = [
            (
                row.id,
                row.title,
                [shown(kind, name, row.fields.get(name), language) for name in columns],
            )
            for row in found.rows
        ]
    facets = [
        (
            facet.name,
            [
                (value, _value_label(kind, facet, value, language), number(count, language))
                for value, count in (found.facets.get(facet.name, []) if found else [])
            ],
        )
        for facet in listing.FACETS[kind]
    ]

    def link(**change: Any) -> str:
        merged: dict[str, Any] = {**filters, "sort": sort, **change}
        kept = {
            k: v for k, v in merged.items() if v not in ("", None, 1) and (k, v) != ("sort", "id")
        }
        return f"/records/{kind}?{urlencode(kept)}" if kept else f"/records/{kind}"

    current = found.query.number if found else 1
    return page(
        request,
        "list.html",
        session,
        status=400 if error else 200,
        kind=kind,
        columns=columns,
        sortable=listing.sort_names(kind),
        rows=rows,
        titled=bool(found and found.titled),
        facets=facets,
        filters=filters,
        references=listing.REFERENCES.get(kind, ()),
        dated=kind in listing.DATES,
        sort=sort,
        error=error,
        total=number(found.total, language) if found else "0",
        span=span(found.first, found.last, found.total, language) if found else "",
        previous=link(page=current - 1) if found and current > 1 else "",
        next=link(page=current + 1) if found and current < found.pages else "",
        link=link,
        exportable=[(name, field_label(name)) for name in tables.sealed_choices(kind)],
        purposes=PURPOSES,
        saving={
            "saved_kind": "list",
            "saved_target": kind,
            **filters,
            **({"sort": sort} if sort != "id" else {}),
        },
    )


def _counts(request: Request) -> listing.ListCounts:
    """The workbench's kept list counts (made at the first list asked for)."""
    state = request.app.state
    if getattr(state, "list_counts", None) is None:
        state.list_counts = listing.ListCounts()
    counts: listing.ListCounts = state.list_counts
    return counts


def _kinds(value: str) -> str | None:
    return value if value in SEARCHABLE else None


@router.get("/search")
def search(request: Request, staff: Annotated[Staff, Depends(Needs("search"))]) -> Response:
    session, user, _ = staff
    query = request.query_params.get("q", "")[:200]
    kind = _kinds(request.query_params.get("kind", ""))
    raw_page = request.query_params.get("page", "1")
    keys = request.app.state.keys
    found: FoundPage | None = None
    error = ""
    if query.strip():
        if keys.locked:
            error = "Searching sealed text needs an unlock."
        else:
            try:
                chosen = int(raw_page) if raw_page.isdigit() and len(raw_page) < 7 else 0
                found = keys.search_index.find(
                    keys.for_user(user), query, number=chosen, size=SEARCH_PAGE, kind=kind
                )
            except InputError as problem:
                error = said(session.language, problem)
    language = session.language

    def link(**change: Any) -> str:
        merged = {"q": query, "kind": kind or "", **change}
        return "/search?" + urlencode({k: v for k, v in merged.items() if v not in ("", None, 1)})

    return page(
        request,
        "search.html",
        session,
        status=400 if error and query.strip() and not keys.locked else 200,
        query=query,
        kind=kind or "",
        found=found,
        hits=found.hits if found else [],
        error=error,
        total=number(found.total, language) if found else "",
        span=span(found.first, found.last, found.total, language) if found else "",
        by_kind=[(k, number(n, language)) for k, n in sorted(found.by_kind.items())]
        if found
        else [],
        previous=link(page=found.number - 1) if found and found.number > 1 else "",
        next=link(page=found.number + 1) if found and found.last < found.total else "",
        link=link,
        saving={"saved_kind": "search", "q": query, **({"kind": kind} if kind else {})},
    )


def _saved(request: Request, session: Session, *, status: int = 200, error: str = "") -> Response:
    keys = request.app.state.keys
    held: list[saved_searches.SavedSearch] = []
    if not keys.locked and session.user is not None:
        held = saved_searches.saved(keys.for_user(session.user), session.user.actor)
    return page(request, "saved.html", session, status=status, saved=held, error=error)


@router.get("/saved")
def saved_page(request: Request, staff: Annotated[Staff, Depends(Needs("view"))]) -> Response:
    return _saved(request, staff.session)


@router.post("/saved")
async def save(
    request: Request, staff: Annotated[Staff, Depends(Needs("view", fields=30))]
) -> Response:
    session, user, form = staff
    keys = request.app.state.keys
    if keys.locked:
        return _saved(request, session, status=409, error=SAVE_NEEDS_UNLOCK)
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    kind = fields.pop("saved_kind", "")
    target = fields.pop("saved_target", "")
    name = fields.pop("saved_name", "")
    if kind == "list":
        target = _kind(target)
        allowed = set(listing.filter_names(target)) | {"sort"}
    else:
        target, allowed = "", {"q", "kind"}
    params = {k: v for k, v in fields.items() if k in allowed}
    try:
        saved_searches.save(keys.for_user(user), user.actor, name, kind, target, params)
    except BearWitnessError as error:
        text = said(session.language, error)
        return _saved(request, session, status=status_for(error), error=text)
    return redirect("/saved")


@router.post("/saved/{search_id}/delete")
async def forget(
    request: Request, search_id: str, staff: Annotated[Staff, Depends(Needs("view"))]
) -> Response:
    session, user, _ = staff
    try:
        saved_searches.forget(request.app.state.keys.archive, user.actor, search_id)
    except BearWitnessError as error:
        return error_response(request, session, error)
    return redirect("/saved")
