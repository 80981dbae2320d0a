"""End to end in a real browser: Debian's Chromium driven by Playwright, against the real
`bearwitness serve` and `serve-intake` processes. The intake is used with JavaScript off.
Screenshots of the main pages are kept in test-artifacts/web/."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.intake.importers import ImportRow
from bearwitness.services import users, writing
from bearwitness.services.archive import Archive
from tests.web.conftest import FICTIONAL_ROWS, PASSPHRASE, PASSWORD, add_person_lists, fresh_code

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("BEARWITNESS_TEST_ARTIFACTS", "test-artifacts")) / "web"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.needs(
        CHROMIUM.exists(),
        reason=f"Debian's chromium is not at {CHROMIUM} "
        "(`make system-packages` or `apt-get install chromium` installs it)",
    ),
]


@dataclass
class Servers:
    workbench: str
    intake: str
    folder: Path
    secrets: dict[str, str]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(900):  # up to 90 s: a loaded machine starts Python slowly
        if process.poll() is not None:
            errors = process.stderr.read() if process.stderr else b""
            raise RuntimeError(f"the server stopped: {errors!r}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


@contextmanager
def serving(folder: Path) -> Iterator[tuple[str, str]]:
    """The real `serve` and `serve-intake` on ``folder``, on free ports; their addresses."""
    ports = free_port(), free_port()
    commands = [
        ["serve", str(folder), "--port", str(ports[0]), "--http-cookies"],
        ["serve-intake", str(folder), "--port", str(ports[1]), "--fictional"],
    ]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bearwitness.cli.main", *command],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
        )
        for command in commands
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for(port, process)
        yield f"http://localhost:{ports[0]}", f"http://localhost:{ports[1]}"
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, launched by Playwright (its own browser downloads are not used)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("browser") / "archive"
    archive, _ = Archive.create(
        folder, passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    rows = [ImportRow(n, dict(data)) for n, data in enumerate(FICTIONAL_ROWS, start=1)]
    writing.write_records(archive, writing.resolve_rows(archive, rows, "fixture"))
    # Accounts are made with the keys at hand (the archive is unlocked as it is created).
    secrets = {
        role: users.add_user(archive, role, PASSWORD, [role])
        for role in ("custodian", "documenter", "analyst")
    }
    archive.close()
    add_person_lists(folder)
    with serving(folder) as (workbench, intake):
        yield Servers(workbench, intake, folder, secrets)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


def shot(page: object, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


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
    page.get_by_role("button", name="Проверить").click()
    assert "Ответов пока нет" in page.content()
    context.close()


def login(page: object, servers: Servers, role: str) -> None:
    page.goto(servers.workbench + "/login")  # type: ignore[attr-defined]
    page.get_by_label("Username").fill(role)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_label("One-time code").fill(  # type: ignore[attr-defined]
        fresh_code(servers.workbench, servers.secrets[role])
    )
    page.get_by_role("button", name="Log in").click()  # type: ignore[attr-defined]


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
    documenter.get_by_role("button", name="Reveal").click()
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
    analyst.get_by_label("Русский").check()
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
