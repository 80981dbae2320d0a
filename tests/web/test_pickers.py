"""Pickers, links in both directions, documented people and accounts, through the workbench."""

from __future__ import annotations

import re

import pyotp
from fastapi.testclient import TestClient

from bearwitness.services import audit, reading, status
from bearwitness.services.archive import Archive
from tests.web.conftest import PASSPHRASE, PASSWORD, Team, csrf_of, fresh_code, login, unlock


def test_a_document_is_linked_to_an_event_found_with_the_picker(
    workbench: TestClient, team: Team
) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    page = workbench.get("/records/document/D-0001")
    assert 'data-picker="event"' in page.text and 'name="event_id__q"' in page.text
    # Without JavaScript: "Find" sends the form, and the page lists what it found.
    found = workbench.post(
        "/records/document/D-0001/events",
        data={"csrf": token, "pick": "event_id", "event_id__q": "argun"},
    )
    assert found.status_code == 200, found.text
    assert 'type="radio" name="event_id" value="E-0001"' in found.text
    assert "FICTIONAL wave" not in found.text  # not revealed: no name
    # Asking for names reveals the records found, and the audit trail says so.
    named = workbench.post(
        "/records/document/D-0001/events",
        data={"csrf": token, "pick": "event_id", "event_id__q": "2019", "event_id__names": "1"},
    )
    assert "FICTIONAL wave of detentions" in named.text
    linked = workbench.post(
        "/records/document/D-0001/events", data={"csrf": token, "event_id": "E-0001"}
    )
    assert linked.status_code == 200 and "now linked" in linked.text, linked.text
    assert '<a href="/records/event/E-0001">E-0001</a>' in linked.text
    # ... and the event's page names the document: links in both directions.
    event = workbench.get("/records/event/E-0001").text
    assert "Documents about this event" in event
    assert '<a href="/records/document/D-0001">D-0001</a>' in event
    assert '<a href="/records/act/A-0001">A-0001</a>' in event  # its act, with its victim
    assert '<a href="/records/person/P-0001">P-0001</a>' in event
    archive = Archive.open(team.folder)
    try:
        assert any(
            e.action == "reveal" and "E-0001" in e.target for e in audit.recent(archive.engine)
        )
    finally:
        archive.close()


def test_the_type_ahead_answers_with_ids_and_clear_facts(workbench: TestClient, team: Team) -> None:
    login(workbench, team, "documenter")
    answer = workbench.get("/pick/event", params={"q": "E-1"})
    assert answer.status_code == 200
    choices = answer.json()["choices"]
    assert [c["id"] for c in choices] == ["E-0001"]
    assert "Argun" in choices[0]["label"] and "FICTIONAL" not in choices[0]["label"]
    # Locked, names cannot be shown even when asked for.
    assert "FICTIONAL" not in workbench.get("/pick/event?q=argun&names=1").text
    assert workbench.get("/pick/claim?q=x").status_code == 400


def test_linking_while_locked_says_it_needs_an_unlock(workbench: TestClient, team: Team) -> None:
    token = login(workbench, team, "documenter")
    answer = workbench.post(
        "/records/document/D-0001/events", data={"csrf": token, "event_id": "E-0001"}
    )
    assert answer.status_code == 400 and "needs an unlock" in answer.text


def test_a_persons_page_shows_its_acts_and_what_a_person_is(
    workbench: TestClient, team: Team
) -> None:
    login(workbench, team, "analyst")
    page = workbench.get("/records/person/P-0001").text
    assert "A Person is one human being" in page
    assert "Acts against this person" in page and "/records/act/A-0001" in page
    assert "fictional" not in page.split("<table>")[1].split("</table>")[0]
    act = workbench.get("/records/act/A-0001").text
    assert '<a href="/records/event/E-0001">E-0001</a>' in act


def test_the_incident_form_keeps_everything_through_a_picker_search(
    workbench: TestClient, team: Team
) -> None:
    token = login(workbench, team, "documenter")
    answer = workbench.post(
        "/incident",
        data={
            "csrf": token,
            "victim_rows": "1",
            "title": "FICTIONAL raid",
            "victim1_acts": ["torture", "arbitrary_detention"],
            "pick": "parent_id",
            "parent_id__q": "argun",
        },
    )
    assert answer.status_code == 200
    assert 'value="FICTIONAL raid"' in answer.text
    assert 'value="E-0001"' in answer.text
    assert len(re.findall(r'name="victim1_acts" value="\w+" checked', answer.text)) == 2


def test_the_start_page_counts_documented_people_as_the_estimates_do(
    workbench: TestClient, lists_team: Team
) -> None:
    from bearwitness.services import linking

    login(workbench, lists_team, "analyst")
    assert "Not counted yet" in workbench.get("/").text
    archive = Archive.open(lists_team.folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    try:
        run = linking.link_archive(archive).run
        people = status.documented_people(archive)
        from bearwitness.services import estimates

        histories = estimates.archive_histories(archive)
    finally:
        archive.close()
    assert people.count == run.persons == sum(h.n_observed for h in histories.strata.values())
    home = workbench.get("/").text
    assert f'id="people-count" class="figure">{people.count:,}<' in home
    assert "Counted by the newest link run" in home


def test_users_change_their_password_and_enrol_a_new_app(workbench: TestClient, team: Team) -> None:
    token = login(workbench, team, "auditor")
    wrong = workbench.post(
        "/account/password",
        data={"csrf": token, "current": "not it", "new": "x" * 14, "again": "x" * 14},
    )
    assert wrong.status_code == 400 and "current password is wrong" in wrong.text
    new = "FICTIONAL a brand new password"
    done = workbench.post(
        "/account/password", data={"csrf": token, "current": PASSWORD, "new": new, "again": new}
    )
    assert done.status_code == 200 and "password was changed" in done.text
    started = workbench.post("/account/factor", data={"csrf": token})
    assert "<svg" in started.text
    secret = re.search(r'id="totp-secret">(\w+)<', started.text).group(1)  # type: ignore[union-attr]
    bad = workbench.post("/account/factor/confirm", data={"csrf": token, "code": "000000"})
    assert bad.status_code == 400
    ok = workbench.post(
        "/account/factor/confirm", data={"csrf": token, "code": pyotp.TOTP(secret).now()}
    )
    assert ok.status_code == 200 and "is set up" in ok.text


def test_an_admin_resets_a_second_factor(workbench: TestClient, team: Team) -> None:
    token = login(workbench, team, "admin")
    answer = workbench.post("/users/auditor/factor/reset", data={"csrf": token})
    assert answer.status_code == 200 and 'id="totp-qr"' in answer.text and "<svg" in answer.text
    secret = re.search(r'id="totp-secret">(\w+)<', answer.text).group(1)  # type: ignore[union-attr]
    assert secret != team.secrets["auditor"]
    own = workbench.post("/users/admin/factor/reset", data={"csrf": token})
    assert own.status_code == 403 and "nobody changes their own account" in own.text.lower()
    other = TestClient(workbench.app, base_url=str(workbench.base_url))
    page = other.get("/login")
    kept = other.post(
        "/login",
        data={
            "csrf": csrf_of(page.text),
            "username": "auditor",
            "password": PASSWORD,
            "code": fresh_code(other, secret),
        },
        follow_redirects=False,
    )
    assert kept.status_code == 303


def test_a_person_made_by_linkage_shows_its_list_entries_and_their_names(
    workbench: TestClient, lists_team: Team
) -> None:
    from bearwitness.services import linking, related

    archive = Archive.open(lists_team.folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    try:
        linking.link_archive(archive)
        person = next(
            p.id
            for p in reading.list_records(archive, "person")
            if len(related.person_entries(archive, p.id)[0]) > 1
        )
        entries, lists = related.person_entries(archive, person, names=True)
    finally:
        archive.close()
    login(workbench, lists_team, "analyst")
    locked = workbench.get(f"/records/person/{person}").text
    assert "shown after an unlock" in locked and entries[0].id not in locked
    workbench.post("/logout", data={"csrf": csrf_of(locked)})
    unlock(workbench, lists_team)
    token = login(workbench, lists_team, "analyst")
    page = workbench.get(f"/records/person/{person}").text
    assert all(entry.id in page for entry in entries) and all(name in page for name in lists)
    assert entries[0].name not in page  # not revealed: no names
    workbench.post(f"/records/person/{person}/reveal", data={"csrf": token})
    revealed = workbench.get(f"/records/person/{person}").text
    assert entries[0].name and entries[0].name in revealed
