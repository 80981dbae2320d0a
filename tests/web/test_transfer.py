"""Spreadsheets in and tables out through the workbench: every problem shown before anything
is written, the import a job through the CLI's store, exports by role, consent and hash.
FICTIONAL data."""

from __future__ import annotations

import base64
import hashlib
import html
import io
import re
import zipfile

import openpyxl
from fastapi.testclient import TestClient

from bearwitness.services import reading
from bearwitness.services.archive import Archive
from tests.web.conftest import PASSPHRASE, Team, last_log_entry, login, unlock, wait_for_job

BAD = (
    "Name,Role,Sex\n"
    "Fictional Zarema Isaeva,victim,female\n"
    "Fictional Ruslan Bekov,astronaut,male\n"
    "=cmd|' /C calc'!A0,victim,male\n"
)
GOOD = BAD.replace("astronaut", "witness").replace("=cmd|' /C calc'!A0", "Fictional Adam")


def _upload(client: TestClient, token: str, text: str, **extra: str) -> str:
    response = client.post(
        "/import",
        data={"csrf": token, "kind": "person", **extra},
        files={"file": ("people.csv", text.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    return str(response.text)


def _mapping(page: str) -> dict[str, str]:
    action = re.search(r'action="(/import/[0-9a-f]+)"', page)
    assert action
    return {"path": action.group(1), "map0": "full_name", "map1": "role", "map2": "sex"}


def _people(team: Team) -> int:
    archive = Archive.open(team.folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    try:
        return len(reading.list_records(archive, "person"))
    finally:
        archive.close()


def test_a_bad_sheet_shows_every_problem_and_writes_nothing(
    workbench: TestClient, team: Team
) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    before = _people(team)
    page = _upload(workbench, token, BAD)
    assert "Row 3, column B (Role)" in page and "astronaut" in page  # mapped by name
    form = _mapping(page)
    path = form.pop("path")
    page = workbench.post(path, data={"csrf": token, "action": "preview", **form}).text
    assert "Row 3, column B" in page and "Row 4, column A" in page and "formula" in page
    assert 'value="import" disabled' in page
    refused = workbench.post(path, data={"csrf": token, "action": "import", **form})
    assert refused.status_code == 400 and "Row 3, column B" in refused.text
    assert _people(team) == before
    workbench.get("/import?lang=ru")  # in Russian, what the checks say is said in Russian
    russian = html.unescape(_upload(workbench, token, BAD))
    assert "поле 'role': 'astronaut' — неизвестное значение («роль человека»)" in russian
    assert "is not a known" not in russian
    bad_source = workbench.post(
        "/import",
        data={"csrf": token, "kind": "person", "source": "X-1"},
        files={"file": ("people.csv", GOOD.encode(), "text/csv")},
    )
    assert bad_source.status_code == 400
    assert "'X-1' — не идентификатор записи «источник». Идентификатор источника" in (
        html.unescape(bad_source.text)
    )
    workbench.get("/import?lang=en")
    # Fixed and uploaded again, with a source: imported, and its mapping remembered.
    page = _upload(workbench, token, GOOD, source="S-0001")
    form = _mapping(page)
    path = form.pop("path")
    started = workbench.post(
        path, data={"csrf": token, "action": "import", **form}, follow_redirects=False
    )
    assert started.status_code == 303 and started.headers["location"] == "/import"
    done = wait_for_job(workbench, "/import", 'id="import-done"', 'id="import-failed"')
    assert "Imported 3 records" in done
    assert _people(team) == before + 3
    for path in team.folder.rglob("*"):  # the names reached no file in the clear
        if path.is_file():
            assert b"Zarema" not in path.read_bytes(), path
    again = _upload(workbench, token, "Name,Role\nFictional Again,victim\n", source="S-0001")
    assert "mapped as for this source" in again
    assert 'value="full_name" selected' in again


def test_locked_the_import_is_sealed_into_the_inbox(workbench: TestClient, team: Team) -> None:
    token = login(workbench, team, "documenter")
    page = _upload(workbench, token, GOOD)
    assert "sealed into the inbox" in page
    form = _mapping(page)
    path = form.pop("path")
    workbench.post(path, data={"csrf": token, "action": "import", **form})
    done = wait_for_job(workbench, "/import", 'id="import-done"', 'id="import-failed"')
    assert "Taken in 3 rows" in done
    assert list((team.folder / "inbox").iterdir())
    for path_ in (team.folder / "inbox").iterdir():
        assert b"Zarema" not in path_.read_bytes()


def test_a_wrong_encoding_is_named_by_row_and_column(workbench: TestClient, team: Team) -> None:
    token = login(workbench, team, "documenter")
    response = workbench.post(
        "/import",
        data={"csrf": token, "kind": "person"},
        files={"file": ("p.csv", "full_name\nТагиров\n".encode("cp1251"), "text/csv")},
    )
    assert response.status_code == 400
    assert "Row 2: column A" in response.text and "Windows-1251" in response.text
    russian = workbench.post(
        "/import?lang=ru",
        data={"csrf": token, "kind": "person"},
        files={"file": ("p.csv", "full_name\nТагиров\n".encode("cp1251"), "text/csv")},
    )
    assert "Строка 2: столбец A: текст не в кодировке UTF-8" in russian.text
    assert "Ничего не импортировано." in russian.text


def test_a_list_exports_clear_by_default_and_sealed_only_by_role_and_consent(
    workbench: TestClient, team: Team
) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    answer = workbench.post(
        "/records/person/export", data={"csrf": token, "format": "xlsx", "role": "victim"}
    )
    assert answer.status_code == 200
    digest = base64.b64encode(hashlib.sha256(answer.content).digest()).decode()
    assert answer.headers["repr-digest"] == f"sha-256=:{digest}:"
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    header = [c.value for c in next(sheet.iter_rows())]
    assert "id" in header and "full_name" not in header
    sealed = workbench.post(
        "/records/person/export",
        data={"csrf": token, "format": "csv", "sealed": "full_name"},
    )
    assert sealed.status_code == 200 and "full_name" in sealed.content.decode("utf-8-sig")
    archive = Archive.open(team.folder)
    assert last_log_entry(archive).kind == "export"
    archive.close()
    refused = workbench.post(
        "/records/person/export",
        data={
            "csrf": token,
            "sealed": "full_name",
            "purpose": "partner_sharing",
            "partner": "FICTIONAL",
        },
    )
    assert refused.status_code == 403 and "consent" in refused.text
    # An auditor may not list at all; the whole export needs a role that reveals.
    token = login(workbench, team, "auditor")
    assert workbench.post("/records/person/export", data={"csrf": token}).status_code == 403
    assert workbench.get("/export").status_code == 403


def test_the_whole_archive_exports_as_a_job_with_its_hash(
    workbench: TestClient, team: Team
) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    workbench.post("/export", data={"csrf": token, "purpose": "internal_casework"})
    page = wait_for_job(workbench, "/export", 'id="export-sha256"', 'id="export-failed"')
    shown = re.search(r'id="export-sha256">([0-9a-f]{64})<', page)
    link = re.search(r'href="(/export/[0-9a-f]+/download)"', page)
    assert shown and link
    download = workbench.get(link.group(1))
    assert hashlib.sha256(download.content).hexdigest() == shown.group(1)
    with zipfile.ZipFile(io.BytesIO(download.content)) as bundle:
        assert "records.jsonl" in bundle.namelist()
    # A lock forgets the plaintext held for the download.
    custodian = login(workbench, team, "custodian")
    workbench.post("/lock", data={"csrf": custodian})
    login(workbench, team, "documenter")
    assert workbench.get(link.group(1)).status_code == 404


def test_every_reason_a_sheet_is_refused_for_is_translated() -> None:
    from bearwitness.services import spreadsheets
    from bearwitness.web.i18n import translations
    from bearwitness.web.workbench import transfer

    assert transfer.REASONS == spreadsheets.REASONS
    russian = translations("ru")
    assert all(russian.gettext(reason) != reason for reason in spreadsheets.REASONS)
