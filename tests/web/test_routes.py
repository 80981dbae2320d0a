"""Safety by construction: every route states its guard, every form that changes something
checks CSRF, every error has a status, and no app factory changes a class for the process."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import starlette.formparsers
import starlette.requests
from fastapi import FastAPI
from fastapi.testclient import TestClient

import bearwitness.errors
from bearwitness.crypto.kdf import KdfParams
from bearwitness.errors import BearWitnessError
from bearwitness.services import users
from bearwitness.services.archive import Archive
from bearwitness.web.routes import Public, routes_of, unguarded
from bearwitness.web.source.app import IntakeSettings, create_intake_app
from bearwitness.web.workbench.app import create_workbench_app
from bearwitness.web.workbench.auth import LoginForm, Needs
from bearwitness.web.workbench.common import STATUSES
from bearwitness.web.workbench.state import WorkbenchSettings
from tests.web.conftest import (
    BASE,
    PASSPHRASE,
    PASSWORD,
    ROLES,
    Team,
    cheap_hasher,
    csrf_of,
    fresh_code,
)

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# A value for each path parameter, so that every route can be called.
PATH_VALUES = {
    "kind": "document",
    "record_id": "D-0001",
    "username": "admin",
    "change": "roles",
    "run_id": "ES-0001",
    "chart": "intervals",
    "search_id": "SS-0001",
    "device": "phone-1",
    "form_id": "village_survey",
    "upload_id": "0123456789abcdef01234567",
    "job_id": "0123456789abcdef",
}


def every_error_class() -> list[type[BearWitnessError]]:
    found: list[type[BearWitnessError]] = []
    todo = list(BearWitnessError.__subclasses__())
    while todo:
        kind = todo.pop()
        found.append(kind)
        todo += kind.__subclasses__()
    return [kind for kind in found if kind.__module__.startswith("bearwitness.")]


def entry_for(table: dict[type[BearWitnessError], int], kind: type) -> int | None:
    """The table's entry for ``kind``, through its bases but never the root's default."""
    return next(
        (table[base] for base in kind.__mro__ if base in table and base is not BearWitnessError),
        None,
    )


def test_every_error_class_has_an_http_status() -> None:
    kinds = every_error_class()
    defined = [
        k
        for k in vars(bearwitness.errors).values()
        if isinstance(k, type) and issubclass(k, BearWitnessError) and k is not BearWitnessError
    ]
    assert len(defined) >= 10 and set(defined) <= set(kinds)
    assert not [k.__name__ for k in defined if k not in STATUSES]
    assert not [k.__name__ for k in kinds if entry_for(STATUSES, k) is None]
    assert STATUSES[bearwitness.errors.VerificationError] == 500
    assert STATUSES[bearwitness.errors.LinkageError] == 422
    assert STATUSES[bearwitness.errors.EstimationError] == 422


def _apps(folder: Path, max_body: int = 210 * 1024 * 1024) -> tuple[FastAPI, FastAPI]:
    workbench = create_workbench_app(
        folder, WorkbenchSettings(max_body=max_body), hasher=cheap_hasher()
    )
    intake = create_intake_app(folder, IntakeSettings(fictional=True, max_body=max_body + 1))
    return workbench.app, intake.app


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty archive: the route tests need no records, and one database is enough."""
    archive, _ = Archive.create(
        tmp_path / "archive", passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    archive.close()
    return tmp_path / "archive"


def _close(*apps: FastAPI) -> None:
    for app in apps:
        state = app.state
        (state.keys.archive if hasattr(state, "keys") else state.archive).close()


def test_every_route_states_a_permission_or_why_it_is_public(folder: Path) -> None:
    workbench, intake = _apps(folder)
    try:
        assert unguarded(workbench, (Needs,)) == []
        assert unguarded(intake) == []
        assert len([r for r in routes_of(workbench) if r.api]) >= 30
        # The check can fail: a route added without a guard is named.
        workbench.add_api_route("/forgotten", lambda: "", methods=["GET"])
        assert unguarded(workbench, (Needs,)) == ["['GET'] /forgotten"]
    finally:
        _close(workbench, intake)


def test_every_workbench_route_that_changes_something_checks_csrf(folder: Path) -> None:
    workbench, intake = _apps(folder)
    try:
        for route in routes_of(workbench):
            if not (route.api and route.methods & CHANGING):
                continue
            checked = [c for c in route.calls if isinstance(c, Needs | LoginForm)]
            public = [c for c in route.calls if isinstance(c, Public)]
            # Only the API's login is exempt: it sets no cookie (see web/workbench/auth.py).
            assert checked or (route.path == "/api/v1/session" and public), route.path
    finally:
        _close(workbench, intake)


def test_no_form_that_changes_something_is_taken_without_its_token(tmp_path: Path) -> None:
    """A user holding every role sends each state-changing form without its token: 403."""
    archive, _ = Archive.create(
        tmp_path / "archive", passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    secret = users.add_user(archive, "everyone", PASSWORD, list(ROLES), hasher=cheap_hasher())
    archive.close()
    app = create_workbench_app(tmp_path / "archive", WorkbenchSettings(), hasher=cheap_hasher())
    with TestClient(app, base_url=BASE) as client:
        client.post(
            "/login",
            data={
                "csrf": csrf_of(client.get("/login").text),
                "username": "everyone",
                "password": PASSWORD,
                "code": fresh_code(client, secret),
            },
        )
        token = csrf_of(client.get("/").text)
        tried = 0
        for route in routes_of(app.app):
            if (
                not (route.api and route.methods & CHANGING)
                or route.path.startswith("/api/")
                or route.path == "/login"
            ):
                continue
            path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], route.path)
            for data in ({"text": "FICTIONAL"}, {"csrf": "FICTIONAL" + token[8:]}):
                answer = client.post(path, data=data, follow_redirects=False)
                assert answer.status_code == 403, (path, answer.status_code)
            tried += 1
        assert tried >= 15
        # ... and the token still works where it is sent.
        assert client.post("/lock", data={"csrf": token}, follow_redirects=False).status_code == 303
    app.app.state.keys.archive.close()


def _class_settings() -> dict[str, dict[str, Any]]:
    classes = [
        starlette.formparsers.MultiPartParser,
        starlette.formparsers.FormParser,
        starlette.requests.Request,
    ]
    return {c.__name__: {k: v for k, v in vars(c).items() if not callable(v)} for c in classes}


def test_the_app_factories_change_no_class_for_the_whole_process(folder: Path) -> None:
    before = _class_settings()
    _close(*_apps(folder, max_body=123_456_789))  # a limit seen nowhere else
    assert _class_settings() == before


def test_uploads_stay_in_memory_past_starlettes_default(
    team: Team, workbench: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    rolled: list[int] = []
    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "rollover", lambda self: rolled.append(1))
    from tests.web.conftest import login

    token = login(workbench, team, "documenter")
    content = b"FICTIONAL " * 300_000  # 3 MB: Starlette's own parser spools past 1 MB
    answer = workbench.post(
        "/documents/new",
        data={"csrf": token, "title": "FICTIONAL"},
        files=[("files", ("notes.txt", content, "text/plain"))],
    )
    assert answer.status_code == 200, answer.text
    assert rolled == []
