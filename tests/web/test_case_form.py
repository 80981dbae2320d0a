"""The case form says what is wrong next to each field and keeps what was typed; a case's
clear fields show without Reveal (locked too), its sealed ones only once revealed."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bearwitness.services import reading
from bearwitness.services.archive import Archive
from tests.web.conftest import PASSPHRASE, Team, login, unlock

PLAN = "FICTIONAL plan: new phones"


def _fields(token: str) -> dict[str, str]:
    return {
        "csrf": token,
        "kind": "evacuation",
        "status": "planned",
        "priority": "urgent",
        "response": "none_yet",
        "impact": "unknown",
        "person_id": "P-0001",
        "risk_level": "high",
        "risk_review": "2020-01",
        "journey": "2019-03 | Chechnya | abroad",
        "funds": "2019-03 | -15000 RUB | bus tickets",
        "safety_plan": PLAN,
        "partner_organisation": "FICTIONAL Partner",
    }


def _error_of(html: str, name: str) -> str:
    found = re.search(rf'<p class="(?:field-)?error" id="{name}-error"[^>]*>(.*?)</p>', html, re.S)
    assert found, f"no message next to {name}"
    return found.group(1)


def _interventions(team: Team) -> list[reading.RecordView]:
    archive = Archive.open(team.folder)
    try:
        return reading.list_records(archive, "intervention")
    finally:
        archive.close()


def test_each_bad_field_is_named_next_to_it_and_everything_typed_is_kept(
    workbench: TestClient, team: Team
) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    bad = {
        **_fields(token),
        "date": "2019-13-45",
        "person_id": "P-9999",
        "funds": "bus tickets, 15000",
        "journey": "2019-03 | 43.3169, 45.6815 | abroad",
    }
    refused = workbench.post("/cases/new", data=bad)
    assert refused.status_code == 400
    html = refused.text
    assert "Correct the fields marked below" in html
    assert "Month 13 does not exist" in _error_of(html, "date")
    assert "no person P-9999" in _error_of(html, "person_id")
    assert "not a line of the ledger" in _error_of(html, "funds")
    assert "looks like a location" in _error_of(html, "journey")
    assert 'id="date"' in html and 'aria-describedby="date-hint date-error"' in html
    assert re.search(r'id="priority"[^>]*aria-invalid', html) is None  # a good field is not marked
    for typed in (PLAN, "FICTIONAL Partner", "P-9999", "2019-13-45", "bus tickets, 15000"):
        assert typed in html, typed
    assert re.search(r'<option value="urgent"\s*selected', html)
    assert _interventions(team) == []  # nothing was written
    # In Russian, each field's problem is said in Russian, values quoted as typed.
    russian = workbench.post("/cases/new?lang=ru", data=bad)
    assert "Месяца 13 не существует" in _error_of(russian.text, "date")
    assert "В архиве нет записи «человек» P-9999" in _error_of(russian.text, "person_id")
    assert "не строка учёта средств" in _error_of(russian.text, "funds")
    assert "похож на местоположение" in _error_of(russian.text, "journey")


def test_a_change_with_a_bad_field_is_refused_next_to_it(workbench: TestClient, team: Team) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    made = workbench.post("/cases/new", data=_fields(token), follow_redirects=False)
    assert made.status_code == 303
    case_id = made.headers["location"].rsplit("/", 1)[1]
    refused = workbench.post(
        f"/cases/{case_id}", data={**_fields(token), "event_id": "E-9999", "version": "1"}
    )
    assert refused.status_code == 400
    assert "no event E-9999" in _error_of(refused.text, "event_id")
    assert PLAN in refused.text
    assert [view.version for view in _interventions(team)] == [1]


def test_clear_fields_show_without_reveal_and_sealed_ones_only_revealed(
    workbench: TestClient, team: Team
) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    made = workbench.post("/cases/new", data=_fields(token), follow_redirects=False)
    case_id = made.headers["location"].rsplit("/", 1)[1]
    revealed = workbench.get(f"/cases/{case_id}").text  # its author sees what they wrote
    assert "urgent" in revealed and "-15000 RUB" in revealed and PLAN in revealed
    workbench.post(f"/records/intervention/{case_id}/hide", data={"csrf": token, "back": "case"})
    hidden = workbench.get(f"/cases/{case_id}").text
    assert "evacuation or relocation" in hidden and "planned" in hidden and "P-0001" in hidden
    for sealed in ("urgent", "-15000 RUB", PLAN, "2020-01", "FICTIONAL Partner"):
        assert sealed not in hidden, sealed
    assert ">Reveal<" in hidden
    # Locked: the case page and the list still show the clear fields.
    workbench.post("/lock", data={"csrf": token})
    locked = workbench.get(f"/cases/{case_id}").text
    assert "evacuation or relocation" in locked and "P-0001" in locked
    assert "urgent" not in locked and 'id="case-locked"' in locked
    listed = workbench.get("/cases").text
    assert case_id in listed.split('id="open-cases"')[1] and 'id="cases-locked"' in listed
    assert "urgent" not in listed
    assert PASSPHRASE not in listed


def test_the_person_is_chosen_with_a_picker_and_what_was_typed_stays(
    workbench: TestClient, team: Team
) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    fields = {**_fields(token), "person_id": "", "pick": "person_id", "person_id__q": "P-0001"}
    found = workbench.post("/cases/new", data=fields)
    assert found.status_code == 200
    assert re.search(r'type="radio" name="person_id" value="P-0001"', found.text)
    assert PLAN in found.text and "FICTIONAL Partner" in found.text  # nothing typed is lost
    assert _interventions(team) == []  # "Find" saves nothing
    chosen = workbench.post(
        "/cases/new", data={**_fields(token), "person_id": "P-0001"}, follow_redirects=False
    )
    assert chosen.status_code == 303
