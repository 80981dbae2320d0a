"""In a real browser (Debian's Chromium, Playwright, the real `bearwitness serve`): import a
spreadsheet with bad rows, see every problem, fix it and import it; export a filtered list
and open it with openpyxl; export the archive and check the download against its SHA-256;
an analyst exports clear fields only. In English and Russian, with screenshots in
test-artifacts/web/transfer-*.png. FICTIONAL."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from bearwitness.domain.records import Person
from bearwitness.services import writing
from bearwitness.services.archive import Archive
from tests.web.browsing import NEEDS_CHROMIUM, Servers, chromium, login, served_archive, shot
from tests.web.conftest import PASSPHRASE

pytestmark = NEEDS_CHROMIUM
BAD = (
    "Name,Role,Sex\n"
    "FICTIONAL Zarema Isaeva,victim,female\n"
    "FICTIONAL Ruslan Bekov,astronaut,male\n"
    "=cmd|' /C calc'!A0,victim,male\n"
)
GOOD = BAD.replace("astronaut", "witness").replace("=cmd|' /C calc'!A0", "FICTIONAL Adam Umarov")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    def prepare(archive: Archive) -> None:
        writing.write_records(
            archive,
            [
                Person(id="P-0001", fictional=True, role="victim", full_name="FICTIONAL Первый"),
                Person(id="P-0002", fictional=True, role="witness", full_name="FICTIONAL Second"),
            ],
        )

    yield from served_archive(
        tmp_path_factory,
        "transfer",
        roles=("custodian", "documenter", "analyst"),
        rows=(),
        prepare=prepare,
        intake=False,
    )


@pytest.fixture(scope="module")
def documenter(servers: Servers) -> Iterator[object]:
    with chromium() as browser:
        custodian = browser.new_context().new_page()  # type: ignore[attr-defined]
        login(custodian, servers, "custodian")
        custodian.goto(servers.workbench + "/unlock")
        custodian.get_by_label("Passphrase").fill(PASSPHRASE)
        custodian.get_by_role("button", name="Unlock").last.click()
        assert "unlocked" in custodian.locator("#message").inner_text()
        page = browser.new_context(accept_downloads=True).new_page()  # type: ignore[attr-defined]
        login(page, servers, "documenter")
        yield page


def _upload(page: object, servers: Servers, path: Path, language: str) -> None:
    page.goto(servers.workbench + f"/import?lang={language}")  # type: ignore[attr-defined]
    page.locator("#file").set_input_files(str(path))  # type: ignore[attr-defined]
    page.locator("#kind").select_option("person")  # type: ignore[attr-defined]
    page.locator("form[action='/import'] button[type=submit]").click()  # type: ignore[attr-defined]
    page.locator("#map0").select_option("full_name")  # type: ignore[attr-defined]
    page.locator("button[value=preview]").click()  # type: ignore[attr-defined]


def test_import_a_sheet_with_bad_rows_fix_it_and_import_it(
    servers: Servers, documenter: object, tmp_path: Path
) -> None:
    page = documenter
    bad = tmp_path / "people.csv"
    bad.write_text(BAD, encoding="utf-8")
    _upload(page, servers, bad, "en")
    problems = page.get_by_role("alert").inner_text()  # type: ignore[attr-defined]
    assert "2 problems. Nothing was written" in problems
    assert "Row 3, column B (Role)" in problems and "astronaut" in problems
    assert "Row 4, column A (Name)" in problems and "formula" in problems
    assert page.locator("button[value=import]").is_disabled()  # type: ignore[attr-defined]
    shot(page, "transfer-import-problems-en")
    _upload(page, servers, bad, "ru")
    assert "Строка 3, столбец B" in page.get_by_role("alert").inner_text()  # type: ignore[attr-defined]
    shot(page, "transfer-import-problems-ru")
    good = tmp_path / "fixed.csv"
    good.write_text(GOOD, encoding="utf-8")
    _upload(page, servers, good, "en")
    assert page.locator("#import-ready").is_visible()  # type: ignore[attr-defined]
    assert "FICTIONAL Zarema Isaeva" in page.locator("#preview").inner_text()  # type: ignore[attr-defined]
    shot(page, "transfer-import-ready-en")
    page.get_by_role("button", name="Import 3 rows").click()  # type: ignore[attr-defined]
    page.locator("#import-done").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    assert "Imported 3 records" in page.locator("#import-done").inner_text()  # type: ignore[attr-defined]
    shot(page, "transfer-import-done-en")
    page.goto(servers.workbench + "/import?lang=ru")  # type: ignore[attr-defined]
    assert "Импортировано записей: 3" in page.locator("#import-done").inner_text()  # type: ignore[attr-defined]
    shot(page, "transfer-import-done-ru")
    page.goto(servers.workbench + "/?lang=en")  # type: ignore[attr-defined]


def test_export_a_filtered_list_and_open_it(
    servers: Servers, documenter: object, tmp_path: Path
) -> None:
    page = documenter
    page.goto(servers.workbench + "/records/person?lang=en&role=victim")  # type: ignore[attr-defined]
    page.get_by_text("Export this list", exact=True).click()  # type: ignore[attr-defined]
    page.get_by_label("Export this list as").select_option("xlsx")  # type: ignore[attr-defined]
    page.get_by_label("full name").check()  # type: ignore[attr-defined]
    shot(page, "transfer-list-export-en")
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.get_by_role("button", name="Export", exact=True).click()  # type: ignore[attr-defined]
    saved = tmp_path / "victims.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert "id" in header and "full_name" in header
    names = {row[header.index("full_name")] for row in rows[1:]}
    roles = {row[header.index("role")] for row in rows[1:]}
    assert roles == {"victim"} and "FICTIONAL Первый" in names
    assert "'=cmd|' /C calc'!A0" not in names  # the formula row was never imported
    page.goto(servers.workbench + "/records/person?lang=ru&role=victim")  # type: ignore[attr-defined]
    page.get_by_text("Выгрузка этого списка", exact=True).click()  # type: ignore[attr-defined]
    assert page.get_by_label("Выгрузить этот список как").is_visible()  # type: ignore[attr-defined]
    shot(page, "transfer-list-export-ru")


def test_export_the_archive_and_check_its_hash(
    servers: Servers, documenter: object, tmp_path: Path
) -> None:
    page = documenter
    page.goto(servers.workbench + "/export?lang=en")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Export everything").click()  # type: ignore[attr-defined]
    page.locator("#export-sha256").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    shown = page.locator("#export-sha256").inner_text()  # type: ignore[attr-defined]
    shot(page, "transfer-export-done-en")
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.locator("#export-download").click()  # type: ignore[attr-defined]
    saved = tmp_path / "export.zip"
    download.value.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == shown
    with zipfile.ZipFile(saved) as bundle:
        assert {"records.jsonl", "manifest.json"} <= set(bundle.namelist())
    page.goto(servers.workbench + "/export?lang=ru")  # type: ignore[attr-defined]
    assert page.locator("#export-sha256").inner_text() == shown  # type: ignore[attr-defined]
    shot(page, "transfer-export-done-ru")
    page.goto(servers.workbench + "/?lang=en")  # type: ignore[attr-defined]


HEADING = {"en": "Not allowed", "ru": "Нет доступа"}
REFUSED = {
    "en": "Your role does not allow this: take sealed fields out of the archive.",
    "ru": "Ваша роль не позволяет этого: выносить запечатанные поля из архива.",
}
EXPORT_LIST = {"en": "Export this list", "ru": "Выгрузка этого списка"}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_analyst_exports_clear_fields_only(
    servers: Servers, documenter: object, language: str
) -> None:
    """The archive is unlocked (the documenter's fixture): an analyst reveals sealed fields
    on screen, but only a role that may export takes them out of the archive."""
    browser = documenter.context.browser  # type: ignore[attr-defined]
    page = browser.new_context().new_page()
    login(page, servers, "analyst")
    page.goto(servers.workbench + f"/records/person?lang={language}&role=victim")
    page.get_by_text(EXPORT_LIST[language], exact=True).click()
    assert page.locator('input[name="sealed"]').count() == 0  # no sealed field offered
    assert page.locator('a[href="/export"]').count() == 0  # nor the whole archive's export
    shot(page, f"transfer-analyst-list-export-{language}")
    page.goto(servers.workbench + "/export")
    shown = page.locator("main").inner_text()
    assert HEADING[language] in shown and REFUSED[language] in shown
    shot(page, f"transfer-analyst-export-refused-{language}")
    page.context.close()
