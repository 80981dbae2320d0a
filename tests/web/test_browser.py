"""End to end in a real browser: Debian's Chromium driven by Playwright, against the real
`bearwitness serve` and `serve-intake` processes. The intake is used with JavaScript off.
Screenshots of the main pages are kept in test-artifacts/web/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.browsing import NEEDS_CHROMIUM, Servers, login, press, served_archive, shot
from tests.web.conftest import PASSPHRASE, add_person_lists

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    yield from served_archive(
        tmp_path_factory,
        "browser",
        roles=("custodian", "documenter", "analyst"),
        prepare=lambda archive: add_person_lists(archive.folder, opened=archive),
    )


def test_a_source_submits_without_javascript_and_checks_back(
    servers: Servers, browser: object, tmp_path: Path
) -> None:
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(servers.intake + "/")
    shot(page, "intake-form-en")
    page.get_by_role("link", name="Русский").click()
    assert page.get_by_label("Что произошло?").is_visible()
    shot(page, "intake-form-ru")
    page.get_by_label("Что произошло?").fill("FICTIONAL: в январе задержали соседа")
    page.get_by_label("Когда? (необязательно)").fill("2019-01")
    note = tmp_path / "note.txt"
    note.write_text("FICTIONAL note", encoding="utf-8")
    page.get_by_label("Файлы (необязательно)").set_input_files(str(note))
    page.get_by_role("button", name="Отправить безопасно").click()
    code = page.locator("#receipt").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){4}", code)
    shot(page, "intake-receipt-ru")
    assert context.cookies() == []
    page.get_by_role("link", name="Проверить ответы").first.click()
    page.get_by_label("Ваш код квитанции").fill(code)
    press(page, page.get_by_role("button", name="Проверить"))
    assert "Ответов пока нет" in page.content()
    context.close()


def test_the_team_unlocks_enters_an_incident_and_reveals(servers: Servers, browser: object) -> None:
    custodian = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(custodian, servers, "custodian")
    assert custodian.locator("#lock-state").inner_text() == "Locked"
    shot(custodian, "workbench-home-locked")
    custodian.goto(servers.workbench + "/unlock")
    custodian.get_by_label("Passphrase").fill(PASSPHRASE)
    custodian.get_by_role("button", name="Unlock").last.click()
    assert "unlocked" in custodian.locator("#message").inner_text()
    documenter = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(documenter, servers, "documenter")
    assert documenter.locator("#lock-state").inner_text() == "Unlocked"
    documenter.goto(servers.workbench + "/incident?victims=1")
    documenter.get_by_label("Title", exact=True).fill("FICTIONAL night raid")
    documenter.get_by_label("When", exact=True).fill("~2019-02")
    documenter.get_by_label("How many victims").fill("around 40")
    documenter.get_by_label("Name (sealed; may stay empty)").fill("FICTIONAL Victim")
    documenter.get_by_label("torture").check()
    documenter.get_by_label("seizure of identity documents").check()
    shot(documenter, "workbench-incident-form")
    documenter.get_by_role("button", name="Save the incident").click()
    assert "Written" in documenter.locator("#message").inner_text()
    documenter.goto(servers.workbench + "/records/act?act_type=torture")
    shot(documenter, "workbench-acts-list")
    documenter.goto(servers.workbench + "/records/person/P-0001")
    assert "FICTIONAL Ivan Petrov" not in documenter.content()
    press(documenter, documenter.get_by_role("button", name="Reveal"))
    assert "FICTIONAL Ivan Petrov" in documenter.content()
    shot(documenter, "workbench-person-revealed")
    documenter.goto(servers.workbench + "/inbox")
    shot(documenter, "workbench-inbox")
    documenter.goto(servers.workbench + "/?lang=ru")
    assert documenter.locator("#lock-state").inner_text() == "Разблокирован"
    shot(documenter, "workbench-home-ru")
    custodian.get_by_role("button", name="Lock").click()
    documenter.reload()
    assert documenter.locator("#lock-state").inner_text() == "Заблокирован"


def test_an_analyst_links_reviews_and_estimates(servers: Servers, browser: object) -> None:
    custodian = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(custodian, servers, "custodian")
    if custodian.locator("#lock-state").inner_text() == "Locked":
        custodian.goto(servers.workbench + "/unlock")
        custodian.get_by_label("Passphrase").fill(PASSPHRASE)
        custodian.get_by_role("button", name="Unlock").last.click()
    analyst = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(analyst, servers, "analyst")
    analyst.goto(servers.workbench + "/linkage")
    analyst.get_by_role("button", name="Link now").click()
    # The page refreshes itself (no JavaScript needed) until the run is done.
    analyst.wait_for_selector("#link-done", timeout=120_000)
    assert "LR-0001" in analyst.locator("#link-run").inner_text()
    shot(analyst, "workbench-linkage")
    analyst.goto(servers.workbench + "/linkage?all=1")
    analyst.get_by_role("link", name="Compare").first.click()
    shot(analyst, "workbench-linkage-pair")
    analyst.get_by_label("Reason (required; sealed)").first.fill("FICTIONAL: same birth year")
    analyst.get_by_role("button", name="Accept: one person").click()
    # The decision leads on to the next pair, with what was kept said above it.
    assert "Decision 1 kept" in analyst.locator("#decision-kept").inner_text()
    shot(analyst, "workbench-linkage-next-pair")
    analyst.goto(servers.workbench + "/estimates")
    analyst.get_by_label("Method").select_option("loglinear")
    analyst.get_by_role("button", name="Run the estimate").click()
    analyst.wait_for_selector("#estimate-done", timeout=120_000)
    shot(analyst, "workbench-estimates")
    analyst.locator("#estimate-done a").click()
    assert "lower bound" in analyst.locator("#headline").inner_text()
    analyst.wait_for_load_state("load")
    shot(analyst, "workbench-estimate")
    custodian.get_by_role("button", name="Lock").click()
    # Locked, the run shows its counts and who decided what, never which records are one
    # person: no cluster sizes, no queue, no record ids in the decisions.
    analyst.goto(servers.workbench + "/linkage")
    assert "unlock" in analyst.locator("#links-sealed").inner_text()
    assert analyst.locator("#queue").count() == 0
    assert "R-" not in analyst.locator("#decisions").inner_text()
    shot(analyst, "workbench-linkage-locked")
    analyst.goto(servers.workbench + "/linkage?lang=ru")
    assert "зашифровано" in analyst.locator("#links-sealed").inner_text()
    shot(analyst, "workbench-linkage-locked-ru")
    analyst.goto(servers.workbench + "/linkage?lang=en")


def focused(page: object, selector: str) -> bool:
    return bool(
        page.locator(selector).evaluate(  # type: ignore[attr-defined]
            "element => element === document.activeElement"
        )
    )


def tab_to(page: object, selector: str, presses: int = 30) -> None:
    """Press Tab until ``selector`` has the focus (keyboard only, as a user would)."""
    for _ in range(presses):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        if focused(page, selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_source_submits_with_the_keyboard_alone(servers: Servers, browser: object) -> None:
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(servers.intake + "/")
    tab_to(page, "a.skip")
    assert page.locator("a.skip").is_visible()  # the skip link shows when it has the focus
    page.keyboard.press("Enter")
    tab_to(page, "textarea#text")
    page.keyboard.type("FICTIONAL: typed with the keyboard alone")
    tab_to(page, "#when")
    page.keyboard.type("2019-01")
    tab_to(page, "button[type=submit]")
    shot(page, "intake-form-keyboard-focus")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){4}", page.locator("#receipt").inner_text())
    context.close()


def test_an_analyst_composes_previews_and_publishes_a_report(
    servers: Servers, browser: object
) -> None:
    custodian = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(custodian, servers, "custodian")
    if custodian.locator("#lock-state").inner_text() == "Locked":
        custodian.goto(servers.workbench + "/unlock")
        custodian.get_by_label("Passphrase").fill(PASSPHRASE)
        custodian.get_by_role("button", name="Unlock").last.click()
    analyst = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(analyst, servers, "analyst")
    analyst.goto(servers.workbench + "/reports?lang=ru")
    shot(analyst, "workbench-reports-ru")
    analyst.goto(servers.workbench + "/reports?lang=en")
    analyst.get_by_label("Title").fill("FICTIONAL report of the team")
    analyst.get_by_role("group", name="Language of the report").get_by_label("Русский").check()
    analyst.get_by_label("Timeline of events").uncheck()
    analyst.get_by_role("button", name="Preview").click()
    assert "cell" in analyst.locator("#report-preview").inner_text()
    shot(analyst, "workbench-report-preview")
    with analyst.expect_popup() as opened:
        analyst.locator("#open-preview").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert "Задокументированные" in preview.content()
    shot(preview, "workbench-report-preview-page-ru")
    preview.close()
    analyst.get_by_role("button", name="Publish").click()
    analyst.wait_for_selector("#report-done", timeout=180_000)
    assert analyst.locator("#published a", has_text="report.pdf").count() == 1
    shot(analyst, "workbench-reports-published")
    custodian.get_by_role("button", name="Lock").click()


def test_an_analyst_builds_an_evidence_dossier(servers: Servers, browser: object) -> None:
    import zipfile

    custodian = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(custodian, servers, "custodian")
    if custodian.locator("#lock-state").inner_text() == "Locked":
        custodian.goto(servers.workbench + "/unlock")
        custodian.get_by_label("Passphrase").fill(PASSPHRASE)
        custodian.get_by_role("button", name="Unlock").last.click()
    analyst = browser.new_context(accept_downloads=True).new_page()  # type: ignore[attr-defined]
    login(analyst, servers, "analyst")
    analyst.goto(servers.workbench + "/reports?lang=en")
    analyst.get_by_label("Events", exact=True).fill("E-0001")
    analyst.get_by_label("Purpose").select_option("court_proceedings")
    analyst.get_by_role("button", name="Build the dossier").click()
    analyst.wait_for_selector("#dossier-done", timeout=180_000)
    assert "E-0001" in analyst.locator("#dossier-done").inner_text()
    analyst.locator("#dossier-heading").scroll_into_view_if_needed()
    shot(analyst, "workbench-dossier-en")
    with analyst.expect_download() as downloading:
        analyst.locator("#dossier-pdf").click()
    assert Path(downloading.value.path()).read_bytes().startswith(b"%PDF")
    with analyst.expect_download() as downloading:
        analyst.locator("#dossier-zip").click()
    with zipfile.ZipFile(downloading.value.path()) as folder:
        assert "dossier/index.json" in folder.namelist()
    analyst.goto(servers.workbench + "/reports?lang=ru")
    analyst.get_by_label("События", exact=True).fill("E-0001")
    analyst.get_by_role("group", name="Язык досье").get_by_label("Русский").check()
    analyst.get_by_role("button", name="Собрать досье").click()
    analyst.wait_for_selector("#dossier-done", timeout=180_000)
    assert "готово" in analyst.locator("#dossier-done").inner_text()
    shot(analyst, "workbench-dossier-ru")
    analyst.get_by_label("События", exact=True).fill("E-9999")
    analyst.get_by_role("button", name="Собрать досье").click()
    assert analyst.locator("#dossier-error").is_visible()
    shot(analyst, "workbench-dossier-error-ru")
    custodian.get_by_role("button", name="Lock").click()
