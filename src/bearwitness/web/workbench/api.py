"""A JSON API for scripts, described by OpenAPI at ``/api/openapi.json``.

Log in with ``POST /api/v1/session`` (username, password, one-time code) and
send the token back as ``Authorization: Bearer TOKEN``. A bearer token is not
a cookie, so a browser never sends it by itself: no CSRF token is needed.
The same roles apply as on the pages, declared the same way (``Needs``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from bearwitness.services import reading
from bearwitness.services.status import summarise
from bearwitness.web.routes import Public
from bearwitness.web.workbench.auth import Needs, Staff, TooManyLogins, log_in
from bearwitness.web.workbench.records import LISTED

router = APIRouter(prefix="/api/v1", tags=["workbench"])


class Credentials(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1000)
    code: str = Field(max_length=20, description="The current TOTP code.")


class Token(BaseModel):
    token: str
    roles: list[str]


class Status(BaseModel):
    locked: bool
    counts: dict[str, int]
    inbox_batches: int
    log_entries: int


class RecordOut(BaseModel):
    kind: str
    id: str
    version: int
    fields: dict[str, Any]


class RecordList(BaseModel):
    records: list[RecordOut]
    offset: int
    limit: int


class Problem(BaseModel):
    error: str
    message: str
    hint: str = ""


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem},
    401: {"model": Problem},
    403: {"model": Problem},
    404: {"model": Problem},
    409: {"model": Problem},
    429: {"model": Problem},
}


# Logging in needs no CSRF check: the answer is a token in its body, not a cookie, so a
# request another site makes the browser send gains that site nothing.
@router.post(
    "/session",
    response_model=Token,
    responses=ERRORS,
    dependencies=[Depends(Public("logging in: the credentials are the permission"))],
)
async def create_session(request: Request, body: Credentials) -> Token:
    # Counted as on the login page (one rule, auth.log_in): per device cookie if the script
    # sends one, else per username (and client address, when it tells clients apart).
    try:
        user = await log_in(request, body.username.strip().lower(), body.password, body.code)
    except TooManyLogins:
        raise HTTPException(429, "Too many failed logins. Wait 15 minutes.") from None
    session = request.app.state.sessions.new(user)
    return Token(token=session.token, roles=sorted(user.roles))


@router.get("/status", response_model=Status, responses=ERRORS, dependencies=[Depends(Needs(None))])
def status(request: Request) -> Status:
    summary = summarise(request.app.state.keys.archive)
    return Status(
        locked=summary.locked,
        counts=summary.counts,
        inbox_batches=summary.inbox_batches,
        log_entries=summary.log_entries,
    )


@router.get(
    "/records/{kind}",
    response_model=RecordList,
    responses=ERRORS,
    dependencies=[Depends(Needs("view"))],
)
def list_records(
    request: Request,
    kind: str,
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(50, ge=1, le=500),
) -> RecordList:
    if kind not in LISTED:
        raise HTTPException(404, "There is no such kind of record.")
    found = reading.list_records(request.app.state.keys.archive, kind, limit=limit, offset=offset)
    return RecordList(
        records=[
            RecordOut(kind=v.kind, id=v.id, version=v.version, fields=v.fields) for v in found
        ],
        offset=offset,
        limit=limit,
    )


@router.get(
    "/records/{kind}/{record_id}",
    response_model=RecordOut,
    responses=ERRORS,
    dependencies=[Depends(Needs("view"))],
)
def get_record(request: Request, kind: str, record_id: str) -> RecordOut:
    if kind not in LISTED or reading.kind_of(record_id) != kind:
        raise HTTPException(404, "There is no such record.")
    view = reading.get(request.app.state.keys.archive, record_id)
    return RecordOut(kind=view.kind, id=view.id, version=view.version, fields=view.fields)


@router.get("/search", response_model=list[RecordOut], responses=ERRORS)
def search(
    request: Request,
    staff: Annotated[Staff, Depends(Needs("search"))],
    q: str = Query(min_length=1, max_length=200),
) -> list[RecordOut]:
    user = staff.user
    keys = request.app.state.keys
    if not reading.has_words(q):  # only punctuation or symbols: nothing that could be found
        return []
    hits = keys.search_index.search(keys.for_user(user), q, limit=100)
    return [RecordOut(kind=hit.kind, id=hit.id, version=0, fields={"id": hit.id}) for hit in hits]
