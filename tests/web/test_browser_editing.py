"""Editing in a real browser (Debian's Chromium, Playwright, the real `serve`): an act
edited and its history, a bad value kept with its message, two browsers editing one
record, and a restore. Screenshots in English and Russian in test-artifacts/web/."""

from __future__ import annotations

import pytest

from tests.web.browsing import NEEDS_CHROMIUM, Servers, login, shot
from tests.web.conftest import PASSPHRASE
from tests.web.test_browser import servers  # noqa: F401  # the fixture

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def unlocked(servers: Servers, browser: object) -> Servers:  # noqa: F811
    custodian = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(custodian, servers, "custodian")
    custodian.goto(servers.workbench + "/unlock")
    custodian.get_by_label("Passphrase").fill(PASSPHRASE)
    custodian.get_by_role("button", name="Unlock").last.click()
    assert "unlocked" in custodian.locator("#message").inner_text()
    return servers


@pytest.fixture(scope="module")
def editors(unlocked: Servers, browser: object) -> tuple[object, object]:
    """Two browsers, each with a documenter logged in (each login waits for a fresh code)."""
    pages = []
    for _ in range(2):
        page = browser.new_context().new_page()  # type: ignore[attr-defined]
        login(page, unlocked, "documenter")
        pages.append(page)
    return pages[0], pages[1]


def speaking(page: object, at: Servers, language: str) -> object:
    page.goto(f"{at.workbench}/?lang={language}")  # type: ignore[attr-defined]
    return page


def test_an_act_is_edited_and_its_history_shown(
    unlocked: Servers, editors: tuple[object, object]
) -> None:
    page = speaking(editors[0], unlocked, "en")
    page.goto(unlocked.workbench + "/records/act/A-0001")  # type: ignore[attr-defined]
    page.locator("#edit-link").click()  # type: ignore[attr-defined]
    page.get_by_label("act type").select_option("killing")  # type: ignore[attr-defined]
    page.get_by_label("died").check()  # type: ignore[attr-defined]
    page.get_by_label("date", exact=True).fill("2019-01-14")  # type: ignore[attr-defined]
    shot(page, "edit-act-form-en")
    page.get_by_role("button", name="Save a new version").click()  # type: ignore[attr-defined]
    assert "a new version was written" in page.locator("main").inner_text()  # type: ignore[attr-defined]
    row = page.locator("#version-2").inner_text()  # type: ignore[attr-defined]
    assert "killing" in row and "died" in row and "2019-01-14" in row
    shot(page, "edit-act-history-en")
    page.goto(unlocked.workbench + "/records/act/A-0001?lang=ru")  # type: ignore[attr-defined]
    assert "убийство" in page.locator("#version-2").inner_text()  # type: ignore[attr-defined]
    shot(page, "edit-act-history-ru")
    page.get_by_role("button", name="Восстановить версию 1").click()  # type: ignore[attr-defined]
    assert "возвращена версия 1" in page.locator("#version-3").inner_text()  # type: ignore[attr-defined]
    shot(page, "edit-act-restored-ru")
    page.goto(unlocked.workbench + "/records/act/A-0001/edit")  # type: ignore[attr-defined]
    shot(page, "edit-act-form-ru")
    page.goto(unlocked.workbench + "/?lang=en")  # type: ignore[attr-defined]


def test_a_bad_value_is_kept_with_its_message(
    unlocked: Servers, editors: tuple[object, object]
) -> None:
    page = speaking(editors[0], unlocked, "en")
    page.goto(unlocked.workbench + "/records/event/E-0001/edit")  # type: ignore[attr-defined]
    page.get_by_label("date", exact=True).fill("2019-13")  # type: ignore[attr-defined]
    page.get_by_label("victims").fill("a great many")  # type: ignore[attr-defined]
    page.get_by_label("district").fill("FICTIONAL Shali")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Save a new version").click()  # type: ignore[attr-defined]
    assert "Month 13" in page.locator("#field-date-error").inner_text()  # type: ignore[attr-defined]
    assert "a great many" in page.locator("#field-victims-error").inner_text()  # type: ignore[attr-defined]
    assert page.get_by_label("date", exact=True).input_value() == "2019-13"  # type: ignore[attr-defined]
    assert page.get_by_label("district").input_value() == "FICTIONAL Shali"  # type: ignore[attr-defined]
    shot(page, "edit-bad-value-en")
    russian = speaking(editors[1], unlocked, "ru")
    russian.goto(unlocked.workbench + "/records/event/E-0001/edit")  # type: ignore[attr-defined]
    russian.get_by_label("дата", exact=True).fill("в прошлом году")  # type: ignore[attr-defined]
    russian.get_by_role("button", name="Сохранить новую версию").click()  # type: ignore[attr-defined]
    assert russian.locator("#field-date-error").is_visible()  # type: ignore[attr-defined]
    assert russian.get_by_label("дата", exact=True).input_value() == "в прошлом году"  # type: ignore[attr-defined]
    shot(russian, "edit-bad-value-ru")


def test_two_browsers_edit_one_record_and_the_second_is_refused(
    unlocked: Servers, editors: tuple[object, object]
) -> None:
    for language, record, field, first, second in (
        ("en", "event/E-0001", "district", "FICTIONAL Argun-2", "FICTIONAL Gudermes"),
        ("ru", "source/S-0001", "надёжность", "A", "E"),
    ):
        one, two = (speaking(page, unlocked, language) for page in editors)
        for page in (one, two):
            page.goto(f"{unlocked.workbench}/records/{record}/edit")  # type: ignore[attr-defined]
        box_one, box_two = (p.get_by_label(field, exact=True) for p in (one, two))  # type: ignore[attr-defined]
        for box, value in ((box_one, first), (box_two, second)):
            if box.evaluate("e => e.tagName") == "SELECT":
                box.select_option(value)
            else:
                box.fill(value)
        save = "Save a new version" if language == "en" else "Сохранить новую версию"
        one.get_by_role("button", name=save).click()  # type: ignore[attr-defined]
        two.get_by_role("button", name=save).click()  # type: ignore[attr-defined]
        conflict = two.locator("#conflict")  # type: ignore[attr-defined]
        assert conflict.is_visible()
        assert box_two.input_value() == second  # what the second one chose is kept
        shot(two, f"edit-conflict-{language}")
        if language == "en":
            assert "district" in conflict.inner_text() and first in conflict.inner_text()
            two.get_by_role("button", name=save).click()  # type: ignore[attr-defined]
            assert "a new version was written" in two.locator("main").inner_text()  # type: ignore[attr-defined]
            assert second in two.locator("#version-3").inner_text()  # type: ignore[attr-defined]
        else:
            assert "надёжность" in conflict.inner_text()


def test_one_more_victim_keeps_what_was_typed_and_ticked(
    unlocked: Servers, editors: tuple[object, object]
) -> None:
    for language, title, act, more in (
        ("en", "Title", "torture", "Form with one more victim"),
        ("ru", "Название", "пытки", "Форма с ещё одним пострадавшим"),
    ):
        page = speaking(editors[0], unlocked, language)
        page.goto(unlocked.workbench + "/incident?victims=1")  # type: ignore[attr-defined]
        page.get_by_label(title, exact=True).fill("FICTIONAL night raid")  # type: ignore[attr-defined]
        page.locator("input[name=victim1_acts][value=torture]").check()  # type: ignore[attr-defined]
        page.locator("input[name=victim1_consequences][value=injured]").check()  # type: ignore[attr-defined]
        page.get_by_role("button", name=more).click()  # type: ignore[attr-defined]
        assert page.locator("#victim2_name").is_visible()  # type: ignore[attr-defined]
        assert page.get_by_label(title, exact=True).input_value() == "FICTIONAL night raid"  # type: ignore[attr-defined]
        assert page.locator("input[name=victim1_acts][value=torture]").is_checked()  # type: ignore[attr-defined]
        assert page.locator("input[name=victim1_consequences][value=injured]").is_checked()  # type: ignore[attr-defined]
        victim = page.locator("fieldset").filter(has=page.locator("input[name=victim1_acts]"))  # type: ignore[attr-defined]
        assert act in victim.first.inner_text()
        shot(page, f"incident-one-more-victim-{language}")
    speaking(editors[0], unlocked, "en")
