"""In a real browser (Debian's Chromium, Playwright, the real `bearwitness serve`): paste a
FICTIONAL article about a wave of detentions, review its claims (accept two, reject one),
and read the event's incident page, in English and in Russian. Screenshots in
test-artifacts/web/claims-*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bearwitness.domain.dates import PartialDateRange
from bearwitness.domain.records import Event
from bearwitness.services import writing
from bearwitness.services.archive import Archive
from tests.web.browsing import (
    ARTIFACTS,
    NEEDS_CHROMIUM,
    Servers,
    chromium,
    login,
    served_archive,
    shot,
    unlock,
)
from tests.web.conftest import PASSPHRASE

pytestmark = NEEDS_CHROMIUM
ARTICLE = (
    "FICTIONAL Herald, 14 January 2019\n\n"
    "Around 40 people were detained in Argun in January 2019, the Fictional Rights Network "
    "said in a press release. At least two of them died under torture, the network said. "
    'A spokesman for the authorities denied it: "if even a single person were arrested, let '
    'alone 40, the entire public would have known."\n'
)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    def prepare(archive: Archive) -> None:
        event = Event(
            id="E-0001",
            fictional=True,
            date=PartialDateRange.parse("2019-01"),
            district="Argun",
            title="FICTIONAL wave of detentions",
        )
        writing.write_records(archive, [event])

    yield from served_archive(
        tmp_path_factory,
        "claims",
        roles=("custodian", "documenter"),
        rows=(),
        prepare=prepare,
        intake=False,
    )


def test_paste_review_and_read_the_incident(servers: Servers) -> None:
    with chromium() as browser:
        custodian = browser.new_context().new_page()  # type: ignore[attr-defined]
        login(custodian, servers, "custodian")
        custodian.goto(servers.workbench + "/unlock")
        custodian.get_by_label("Passphrase").fill(PASSPHRASE)
        custodian.get_by_role("button", name="Unlock").last.click()
        assert "unlocked" in custodian.locator("#message").inner_text()

        page = browser.new_context().new_page()  # type: ignore[attr-defined]
        login(page, servers, "documenter")
        page.goto(servers.workbench + "/claims?lang=en")
        page.get_by_label("Headline (sealed)").fill("FICTIONAL: dozens detained in Argun")
        page.get_by_label("Article text (sealed)").fill(ARTICLE)
        page.get_by_label("Outlet that published it (sealed)").fill("FICTIONAL Herald")
        page.get_by_label("Publication date (YYYY-MM-DD)").fill("2019-01-14")
        page.get_by_role("button", name="Take the article in").click()
        assert "3 candidate claim(s) to review" in page.locator("#message").inner_text()
        first = page.locator("#c1")
        assert "FICTIONAL: dozens detained in Argun" in first.inner_text()
        assert first.locator("mark").inner_text().startswith("Around 40 people were detained")
        assert first.get_by_label("Event it is about").input_value() == "E-0001"  # suggested
        shot(page, "claims-queue-en")
        page.goto(servers.workbench + "/claims?lang=ru")
        shot(page, "claims-queue-ru")
        page.goto(servers.workbench + "/claims?lang=en")

        first = page.locator("#c1")
        first.get_by_label("Source reliability (Admiralty)").select_option("B")
        first.get_by_label("Information credibility (Admiralty)").select_option("2")
        first.get_by_role("button", name="Accept").click()
        assert "accepted as C-" in page.locator("#message").inner_text()

        died = page.locator("#c1")
        assert "died under torture" in died.locator("mark").inner_text()
        died.get_by_role("button", name="Reject").click()
        assert "rejected" in page.locator("#message").inner_text()

        denial = page.locator("#c1")
        assert denial.get_by_label("Stance").input_value() == "deny"
        denial.get_by_label("Claimant: the original source, not the outlet").fill(
            "FICTIONAL regional press service"
        )
        denial.get_by_label("Event it is about").select_option("E-0001")
        denial.get_by_label("Source reliability (Admiralty)").select_option("C")
        denial.get_by_label("Information credibility (Admiralty)").select_option("5")
        denial.get_by_role("button", name="Accept").click()
        assert page.locator("#queue-empty").is_visible()

        page.goto(servers.workbench + "/claims/incident/E-0001?lang=en")
        claimants = page.locator("#claimants").inner_text()
        assert "Fictional Rights Network" in claimants and "B: usually reliable" in claimants
        assert "2: probably true" in claimants and "around 40" in claimants
        assert "(S-0001)" in claimants  # graded once, the claimant became a source
        denials = page.locator("#denials").inner_text()
        assert "FICTIONAL regional press service: denies 40" in denials
        assert page.locator("#most-conservative").inner_text() == "40"
        assert page.locator("#low-best-high").inner_text() == "40 / 40 / 40"
        assert page.locator("#independent").inner_text().startswith("no")
        shot(page, "claims-incident-en")
        page.goto(servers.workbench + "/claims/incident/E-0001?lang=ru")
        assert "около 40" in page.locator("#claimants").inner_text()
        assert "отрицает 40" in page.locator("#denials").inner_text()
        assert page.get_by_role("heading", name="Опровержения").is_visible()
        shot(page, "claims-incident-ru")

        # The same claimant in a second article: graded already, as its source.
        page.goto(servers.workbench + "/claims?lang=en")
        page.get_by_label("Article text (sealed)").fill(ARTICLE)
        page.get_by_role("button", name="Take the article in").click()
        again = page.locator("#c1")
        assert again.get_by_label("Source reliability (Admiralty)").input_value() == "B"
        assert "The claimant is source S-0001" in again.inner_text()
        again.screenshot(path=str(ARTIFACTS / "claims-graded-source-en.png"))
        page.goto(servers.workbench + "/claims?lang=ru")
        assert "Заявитель — источник S-0001" in page.locator("#c1").inner_text()
        page.locator("#c1").screenshot(path=str(ARTIFACTS / "claims-graded-source-ru.png"))


def test_a_long_queue_is_paged(servers: Servers) -> None:
    from bearwitness.web.workbench.claims import QUEUE_PAGE

    with chromium() as browser:
        unlock(browser.new_context().new_page(), servers)  # type: ignore[attr-defined]
        page = browser.new_context().new_page()  # type: ignore[attr-defined]
        login(page, servers, "documenter")
        for number in range(QUEUE_PAGE // 3 + 1):  # three candidates each
            page.goto(servers.workbench + "/claims?lang=en")
            if not page.get_by_label("Headline (sealed)").is_visible():  # folded: claims wait
                page.get_by_text("Take an article in", exact=True).click()
            page.get_by_label("Headline (sealed)").fill(f"FICTIONAL article {number}")
            page.get_by_label("Article text (sealed)").fill(ARTICLE)
            page.get_by_role("button", name="Take the article in").click()
        page.goto(servers.workbench + "/claims?lang=en")
        total = int(page.locator("#queue-count").inner_text().split()[0])
        assert total > QUEUE_PAGE
        assert f"1–{QUEUE_PAGE} of {total}" in page.locator("#queue-span").inner_text()
        page.get_by_role("link", name="Next page").click()
        assert page.locator("#queue-span").inner_text() == f"{QUEUE_PAGE + 1}–{total} of {total}"
        page.locator("#queue-pager").scroll_into_view_if_needed()
        # The window the reader sees (the whole page is twenty review forms long)
        shot(page, "claims-queue-page-2-pager-en", full_page=False)
        shot(page, "claims-queue-page-2-en")
        page.goto(servers.workbench + "/claims?page=2&lang=ru")
        assert f"{QUEUE_PAGE + 1}–{total} из {total}" in page.locator("#queue-span").inner_text()
        page.get_by_role("link", name="Предыдущая страница").click()
        assert page.locator("#queue-span").inner_text().startswith("1–")
        shot(page, "claims-queue-page-1-top-ru", full_page=False)
        shot(page, "claims-queue-page-1-ru")
