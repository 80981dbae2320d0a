"""Triage and casework in a real browser (Debian's Chromium, Playwright), against the real
`serve` and `serve-intake`: a source's submission triaged into an incident with two victims,
the conversation with the source, a receipt code that cannot be probed, and an evacuation
case opened and closed. Screenshots in English and Russian go to test-artifacts/web/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bearwitness.domain.records import Document
from bearwitness.services import reading
from bearwitness.services.archive import Archive
from tests.web.browsing import (
    NEEDS_CHROMIUM,
    Servers,
    login,
    press,
    served_archive,
    shot,
    unlock,
)
from tests.web.conftest import PASSPHRASE

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    yield from served_archive(tmp_path_factory, "casework", roles=("custodian", "documenter"))


def submit(page: object, servers: Servers, text: str, when: str = "") -> str:
    """A source's submission through the intake (no JavaScript); its receipt code."""
    page.goto(servers.intake + "/")  # type: ignore[attr-defined]
    page.locator("#text").fill(text)  # type: ignore[attr-defined]
    if when:
        page.locator("#when").fill(when)  # type: ignore[attr-defined]
    page.locator("button[type=submit]").click()  # type: ignore[attr-defined]
    return str(page.locator("#receipt").inner_text())  # type: ignore[attr-defined]


def test_a_submission_is_triaged_into_an_incident_with_two_victims(
    servers: Servers, browser: object
) -> None:
    source = browser.new_context(java_script_enabled=False).new_page()  # type: ignore[attr-defined]
    code = submit(source, servers, "FICTIONAL: two neighbours were taken at night", "2019-01")
    source.goto(servers.intake + "/follow-up")
    source.get_by_label("Your receipt code").fill(code.lower())  # as a person may type it
    source.get_by_label("What you want to add").fill("FICTIONAL: one of them is back")
    shot(source, "intake-follow-up-en")
    press(source, source.get_by_role("button", name="Send"))
    assert "this page looks the same either way" in source.content()
    custodian = browser.new_context().new_page()  # type: ignore[attr-defined]
    # A wrong passphrase: back on the unlock form, the error shown as an error.
    login(custodian, servers, "custodian")
    custodian.goto(servers.workbench + "/unlock")
    custodian.get_by_label("Passphrase").fill("FICTIONAL wrong passphrase")
    custodian.get_by_role("button", name="Unlock").last.click()
    assert custodian.locator("#unlock-error").is_visible()
    assert custodian.get_by_label("Passphrase").is_visible()
    shot(custodian, "workbench-unlock-wrong-passphrase")
    unlock(custodian, servers)
    documenter = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(documenter, servers, "documenter")
    documenter.goto(servers.workbench + "/inbox")
    documenter.wait_for_selector("#submissions a")
    shot(documenter, "workbench-triage-inbox-en")
    documenter.locator("#submissions tr", has_text="anonymous submission").locator("a").click()
    thread = documenter.locator("#thread li")
    assert thread.count() == 2  # the submission and the follow-up, joined by the code
    assert "taken at night" in thread.nth(0).inner_text(), thread.all_inner_texts()
    assert "one of them is back" in thread.nth(1).inner_text(), thread.all_inner_texts()
    documenter.get_by_label("Status").select_option("in_review")
    documenter.get_by_label("Assigned to").select_option(label="documenter")
    documenter.get_by_label("Internal notes").fill("FICTIONAL: check with the lawyer")
    press(documenter, documenter.get_by_role("button", name="Save the triage"))
    assert "new version" in documenter.content()
    documenter.get_by_label("Reply (sealed").fill("FICTIONAL: who was taken first?")
    documenter.get_by_role("button", name="Send reply").click()
    assert documenter.locator("#thread li").count() == 3
    assert "Team" in documenter.locator("#thread li").nth(2).inner_text()
    shot(documenter, "workbench-triage-item-en")
    document_id = documenter.locator("h1 a").inner_text()
    documenter.goto(servers.workbench + f"/inbox/{document_id}?lang=ru")
    shot(documenter, "workbench-triage-item-ru")
    documenter.goto(servers.workbench + "/inbox?lang=en")
    # Filtered by status and assignee.
    documenter.get_by_label("Status").select_option("in_review")
    documenter.get_by_role("button", name="Filter").click()
    assert document_id in documenter.locator("#submissions").inner_text()
    documenter.get_by_label("Status").select_option("done")
    documenter.get_by_role("button", name="Filter").click()
    assert document_id not in documenter.locator("#submissions").inner_text()
    # The source reads the reply with the code.
    source.goto(servers.intake + "/replies")
    source.get_by_label("Your receipt code").fill(code)
    press(source, source.get_by_role("button", name="Check"))
    assert "who was taken first?" in source.content()
    # Make an incident from it: the form comes filled in from the submission.
    documenter.goto(servers.workbench + f"/inbox/{document_id}")
    documenter.locator("#make-incident").click()
    assert document_id in documenter.locator("#from-document").inner_text()
    assert documenter.get_by_label("When", exact=True).input_value() == "2019-01"
    assert "taken at night" in documenter.locator("#description").input_value()
    documenter.get_by_label("Title", exact=True).fill("FICTIONAL night detentions")
    documenter.locator("#victim1_name").fill("FICTIONAL First Neighbour")
    documenter.locator("input[name=victim1_acts][value=arbitrary_detention]").check()
    documenter.locator("#victim2_name").fill("FICTIONAL Second Neighbour")
    documenter.locator("input[name=victim2_acts][value=arbitrary_detention]").check()
    documenter.locator("input[name=victim2_acts][value=torture]").check()
    shot(documenter, "workbench-triage-incident-en")
    documenter.get_by_role("button", name="Save the incident").click()
    said = documenter.locator("#message").inner_text()
    assert "Written" in said and f"{document_id} is linked to E-" in said
    shot(documenter, "workbench-triage-incident-saved-en")
    archive = Archive.open(servers.folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    try:
        record = reading.open_full(archive, document_id)
        assert isinstance(record, Document) and len(record.event_ids) == 1
        assert record.triage_status == "in_review" and record.assignee.startswith("U-")
        acts = reading.list_records(archive, "act", equals={"event_id": record.event_ids[0]})
        assert len({act.fields["victim_id"] for act in acts}) == 2 and len(acts) == 3
    finally:
        archive.close()


def test_a_mistyped_receipt_code_looks_like_a_code_with_no_replies(
    servers: Servers, browser: object
) -> None:
    source = browser.new_context(java_script_enabled=False).new_page()  # type: ignore[attr-defined]
    code = submit(source, servers, "FICTIONAL: a short account")
    pages = []
    for typed in (code, code[:-1] + ("A" if code[-1] != "A" else "B"), "not a code at all"):
        source.goto(servers.intake + "/replies")
        source.get_by_label("Your receipt code").fill(typed)
        source.get_by_role("button", name="Check").click()
        # The words a person reads (layout can leave a space more or less at a line's end)
        pages.append(" ".join(source.locator("main").inner_text().split()))
    assert pages[0] == pages[1] == pages[2]
    assert "cannot tell a wrong code from a right one" in pages[2]
    shot(source, "intake-replies-probe-en")
    source.goto(servers.intake + "/replies?lang=ru")
    source.get_by_label("Ваш код квитанции").fill("not a code at all")
    press(source, source.get_by_role("button", name="Проверить"))
    assert "Ответов пока нет" in source.content()
    shot(source, "intake-replies-probe-ru")


def test_an_evacuation_case_is_opened_and_closed(servers: Servers, browser: object) -> None:
    custodian = browser.new_context().new_page()  # type: ignore[attr-defined]
    unlock(custodian, servers)
    documenter = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(documenter, servers, "documenter")
    documenter.goto(servers.workbench + "/people/P-0001/case")
    documenter.locator("#open-case").click()
    documenter.get_by_label("Type").select_option("evacuation")
    documenter.get_by_label("Status").select_option("in_progress")
    documenter.get_by_label("Priority (sealed)").select_option("urgent")
    documenter.get_by_label("Risk level").select_option("high")
    documenter.get_by_label("Review the risk by").fill("2020-01")
    documenter.get_by_label("Safety plan").fill("FICTIONAL: change phones, no social media")
    documenter.get_by_label("Seized identity documents").select_option("seized")
    documenter.get_by_label("Relocating partner organisation").fill("FICTIONAL Partner")
    documenter.get_by_label("Legs of the journey").fill(
        "2019-03 | Chechnya | Moscow region\n2019-04 | 55.7512, 37.6184 | abroad"
    )
    documenter.get_by_label("Funds, one a line").fill("2019-03 | -15000 RUB | bus tickets")
    documenter.get_by_role("button", name="Save the case").click()
    assert "Nothing was saved" in documenter.locator("#form-error").inner_text()
    # The message is next to its field, and names the field's problem.
    assert "looks like a location" in documenter.locator("#journey-error").inner_text()
    assert documenter.get_by_label("Legs of the journey").get_attribute("aria-invalid") == "true"
    assert (
        "FICTIONAL Partner"
        in documenter.get_by_label("Relocating partner organisation").input_value()
    )  # everything typed is kept
    shot(documenter, "workbench-case-refused-location-en")
    documenter.get_by_label("Legs of the journey").fill(
        "2019-03 | Chechnya | Moscow region\n2019-04 | Moscow region | abroad"
    )
    documenter.get_by_role("button", name="Save the case").click()
    case_id = documenter.locator("h1").inner_text().split()[1].rstrip(":")
    assert case_id.startswith("I-")
    assert "-15000 RUB" in documenter.locator("#case").inner_text()
    shot(documenter, "workbench-case-en")
    documenter.goto(servers.workbench + "/cases")
    assert case_id in documenter.locator("#overdue").inner_text()  # reviewed by 2020-01
    assert case_id in documenter.locator("#open-cases").inner_text()
    shot(documenter, "workbench-cases-en")
    documenter.goto(servers.workbench + "/cases?lang=ru")
    shot(documenter, "workbench-cases-ru")
    documenter.goto(servers.workbench + "/people/P-0001/case?lang=en")
    assert case_id in documenter.locator("#timeline").inner_text()
    shot(documenter, "workbench-person-case-en")
    # Close it.
    documenter.goto(servers.workbench + f"/cases/{case_id}")
    documenter.get_by_label("Status").select_option("closed")
    documenter.get_by_label("Impact on the situation (sealed)").select_option("positive")
    documenter.get_by_role("button", name="Save the case").click()
    assert documenter.locator("#case-status").inner_text() == "case closed"
    documenter.goto(servers.workbench + f"/cases/{case_id}?lang=ru")
    shot(documenter, "workbench-case-closed-ru")
    documenter.goto(servers.workbench + "/cases?lang=en")
    assert case_id not in documenter.locator("#open-cases").inner_text()
    assert case_id not in documenter.locator("#overdue").inner_text()
    documenter.goto(servers.workbench + "/people/P-0001/case?lang=ru")
    shot(documenter, "workbench-person-case-ru")
