"""A person's consents in the workbench: listed, recorded and withdrawn through
``services/consent.py``, for the roles allowed, audited, in English and Russian."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bearwitness.domain.records import Consent
from bearwitness.services import audit, consent
from bearwitness.services.archive import Archive
from tests.web.conftest import PASSPHRASE, ROLES, Team, login, unlock

TAKEN_BY = "FICTIONAL field worker"


def _consents(team: Team) -> list[Consent]:
    archive = Archive.open(team.folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    try:
        return consent.consents_of(archive, "P-0001")
    finally:
        archive.close()


def _actions(team: Team) -> list[tuple[str, str]]:
    archive = Archive.open(team.folder)
    try:
        return [(e.action, e.target) for e in audit.recent(archive.engine, limit=20)]
    finally:
        archive.close()


def test_a_documenter_records_and_withdraws_a_consent(workbench: TestClient, team: Team) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    empty = workbench.get("/people/P-0001/consents")
    assert empty.status_code == 200 and "No consent recorded" in empty.text
    form = {
        "csrf": token,
        "scopes": ["partner_sharing", "anonymised_quotation"],
        "method": "oral_witnessed",
        "obtained_on": "2026-03-01",
        "obtained_by": TAKEN_BY,
    }
    refused = workbench.post("/people/P-0001/consents", data=form)  # sharing names no partner
    assert refused.status_code == 400 and "partner" in refused.text
    assert TAKEN_BY in refused.text and 'value="partner_sharing" checked' in refused.text
    assert _consents(team) == []
    bad_date = workbench.post(
        "/people/P-0001/consents",
        data={**form, "partner": "FICTIONAL NGO", "obtained_on": "1 March"},
    )
    assert bad_date.status_code == 400 and "is not a date" in bad_date.text
    russian = workbench.post("/people/P-0001/consents?lang=ru", data=form)
    assert russian.status_code == 400
    assert "Для передачи партнёру нужно название партнёра. Укажите организацию" in russian.text
    workbench.get("/?lang=en")
    made = workbench.post(
        "/people/P-0001/consents", data={**form, "partner": "FICTIONAL NGO"}, follow_redirects=False
    )
    assert made.status_code == 303
    (recorded,) = _consents(team)
    assert recorded.scopes == ("partner_sharing", "anonymised_quotation")
    assert recorded.partner == "FICTIONAL NGO" and recorded.obtained_by == TAKEN_BY
    listed = workbench.get(made.headers["location"]).text
    assert recorded.id in listed and "The consent was recorded." in listed
    assert ("consent", recorded.id) in _actions(team)
    assert ("consent_read", "P-0001") in _actions(team)
    # Withdrawn: a new version, the page says so; a second withdrawal is refused.
    withdrawn = workbench.post(
        "/people/P-0001/consents/withdraw",
        data={"csrf": token, "consent_id": recorded.id, "on": "2026-04-02"},
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303
    assert _consents(team)[0].withdrawn == "2026-04-02"
    again = workbench.post(
        "/people/P-0001/consents/withdraw",
        data={"csrf": token, "consent_id": recorded.id, "on": "2026-04-03"},
    )
    assert again.status_code == 400 and "already withdrawn" in again.text
    other = workbench.post(
        "/people/P-0001/consents/withdraw",
        data={"csrf": token, "consent_id": "CN-9999", "on": "2026-04-03"},
    )
    assert other.status_code == 400 and "not one of this person" in other.text
    russian = workbench.get("/people/P-0001/consents?lang=ru").text
    assert "Согласия" in russian and "анонимное цитирование" in russian


def test_the_consent_page_needs_an_unlock(workbench: TestClient, team: Team) -> None:
    login(workbench, team, "documenter")
    locked = workbench.get("/people/P-0001/consents")
    assert locked.status_code == 200 and "need an unlock" in locked.text


@pytest.mark.parametrize("role", ROLES)
def test_the_consent_page_answers_by_role(workbench: TestClient, team: Team, role: str) -> None:
    unlock(workbench, team)
    token = login(workbench, team, role)
    reading = workbench.get("/people/P-0001/consents").status_code
    adding = workbench.post(
        "/people/P-0001/consents",
        data={"csrf": token, "scopes": "aggregate_statistics", "obtained_on": "2026-03-01"},
        follow_redirects=False,
    ).status_code
    assert (reading == 200) == (role in ("documenter", "analyst")), (role, reading)
    assert (adding == 303) == (role == "documenter"), (role, adding)
    if role != "documenter":
        assert adding == 403
