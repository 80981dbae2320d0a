"""Admins' own XLSForms: converted by pyxform with the archive's ODK key, published by the
intake, and a submission of one written in at unlock by its field map; bad workbooks are
refused naming the sheet, row and column."""

from __future__ import annotations

import io
import uuid

import openpyxl
import pytest
from defusedxml import ElementTree

from bearwitness.crypto import odk
from bearwitness.errors import InputError
from bearwitness.services import field_forms, inbox
from tests.web.test_openrosa import FORMLIST_NS, PHOTO, Field, field, post, records, unlocked

__all__ = ["field"]  # the fixture, shared with test_openrosa

SURVEY = [
    ["type", "name", "label", "bearwitness"],
    ["text", "what", "What happened", "event.title"],
    ["text", "when", "When", "event.date"],
    ["text", "where", "Village", None],
    ["begin_repeat", "people", "People", None],
    ["text", "who", "Name", "victim.full_name"],
    ["select_one act", "done", "What was done", "act.act_type"],
    ["text", "extra", "Anything else", None],
    ["end_repeat", "", "", None],
    ["image", "pic", "Photo", None],
]
CHOICES = [
    ["list_name", "name", "label"],
    ["act", "torture", "Torture"],
    ["act", "arbitrary_detention", "Detention"],
]
SETTINGS = [["form_id", "form_title", "version"], ["village_survey", "FICTIONAL survey", "7"]]


def xlsform(
    survey: list[list[object]],
    settings: list[list[object]] | None = None,
    choices: list[list[object]] | None = None,
) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    sheet_of_choices = book.create_sheet("choices")
    for row in CHOICES if choices is None else choices:
        sheet_of_choices.append(row)
    if settings:
        more = book.create_sheet("settings")
        for row in settings:
            more.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def submission(instance: str) -> bytes:
    return (
        '<?xml version="1.0"?><data id="village_survey" version="7">'
        "<what>FICTIONAL raid</what><when>~2019-02</when><where>FICTIONAL village</where>"
        "<people><who>FICTIONAL Anna</who><done>torture</done><extra>FICTIONAL note</extra>"
        "</people><people><who>FICTIONAL Boris</who><done>arbitrary_detention</done>"
        "<extra/></people><pic>1561432532482.jpg</pic>"
        f"<meta><instanceID>{instance}</instanceID></meta></data>"
    ).encode()


def test_an_uploaded_form_is_published_and_its_submissions_mapped(field: Field) -> None:
    archive = unlocked(field.folder)
    form = field_forms.upload(archive, xlsform(SURVEY, SETTINGS), "village.xlsx")
    assert form.mapping == {
        "what": "event.title",
        "when": "event.date",
        "who": "victim.full_name",
        "done": "act.act_type",
    }
    assert b"base64RsaPublicKey" in form.xml
    listed = ElementTree.fromstring(field.client.get(f"{field.url}/formList").content)
    assert "village_survey" in [e.text for e in listed.iter(f"{FORMLIST_NS}formID")]
    assert field.client.get(f"{field.url}/forms/village_survey.xml").content == form.xml
    instance = f"uuid:{uuid.uuid4()}"
    xml, files = odk.seal_submission(
        field.public,
        form_id="village_survey",
        version="7",
        instance_id=instance,
        xml=submission(instance),
        media=[("1561432532482.jpg", PHOTO)],
    )
    assert post(field.client, field.url, xml, files).status_code == 201
    report = inbox.fold(archive)
    assert report.failed == [] and report.folded == 1
    (event,) = records(archive, "event")
    assert event["title"] == "FICTIONAL raid" and str(event["date"]).startswith("~2019-02")
    victims = {str(p["full_name"]): p["id"] for p in records(archive, "person")}
    assert set(victims) == {"FICTIONAL Anna", "FICTIONAL Boris"}
    acts = {str(a["act_type"]): a["victim_id"] for a in records(archive, "act")}
    assert acts == {
        "torture": victims["FICTIONAL Anna"],
        "arbitrary_detention": victims["FICTIONAL Boris"],
    }
    (document,) = records(archive, "document")
    assert "where: FICTIONAL village" in str(document["text"])  # unmapped: sealed notes
    assert "FICTIONAL note" in str(document["text"]) and "FICTIONAL raid" not in str(
        document["text"]
    )
    assert len(records(archive, "evidence")) == 1
    archive.close()


def test_the_map_is_remembered_when_a_new_version_is_uploaded(field: Field) -> None:
    archive = unlocked(field.folder)
    field_forms.upload(archive, xlsform(SURVEY, SETTINGS), "village.xlsx")
    field_forms.set_mapping(
        archive, "village_survey", {"what": "event.title", "where": "event.location"}
    )
    plain = [row[:3] for row in SURVEY]
    again = field_forms.upload(archive, xlsform(plain, SETTINGS), "village.xlsx")
    assert again.mapping == {"what": "event.title", "where": "event.location"}
    archive.close()


@pytest.mark.parametrize(
    ("survey", "said"),
    [
        (
            [*SURVEY[:2], ["text", "x", "X", "event.nope"]],
            "sheet survey, row 3, column D (bearwitness)",
        ),
        ([*SURVEY[:2], ["text", "y", "Y", "event.title"]], "event.title is given already on row 2"),
        ([*SURVEY[:2], ["select_one nolist", "z", "Z", None]], "sheet survey, row 3:"),
        ([*SURVEY[:2], ["txet", "z", "Z", None]], "sheet survey, row 3, column type"),
        ([["name", "label"], ["what", "What"]], "sheet survey, row 1: no column named type"),
    ],
)
def test_a_bad_xlsform_is_refused_naming_where(
    field: Field, survey: list[list[object]], said: str
) -> None:
    archive = unlocked(field.folder)
    with pytest.raises(InputError) as caught:
        field_forms.upload(archive, xlsform(survey, SETTINGS), "village.xlsx")
    assert said in caught.value.message and "village.xlsx" in caught.value.message
    assert field_forms.every(field.folder) == []
    archive.close()


def test_a_bad_choice_is_refused_naming_the_choices_sheet(field: Field) -> None:
    archive = unlocked(field.folder)
    with pytest.raises(InputError, match="sheet choices, row 4:"):
        field_forms.upload(
            archive, xlsform(SURVEY, SETTINGS, [*CHOICES, ["act", "", "No name"]]), "v.xlsx"
        )
    archive.close()


def test_what_is_no_workbook_or_takes_the_incident_forms_id_is_refused(field: Field) -> None:
    archive = unlocked(field.folder)
    with pytest.raises(InputError, match="not an Excel workbook"):
        field_forms.upload(archive, b"PK\x03\x04 FICTIONAL", "notes.xlsx")
    ours = [["form_id"], ["bearwitness_incident"]]
    with pytest.raises(InputError, match="BearWitness's own form"):
        field_forms.upload(archive, xlsform(SURVEY, ours), "mine.xlsx")
    with pytest.raises(InputError, match="no record field"):
        field_forms.upload(archive, xlsform(SURVEY, SETTINGS), "village.xlsx")
        field_forms.set_mapping(archive, "village_survey", {"what": "event.nothing"})
    assert field_forms.find(field.folder, "village_survey") is not None
    archive.close()
