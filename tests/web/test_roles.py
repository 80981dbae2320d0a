"""Every page and action checks its permission on the server, for every role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bearwitness.web.workbench.auth import PERMISSIONS
from tests.web.conftest import PASSPHRASE, ROLES, Team, login

PAGES = [
    ("/", None),
    ("/records/event", "view"),
    ("/records/act?act_type=torture&since=2018-12", "view"),
    ("/records/person/P-0001", "view"),
    ("/records/document/D-0001", "view"),
    ("/records/source", "view"),
    ("/incident", "write"),
    ("/documents/new", "write"),
    ("/inbox", "triage"),
    ("/search?q=passport", "search"),
    ("/log", "log"),
    ("/users", "users"),
    ("/unlock", "unlock"),
    ("/linkage", "analyse"),
    ("/estimates", "analyse"),
    ("/reports", "analyse"),
    ("/linkage?left=R-0001&right=R-0002", "analyse"),
    ("/account", None),
    ("/pick/event?q=argun", "view"),
    ("/pick/person?q=P-0001&names=1", "view"),
    ("/claims", "write"),
    ("/claims/incident/E-0001", "reveal"),
    ("/import", "write"),
    ("/export", "export"),
]
ACTIONS = [
    ("/records/person/P-0001/reveal", "reveal", {}),
    ("/inbox/fold", "triage", {}),
    ("/incident", "write", {"victim_rows": "1", "title": "FICTIONAL", "victim1_acts": "torture"}),
    ("/documents/new", "write", {"title": "FICTIONAL", "text": "FICTIONAL"}),
    ("/log/verify", "log", {}),
    (
        "/users",
        "users",
        {"username": "newcomer", "password": "FICTIONAL long password", "roles": "analyst"},
    ),
    ("/unlock/passphrase", "unlock", {"passphrase": PASSPHRASE}),
    ("/records/document/D-0001/reply", "triage", {"text": "FICTIONAL"}),
    ("/linkage/run", "analyse", {}),
    (
        "/linkage/decide",
        "analyse",
        {"left": "R-0001", "right": "R-0002", "verdict": "accept", "reason": "FICTIONAL"},
    ),
    ("/estimates/run", "analyse", {"method": "loglinear"}),
    ("/reports/preview", "analyse", {"sections": "summary"}),
    (
        "/records/act/A-0001/edit",
        "write",
        {"version": "1", "fields": "act_type", "act_type": "torture"},
    ),
    ("/records/act/A-0001/restore", "write", {"version": "1", "based_on": "1"}),
    ("/records/document/D-0001/events", "write", {"event_id": "E-0001"}),
    ("/records/document/D-0001/events", "write", {"pick": "event_id", "event_id__q": "x"}),
    ("/users/auditor/factor/reset", "users", {}),
    ("/account/password", None, {"current": "FICTIONAL", "new": "x", "again": "x"}),
    ("/account/factor", None, {}),
    ("/account/factor/confirm", None, {"code": "000000"}),
    ("/claims/add", "write", {"text": "FICTIONAL: nothing here is a claim."}),
    ("/claims/decide", "write", {"document_id": "D-0001", "index": "0", "version": "1"}),
    ("/claims/C-0001/relays", "write", {"version": "1", "relays": "FICTIONAL"}),
    ("/claims/C-0001/events", "write", {"version": "1", "event_id": "E-0001"}),
    ("/import", "write", {"kind": "person"}),
    ("/import/0123456789abcdef01234567", "write", {"action": "preview"}),
    ("/records/person/export", "view", {"format": "csv"}),
    ("/export", "export", {"purpose": "internal_casework"}),
]


def allowed(role: str, permission: str | None) -> bool:
    return permission is None or role in PERMISSIONS[permission]


@pytest.mark.parametrize("role", ROLES)
def test_pages_answer_by_role(workbench: TestClient, team: Team, role: str) -> None:
    login(workbench, team, role)
    for path, permission in PAGES:
        response = workbench.get(path, follow_redirects=False)
        if allowed(role, permission):
            assert response.status_code == 200, (role, path, response.status_code)
        else:
            assert response.status_code == 403, (role, path, response.status_code)
            assert "does not allow" in response.text


@pytest.mark.parametrize("role", ROLES)
def test_actions_answer_by_role(workbench: TestClient, team: Team, role: str) -> None:
    token = login(workbench, team, role)
    for path, permission, data in ACTIONS:
        response = workbench.post(path, data={"csrf": token, **data}, follow_redirects=False)
        if allowed(role, permission):
            assert response.status_code != 403, (role, path, response.text[:500])
        else:
            assert response.status_code == 403, (role, path, response.status_code)


def test_nothing_without_a_login(workbench: TestClient) -> None:
    for path, _ in PAGES:
        response = workbench.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"
    for path, _, data in ACTIONS:
        response = workbench.post(path, data=data, follow_redirects=False)
        assert response.status_code == 303
    assert workbench.get("/api/v1/status").status_code == 401


def test_the_permission_table_names_only_known_roles() -> None:
    for roles in PERMISSIONS.values():
        assert roles <= set(ROLES)


def test_a_refusal_says_what_the_role_may_not_do_in_the_readers_language(
    workbench: TestClient, team: Team
) -> None:
    login(workbench, team, "analyst")  # reveals sealed fields on screen, exports clear ones only
    refused = workbench.get("/export?lang=ru")
    assert refused.status_code == 403
    assert "Ваша роль не позволяет этого: выносить запечатанные поля из архива." in refused.text
    english = workbench.get("/export?lang=en")
    assert "Your role does not allow this: take sealed fields out of the archive." in english.text
    assert 'href="/export"' not in workbench.get("/").text  # not offered either


def test_every_permission_says_what_it_is_for() -> None:
    from bearwitness.web import labels

    assert set(labels.PERMISSIONS) == set(PERMISSIONS)  # a refusal names what was refused
