"""Editing in the workbench: forms for every record type, messages next to their fields
with everything typed kept, conflicts between two editors, history and restore; and the
incident form that keeps what was typed and ticked."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from bearwitness.services import reading, users
from bearwitness.services.archive import Archive
from tests.web.conftest import (
    BASE,
    PASSPHRASE,
    PASSWORD,
    Team,
    cheap_hasher,
    csrf_of,
    login,
    unlock,
)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name}"
    return found.group(1)


def form_of(html: str) -> dict[str, str]:
    return {name: hidden(html, name) for name in ("csrf", "version", "fields")}


@pytest.fixture
def documenter(workbench: TestClient, team: Team) -> TestClient:
    unlock(workbench, team)
    login(workbench, team, "documenter")
    return workbench


def test_every_listed_record_has_an_edit_form(documenter: TestClient) -> None:
    for path in ("event/E-0001", "act/A-0001", "person/P-0001", "document/D-0001", "source/S-0001"):
        answer = documenter.get(f"/records/{path}/edit")
        assert answer.status_code == 200, path
        assert 'name="version" value="1"' in answer.text
    act = documenter.get("/records/act/A-0001/edit").text
    assert 'type="checkbox" name="consequences"' in act and "пытки" not in act
    assert "пытки" in documenter.get("/records/act/A-0001/edit?lang=ru").text
    assert documenter.get("/records/act/E-0001/edit").status_code == 404


def test_sealed_fields_are_in_the_form_only_while_revealed(documenter: TestClient) -> None:
    page = documenter.get("/records/person/P-0001/edit").text
    assert 'name="full_name"' not in page and "FICTIONAL Ivan Petrov" not in page
    assert 'id="sealed-kept"' in page
    token = csrf_of(page)
    documenter.post("/records/person/P-0001/reveal", data={"csrf": token})
    page = documenter.get("/records/person/P-0001/edit").text
    assert 'value="FICTIONAL Ivan Petrov"' in page
    # A clear-only save keeps the sealed fields as they were.
    documenter.post("/records/person/P-0001/hide", data={"csrf": token})
    clear_only = form_of(documenter.get("/records/person/P-0001/edit").text)
    saved = documenter.post(
        "/records/person/P-0001/edit",
        data={**clear_only, "role": "witness", "sex": "male"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with Archive.open(documenter.app.app.state.keys.archive.folder) as archive:  # type: ignore[attr-defined]
        archive.unlock_with_passphrase(PASSPHRASE)
        person = reading.open_full(archive, "P-0001")
    assert person.full_name == "FICTIONAL Ivan Petrov" and person.role == "witness"  # type: ignore[attr-defined]


def test_an_edit_saves_a_version_the_history_lists(documenter: TestClient) -> None:
    form = form_of(documenter.get("/records/act/A-0001/edit").text)
    values = {
        "event_id": "E-0001",
        "victim_id": "P-0001",
        "act_type": "killing",
        "date": "2019-01-14",
        "involvement": "direct",
        "consequences": ["died"],
        "perpetrator_ids": "",
    }
    answer = documenter.post("/records/act/A-0001/edit", data={**form, **values})
    assert answer.status_code == 200 and "a new version was written" in answer.text
    history = answer.text[answer.text.index('id="history"') :]
    assert 'id="version-2"' in history and "edited" in history
    assert "killing" in history and "2019-01-14" in history and "died" in history
    assert re.search(r"U-[0-9a-f]{12}", history)  # a documenter sees the pseudonym
    assert "documenter" not in history
    again = documenter.post("/records/act/A-0001/edit", data={**form, **values, "version": "2"})
    assert "no new version" in again.text  # the same values: nothing written


def test_a_bad_value_is_named_next_to_its_field_and_all_typed_is_kept(
    documenter: TestClient,
) -> None:
    form = form_of(documenter.get("/records/event/E-0001/edit").text)
    answer = documenter.post(
        "/records/event/E-0001/edit",
        data={
            **form,
            "date": "2019-13",
            "district": "FICTIONAL Shali",
            "victims": "a great many",
            "parent_id": "E-0404",
            "related_ids": "",
        },
    )
    assert answer.status_code == 400
    text = answer.text
    assert 'id="field-date-error"' in text and "Month 13 does not exist" in text
    assert 'id="field-victims-error"' in text and "a great many" in text
    assert 'value="2019-13"' in text and 'value="FICTIONAL Shali"' in text
    assert 'value="a great many"' in text and 'aria-invalid="true"' in text
    assert reading.get(documenter.app.app.state.keys.archive, "E-0001").version == 1  # type: ignore[attr-defined]
    ticked = documenter.post(
        "/records/act/A-0001/edit",
        data={
            **form_of(documenter.get("/records/act/A-0001/edit").text),
            "act_type": "torture",
            "date": "sometime",
            "consequences": ["released", "fled"],
        },
    )
    assert ticked.status_code == 400
    assert len(re.findall(r'name="consequences" value="(released|fled)" checked', ticked.text)) == 2
    reference = documenter.post(
        "/records/act/A-0001/edit",
        data={**form_of(documenter.get("/records/act/A-0001/edit").text), "victim_id": "P-0404"},
    )
    assert reference.status_code == 400 and "no person P-0404" in reference.text


def test_in_russian_each_field_is_told_what_is_wrong_in_russian(documenter: TestClient) -> None:
    """The checks' words (dates, counts, vocabularies, references, the hints) are said in
    the page's language; the values typed are quoted as typed."""
    documenter.get("/?lang=ru")
    form = form_of(documenter.get("/records/event/E-0001/edit").text)
    answer = documenter.post(
        "/records/event/E-0001/edit",
        data={**form, "date": "2019-13", "victims": "очень много"},
    )
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert "Месяца 13 не существует. Месяцы — от 01 до 12." in text
    assert "'очень много' — не количество. Напишите 40, ~40 (около)" in text
    parent = documenter.post(
        "/records/event/E-0001/edit",
        data={**form_of(documenter.get("/records/event/E-0001/edit").text), "parent_id": "E-0404"},
    )
    assert "В архиве нет записи «событие» E-0404" in parent.text
    act = documenter.post(
        "/records/act/A-0001/edit",
        data={
            **form_of(documenter.get("/records/act/A-0001/edit").text),
            "act_type": "no_such_act",
            "date": "2019-02-30",
        },
    )
    assert act.status_code == 400
    said = html.unescape(act.text)
    assert "'no_such_act' — неизвестное значение («тип действия»)" in said
    assert "В 2019-02 нет дня 30. В этом месяце дни с 1 по 28." in said
    for english in ("does not exist", "is not a", "Write ", "no day", "in the archive"):
        assert english not in text + said, english


def test_the_second_of_two_editors_is_refused_and_keeps_what_they_typed(
    documenter: TestClient, team: Team
) -> None:
    other = TestClient(documenter.app, base_url=BASE)
    login(other, team, "documenter")
    first = form_of(documenter.get("/records/event/E-0001/edit").text)
    second = form_of(other.get("/records/event/E-0001/edit").text)
    saved = documenter.post(
        "/records/event/E-0001/edit",
        data={**first, "date": "2019-01", "district": "FICTIONAL Argun-2", "victims": "~40"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    refused = other.post(
        "/records/event/E-0001/edit",
        data={**second, "date": "2019-02", "district": "Argun", "victims": "41"},
    )
    assert refused.status_code == 409
    conflict = refused.text[refused.text.index('id="conflict"') :]
    assert "district" in conflict and "FICTIONAL Argun-2" in conflict  # what they changed
    assert 'value="2019-02"' in refused.text and 'value="41"' in refused.text  # mine, kept
    assert hidden(refused.text, "version") == "2"
    assert "~40" in reading.get(documenter.app.app.state.keys.archive, "E-0001").fields["victims"]  # type: ignore[attr-defined]
    again = other.post(
        "/records/event/E-0001/edit",
        data={**form_of(refused.text), "date": "2019-02", "district": "Argun", "victims": "41"},
        follow_redirects=False,
    )
    assert again.status_code == 303  # saved knowingly, over the version they were shown


def test_restore_brings_an_older_version_back_as_a_new_one(documenter: TestClient) -> None:
    form = form_of(documenter.get("/records/source/S-0001/edit").text)
    documenter.post(
        "/records/source/S-0001/edit",
        data={**form, "kind": "organisation", "reliability": "E"},
    )
    token = form["csrf"]
    stale = documenter.post(
        "/records/source/S-0001/restore", data={"csrf": token, "version": "1", "based_on": "1"}
    )
    assert stale.status_code == 409
    answer = documenter.post(
        "/records/source/S-0001/restore", data={"csrf": token, "version": "1", "based_on": "2"}
    )
    assert answer.status_code == 200 and "Restored" in answer.text
    assert "version 1 brought back" in answer.text
    assert reading.get(documenter.app.app.state.keys.archive, "S-0001").fields["reliability"] == "B"  # type: ignore[attr-defined]


def test_admins_see_who_made_a_change_and_others_the_pseudonym(
    team: Team, workbench: TestClient
) -> None:
    with Archive.open(team.folder) as archive:
        archive.unlock_with_passphrase(PASSPHRASE)
        team.secrets["chief"] = users.add_user(
            archive, "chief", PASSWORD, ["admin", "documenter"], hasher=cheap_hasher()
        )
    unlock(workbench, team)
    login(workbench, team, "documenter")
    form = form_of(workbench.get("/records/act/A-0001/edit").text)
    workbench.post("/records/act/A-0001/edit", data={**form, "act_type": "killing"})
    workbench.cookies.clear()
    login(workbench, team, "chief")
    history = workbench.get("/records/act/A-0001").text
    assert "<td>documenter</td>" in history


def test_locked_there_is_no_edit_and_the_history_says_why(
    documenter: TestClient, team: Team
) -> None:
    token = csrf_of(documenter.get("/").text)
    documenter.post("/lock", data={"csrf": token})
    login(documenter, team, "documenter")
    assert documenter.get("/records/act/A-0001/edit").status_code == 409
    page = documenter.get("/records/act/A-0001").text
    assert 'id="edit-link"' not in page and "unlock the archive to see" in page


def test_analysts_may_read_the_history_but_not_edit(workbench: TestClient, team: Team) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "analyst")
    assert 'id="history"' in workbench.get("/records/act/A-0001").text
    assert workbench.get("/records/act/A-0001/edit").status_code == 403
    refused = workbench.post(
        "/records/act/A-0001/edit", data={"csrf": token, "version": "1", "fields": "notes"}
    )
    assert refused.status_code == 403


def test_one_more_victim_keeps_everything_typed_and_ticked(documenter: TestClient) -> None:
    token = csrf_of(documenter.get("/incident?victims=1").text)
    answer = documenter.post(
        "/incident",
        data={
            "csrf": token,
            "victim_rows": "1",
            "title": "FICTIONAL night raid",
            "date": "2019-02",
            "victim1_name": "FICTIONAL Victim",
            "victim1_acts": ["torture", "extortion"],
            "victim1_consequences": ["injured"],
            "more": "1",
        },
    )
    assert answer.status_code == 200
    text = answer.text
    assert 'name="victim2_name"' in text and 'value="FICTIONAL Victim"' in text
    assert 'value="FICTIONAL night raid"' in text
    assert 'name="victim1_acts" value="torture" checked' in text
    assert 'name="victim1_acts" value="extortion" checked' in text
    assert 'name="victim1_consequences" value="injured" checked' in text
    assert 'name="victim2_acts" value="torture" checked' not in text
    assert len(reading.list_records(documenter.app.app.state.keys.archive, "event")) == 1  # type: ignore[attr-defined]
    failed = documenter.post(
        "/incident",
        data={
            "csrf": token,
            "victim_rows": "2",
            "title": "FICTIONAL night raid",
            "date": "2019-13",
            "victim2_acts": ["forced_signature"],
            "victim2_consequences": ["fled"],
        },
    )
    assert failed.status_code == 400
    assert 'name="victim2_acts" value="forced_signature" checked' in failed.text
    assert 'name="victim2_consequences" value="fled" checked' in failed.text
