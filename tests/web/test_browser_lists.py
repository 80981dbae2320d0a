"""In a real browser (Debian's Chromium, Playwright, the real `bearwitness serve`): filter,
sort and page a list; search «паспорта» and "Tagirov"; save a search. In English and in
Russian, with screenshots in test-artifacts/web/lists-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bearwitness.domain.dates import PartialDateRange
from bearwitness.domain.records import Document, Event, Person, Record
from bearwitness.services import writing
from tests.web.browsing import NEEDS_CHROMIUM, Servers, login, served_archive, shot
from tests.web.conftest import PASSPHRASE

pytestmark = NEEDS_CHROMIUM
EVENTS = 75  # two pages of 50


def _records() -> list[Record]:
    records: list[Record] = [
        Event(
            id=f"E-{n:04d}",
            fictional=True,
            date=PartialDateRange.parse(f"{2017 + n % 3}-{n % 12 + 1:02d}"),
            district=("North", "South", "East")[n % 3],
            title=f"FICTIONAL event {n}",
        )
        for n in range(1, EVENTS + 1)
    ]
    records += [
        Document(
            id="D-0001",
            fictional=True,
            kind="testimony",
            title="FICTIONAL: изъятие паспортов",
            text="На блокпосту у задержанных изъяли паспорта; Руслана Тагирова увезли.",
        ),
        Document(
            id="D-0002",
            fictional=True,
            kind="report",
            title="FICTIONAL report",
            text="Officers kept the passports of three men at the checkpoint.",
        ),
        Person(id="P-0001", fictional=True, role="victim", full_name="FICTIONAL Тагиров Руслан"),
        Person(id="P-0002", fictional=True, role="witness", full_name="FICTIONAL Aminat Tagirova"),
    ]
    return records


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    yield from served_archive(
        tmp_path_factory,
        "lists",
        roles=("custodian", "documenter"),
        rows=(),
        prepare=lambda archive: writing.write_records(archive, _records()),
        intake=False,
    )


@pytest.fixture(scope="module")
def documenter(servers: Servers, browser: object) -> object:
    custodian = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(custodian, servers, "custodian")
    custodian.goto(servers.workbench + "/unlock")
    custodian.get_by_label("Passphrase").fill(PASSPHRASE)
    custodian.get_by_role("button", name="Unlock").last.click()
    assert "unlocked" in custodian.locator("#message").inner_text()
    page = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(page, servers, "documenter")
    return page


def test_filter_sort_and_page_a_list(servers: Servers, documenter: object) -> None:
    page = documenter
    page.goto(servers.workbench + "/records/event?lang=en")  # type: ignore[attr-defined]
    assert page.locator(".count").inner_text() == f"1–50 of {EVENTS}"  # type: ignore[attr-defined]
    page.get_by_label("district").select_option("North")  # type: ignore[attr-defined]
    page.get_by_label("Sort by").select_option("-date")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Filter").click()  # type: ignore[attr-defined]
    assert page.locator(".count").inner_text() == "1–25 of 25"  # type: ignore[attr-defined]
    options = page.locator("#f-district option").all_inner_texts()  # type: ignore[attr-defined]
    assert "North (25)" in options and "South (25)" in options
    rows = page.locator("tbody tr")  # type: ignore[attr-defined]
    assert "FICTIONAL event" in rows.first.inner_text()  # titles while unlocked
    dates = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(rows.count())]
    assert dates == sorted(dates, reverse=True)
    shot(page, "lists-events-filtered-en")
    page.goto(servers.workbench + "/records/event")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Next page").click()  # type: ignore[attr-defined]
    assert page.locator(".count").inner_text() == f"51–75 of {EVENTS}"  # type: ignore[attr-defined]
    page.get_by_label("Since (e.g. 2018-12)").fill("dec 2018")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Filter").click()  # type: ignore[attr-defined]
    alert = page.get_by_role("alert").inner_text()  # type: ignore[attr-defined]
    assert "Since: 'dec 2018' is not a date" in alert and "2018-12" in alert
    shot(page, "lists-bad-filter-en")
    page.goto(servers.workbench + "/records/event?lang=ru&district=South&sort=-date")  # type: ignore[attr-defined]
    assert page.locator(".count").inner_text() == "1–25 из 25"  # type: ignore[attr-defined]
    assert page.get_by_label("Сортировать по").is_visible()  # type: ignore[attr-defined]
    shot(page, "lists-events-filtered-ru")
    page.get_by_label("Сохранить этот список под названием").fill("Юг")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Сохранить").click()  # type: ignore[attr-defined]
    shot(page, "lists-saved-after-list-ru")
    page.get_by_role("link", name="Юг").click()  # type: ignore[attr-defined]
    assert page.locator(".count").inner_text() == "1–25 из 25"  # type: ignore[attr-defined]
    page.goto(servers.workbench + "/?lang=en")  # type: ignore[attr-defined]


def test_search_word_forms_and_scripts(servers: Servers, documenter: object) -> None:
    page = documenter
    page.goto(servers.workbench + "/search?lang=en")  # type: ignore[attr-defined]
    page.get_by_label("Words to find").fill("паспорта")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Search", exact=True).click()  # type: ignore[attr-defined]
    assert page.get_by_role("status").inner_text().startswith("Found: 2")  # type: ignore[attr-defined]
    marked = page.locator("mark").all_inner_texts()  # type: ignore[attr-defined]
    assert "паспорта" in marked and "passports" in marked
    assert page.get_by_role("link", name="FICTIONAL: изъятие паспортов").is_visible()  # type: ignore[attr-defined]
    shot(page, "lists-search-passports-en")
    page.get_by_label("Words to find").fill("Tagirov")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Search", exact=True).click()  # type: ignore[attr-defined]
    assert page.get_by_role("status").inner_text().startswith("Found: 3")  # type: ignore[attr-defined]
    assert "Тагирова" in page.locator("mark").all_inner_texts()  # type: ignore[attr-defined]
    page.goto(servers.workbench + "/search?lang=ru&q=Тагиров")  # type: ignore[attr-defined]
    assert page.get_by_role("status").inner_text().startswith("Найдено: 3")  # type: ignore[attr-defined]
    assert page.get_by_role("link", name="FICTIONAL Aminat Tagirova").is_visible()  # type: ignore[attr-defined]
    shot(page, "lists-search-tagirov-ru")
    page.get_by_label("Сохранить этот поиск под названием").fill("Тагировы")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Сохранить").click()  # type: ignore[attr-defined]
    assert page.get_by_role("link", name="Тагировы").is_visible()  # type: ignore[attr-defined]
    shot(page, "lists-saved-ru")
    page.goto(servers.workbench + "/?lang=en")  # type: ignore[attr-defined]


def test_nothing_typed_reaches_the_disk(servers: Servers, documenter: object) -> None:
    database = (Path(servers.folder) / "archive.db").read_bytes()
    for typed in ("Тагировы", "Юг", "паспорта", "Tagirov"):
        assert typed.encode() not in database
