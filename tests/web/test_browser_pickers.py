"""In a real browser (Debian's Chromium, Playwright): linking a document to an event with the
picker, with JavaScript off and on, and enrolling a one-time-code app from the QR code the
server draws (decoded here by jsQR under Node, independently of segno). Screenshots of each
step, in English and Russian, are kept in test-artifacts/web/."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from tests.web.browsing import NEEDS_CHROMIUM, Servers, login, served_archive, shot
from tests.web.conftest import FICTIONAL_ROWS, PASSPHRASE, PASSWORD

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
NODE = shutil.which("node")
MORE_ROWS = [
    {
        "type": "event",
        "id": "E-0002",
        "date": "2019-03",
        "district": "Shali",
        "title": "FICTIONAL search of a house",
        "fictional": True,
    },
    {
        "type": "document",
        "id": "D-0002",
        "kind": "interview",
        "title": "FICTIONAL interview",
        "text": "FICTIONAL account of a house search",
        "fictional": True,
    },
]

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    yield from served_archive(
        tmp_path_factory,
        "pickers",
        roles=("custodian", "documenter", "admin"),
        rows=FICTIONAL_ROWS + MORE_ROWS,
    )


def _unlocked(browser: object, servers: Servers) -> None:
    custodian = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(custodian, servers, "custodian")
    if custodian.locator("#lock-state").inner_text() == "Locked":
        custodian.goto(servers.workbench + "/unlock")
        custodian.get_by_label("Passphrase").fill(PASSPHRASE)
        custodian.get_by_role("button", name="Unlock").last.click()
    custodian.context.close()


def test_a_document_is_linked_to_an_event_with_the_picker_without_javascript(
    servers: Servers, browser: object
) -> None:
    _unlocked(browser, servers)
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    login(page, servers, "documenter")
    page.goto(servers.workbench + "/records/document/D-0001")
    shot(page, "picker-nojs-1-document")
    page.get_by_label("Find").fill("argun")
    page.get_by_role("button", name="Find").click()
    # The same page again, the choices as radio buttons: id and clear facts, no name.
    choice = page.locator('input[type=radio][value="E-0001"]')
    assert "Argun" in page.locator(".picker-choices").inner_text()
    assert "FICTIONAL wave" not in page.locator(".picker-choices").inner_text()
    shot(page, "picker-nojs-2-choices")
    choice.check()
    page.get_by_role("button", name="Link to this event").click()
    assert "now linked" in page.locator("div.ok").inner_text()
    shot(page, "picker-nojs-3-linked")
    page.goto(servers.workbench + "/records/event/E-0001")
    assert "D-0001" in page.locator("#links").inner_text()
    shot(page, "picker-nojs-4-event-links")
    page.goto(servers.workbench + "/records/document/D-0001?lang=ru")
    page.get_by_label("Найти").fill("argun")
    page.get_by_role("button", name="Найти").click()
    shot(page, "picker-nojs-choices-ru")
    page.goto(servers.workbench + "/records/event/E-0001?lang=ru")
    shot(page, "picker-event-links-ru")
    page.goto(servers.workbench + "/")  # one number of documented people, and how counted
    assert "Ещё не подсчитано" in page.locator("#people").inner_text()
    shot(page, "home-people-ru")
    page.goto(servers.workbench + "/?lang=en")
    assert "Not counted yet" in page.locator("#people").inner_text()
    shot(page, "home-people")
    context.close()


def test_a_document_is_linked_to_an_event_with_the_type_ahead(
    servers: Servers, browser: object
) -> None:
    _unlocked(browser, servers)
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    login(page, servers, "documenter")
    page.goto(servers.workbench + "/records/document/D-0002")
    page.get_by_label("Find").press_sequentially("shali", delay=30)
    option = page.get_by_role("option").filter(has_text="E-0002")
    option.wait_for(timeout=10_000)
    assert "FICTIONAL search" not in page.locator("[data-picker-list]").inner_text()
    shot(page, "picker-js-1-type-ahead")
    page.get_by_text("Show names").click()  # reveals the records found (audited)
    assert page.locator("[data-picker-names]").is_checked()
    named = page.get_by_role("option").filter(has_text="FICTIONAL search of a house")
    named.wait_for(timeout=10_000)
    shot(page, "picker-js-2-names")
    named.click()
    assert "E-0002" in page.locator("[data-picker-chosen]").inner_text()
    page.get_by_role("button", name="Link to this event").click()
    assert "now linked" in page.locator("div.ok").inner_text()
    assert page.locator('#main a[href="/records/event/E-0002"]').count() >= 1
    shot(page, "picker-js-3-linked")
    page.goto(servers.workbench + "/records/document/D-0002?lang=ru")
    page.get_by_label("Найти").press_sequentially("shali", delay=30)
    page.get_by_role("option").first.wait_for(timeout=10_000)
    shot(page, "picker-js-type-ahead-ru")
    page.goto(servers.workbench + "/?lang=en")
    context.close()


def _decode(png: Path) -> str:
    found = subprocess.run(
        [str(NODE), str(NODE_DIR / "qr-decode.js"), str(png)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=NODE_DIR,
    )
    assert found.returncode == 0, found.stderr
    return found.stdout


@pytest.mark.needs(
    NODE is not None and (NODE_DIR / "node_modules" / "jsqr").is_dir(),
    reason="needs Node.js and jsqr (`make test` runs `npm ci` in tests/node)",
)
def test_a_new_user_enrols_a_one_time_code_app_from_the_qr_code(
    servers: Servers, browser: object, tmp_path: Path
) -> None:
    admin = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(admin, servers, "admin")
    admin.goto(servers.workbench + "/users")
    admin.get_by_label("Username").fill("newcomer")
    admin.get_by_label("Password (at least 12 characters)").fill(PASSWORD)
    admin.locator("form[action='/users'] input[value=auditor]").check()
    admin.get_by_role("button", name="Add").click()
    qr = admin.locator("#totp-qr svg")
    shot(admin, "enrol-1-qr-code")
    qr.screenshot(path=str(tmp_path / "qr.png"))
    uri = _decode(tmp_path / "qr.png")
    assert uri.startswith("otpauth://totp/") and "newcomer" in uri
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    newcomer = browser.new_context().new_page()  # type: ignore[attr-defined]
    newcomer.goto(servers.workbench + "/login")
    newcomer.get_by_label("Username").fill("newcomer")
    newcomer.get_by_label("Password").fill(PASSWORD)
    newcomer.get_by_label("One-time code").fill(totp.now())
    newcomer.get_by_role("button", name="Log in").click()
    assert newcomer.locator("#account-link").inner_text() == "newcomer"
    shot(newcomer, "enrol-2-logged-in")
    # A new phone: the user replaces the app themselves, confirming with one code.
    newcomer.goto(servers.workbench + "/account?lang=ru")
    newcomer.get_by_role("button", name="Настроить новое приложение").click()
    shot(newcomer, "enrol-3-new-app-ru")
    newcomer.locator("#totp-qr svg").screenshot(path=str(tmp_path / "again.png"))
    again = pyotp.parse_uri(_decode(tmp_path / "again.png"))
    assert isinstance(again, pyotp.TOTP) and again.secret != totp.secret
    newcomer.get_by_label("Код из нового приложения").fill(again.now())
    newcomer.get_by_role("button", name="Перейти на новое приложение").click()
    assert "настроено" in newcomer.locator("#account-done").inner_text()
    shot(newcomer, "enrol-4-done-ru")
    newcomer.goto(servers.workbench + "/account?lang=en")
    shot(newcomer, "account-en")
    # The admin resets it: a new QR code to hand over, and the user is logged out.
    admin.goto(servers.workbench + "/users")
    admin.locator("#reset-newcomer").click()
    reset = re.search(r"\w+", admin.locator("#totp-secret").text_content() or "")
    assert reset is not None and reset.group(0) != again.secret
    shot(admin, "enrol-5-admin-reset")
    newcomer.goto(servers.workbench + "/account")
    assert "/login" in newcomer.url
