"""Triage and casework through the workbench's pages and the intake: what is sealed, what is
logged, what is refused (the browser flows are in test_browser_casework.py)."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from PIL import ExifTags, Image

from bearwitness.domain.records import Document, Intervention
from bearwitness.services import audit, reading
from bearwitness.services.archive import Archive
from tests.web.conftest import PASSPHRASE, Team, login, unlock, wait_for_fold

TEXT = "FICTIONAL: they took my brother at night"
NOTES = "FICTIONAL-internal-note-7f3a"


def receipt_of(html: str) -> str:
    found = re.search(r'id="receipt">([^<]+)<', html)
    assert found
    return found.group(1)


def gps_jpeg() -> bytes:
    image = Image.new("RGB", (8, 8), "white")
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (43.0, 18.0, 30.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def opened(team: Team) -> Archive:
    archive = Archive.open(team.folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    return archive


def test_triage_is_sealed_versioned_audited_and_refused_when_stale(
    intake: TestClient, workbench: TestClient, team: Team
) -> None:
    code = receipt_of(
        intake.post(
            "/submit",
            data={"text": TEXT},
            files=[("files", ("photo.jpg", gps_jpeg(), "image/jpeg"))],
        ).text
    )
    # A follow-up with the code, and one with a mistyped code: the same answer for both.
    right = intake.post("/follow-up", data={"code": code, "text": "FICTIONAL: it was Tuesday"})
    wrong = intake.post("/follow-up", data={"code": "ABCD", "text": "FICTIONAL: lost"})
    assert right.status_code == wrong.status_code == 200 and right.text == wrong.text
    # Locked: the inbox says the status is sealed, and filters are not applied.
    token = login(workbench, team, "documenter")
    assert "Status and assignee are sealed" in workbench.get("/inbox?status=done").text
    workbench.cookies.clear()
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    wait_for_fold(workbench)
    archive = opened(team)
    try:
        submission = reading.list_records(archive, "document", equals={"kind": "submission"})
        follow_ups = reading.list_records(archive, "document", equals={"kind": "follow_up"})
    finally:
        archive.close()
    document_id = submission[0].id
    assert len(follow_ups) == 2
    page = workbench.get(f"/inbox/{document_id}")
    assert "it was Tuesday" in page.text and "FICTIONAL: lost" not in page.text
    # Folded within one second as a rule: the submission still comes before its follow-up.
    assert page.text.index(TEXT) < page.text.index("it was Tuesday")
    version = int(re.search(r'name="version" value="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    saved = workbench.post(
        f"/inbox/{document_id}/triage",
        data={"csrf": token, "status": "follow_up", "notes": NOTES, "version": str(version)},
    )
    assert saved.status_code == 200 and "new version" in saved.text
    stale = workbench.post(
        f"/inbox/{document_id}/triage",
        data={"csrf": token, "status": "done", "notes": "", "version": str(version)},
    )
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    listed = workbench.get("/inbox?status=follow_up").text
    assert document_id in listed
    assert document_id not in workbench.get("/inbox?status=done").text
    # The document page warns that the original carries a position.
    assert "GPS position" in workbench.get(f"/records/document/{document_id}").text
    archive = opened(team)
    try:
        record = reading.open_full(archive, document_id)
        assert isinstance(record, Document) and record.triage_status == "follow_up"
        assert reading.get(archive, document_id).version == version + 1
        actions = [(e.action, e.target) for e in audit.recent(archive.engine)]
        assert ("triage", document_id) in actions
        files = reading.list_records(archive, "evidence", equals={"document_id": document_id})
    finally:
        archive.close()
    # A preview is audited as a preview, a download as a download.
    workbench.post(f"/records/document/{document_id}/reveal", data={"csrf": token})
    original = next(f.id for f in files if f.fields["media_type"] == "image/jpeg")
    assert workbench.get(f"/evidence/{original}/preview").status_code == 200
    archive = opened(team)
    try:
        latest = audit.recent(archive.engine, limit=1)[0]
        assert (latest.action, latest.target) == ("preview", original)
    finally:
        archive.close()
    # Nothing of the triage is in the database's clear bytes (SQLite: the file and its WAL).
    stored = b"".join(path.read_bytes() for path in team.folder.glob("archive.db*"))
    assert NOTES.encode() not in stored and b"it was Tuesday" not in stored


def test_a_case_refuses_a_live_location_and_a_stale_save(workbench: TestClient, team: Team) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    fields = {
        "csrf": token,
        "kind": "evacuation",
        "status": "planned",
        "priority": "urgent",
        "response": "none_yet",
        "impact": "unknown",
        "person_id": "P-0001",
        "journey": "2019-03 | Chechnya | 43.3169 45.6815",
        "safety_plan": "FICTIONAL plan",
    }
    refused = workbench.post("/cases/new", data=fields)
    assert refused.status_code == 400 and "looks like a location" in refused.text
    assert "FICTIONAL plan" in refused.text  # kept for the next try
    archive = opened(team)
    try:
        assert reading.list_records(archive, "intervention") == []
    finally:
        archive.close()
    made = workbench.post(
        "/cases/new",
        data={**fields, "journey": "2019-03 | Chechnya | abroad"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    case_id = made.headers["location"].rsplit("/", 1)[1]
    closed = workbench.post(
        f"/cases/{case_id}", data={**fields, "journey": "", "status": "closed", "version": "1"}
    )
    assert closed.status_code == 200 and "case closed" in closed.text
    stale = workbench.post(f"/cases/{case_id}", data={**fields, "journey": "", "version": "1"})
    assert stale.status_code == 409 and "Nothing was saved" in stale.text
    archive = opened(team)
    try:
        record = reading.open_full(archive, case_id)
        assert isinstance(record, Intervention) and record.status == "closed"
        assert record.priority == "urgent" and record.safety_plan == "FICTIONAL plan"
    finally:
        archive.close()
    assert case_id in workbench.get("/people/P-0001/case").text
    assert case_id not in workbench.get("/cases").text.split('id="open-cases"')[1]
