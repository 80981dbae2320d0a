"""What "done" means for the workbench (issue 11), walked in a real browser, in English
and in Russian, with no command line: a documenter takes a new submission from the inbox
to an incident with two victims and their acts, corrects an act, reads its history, opens
an evacuation case for one victim and closes it. Each step is kept as a screenshot,
test-artifacts/web/walkthrough-LANG-NN-STEP.png (the README shows some of them)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.web.browsing import NEEDS_CHROMIUM, Servers, login, served_archive, shot, unlock

pytestmark = NEEDS_CHROMIUM

# What the documenter reads and presses, in each language.
WORDS = {
    "en": {
        "save_triage": "Save the triage",
        "save_incident": "Save the incident",
        "save_version": "Save a new version",
        "save_case": "Save the case",
        "written": "Written",
        "linked": "is linked to",
        "saved": "a new version was written",
        "closed": "case closed",
        "in_review": "in review",
        "history": "History",
        "refused": "Nothing was saved",
        "journey_problem": "looks like a location",
        "cases": "Open cases, most urgent first",
        "record_consent": "Record the consent",
        "withdraw": "Withdraw",
        "recorded": "The consent was recorded.",
    },
    "ru": {
        "save_triage": "Сохранить разбор",
        "save_incident": "Сохранить инцидент",
        "save_version": "Сохранить новую версию",
        "save_case": "Сохранить дело",
        "written": "Записано",
        "linked": "связан с",
        "saved": "записана новая версия",
        "closed": "дело закрыто",
        "in_review": "на рассмотрении",
        "history": "История",
        "refused": "Ничего не сохранено",
        "journey_problem": "похож на местоположение",
        "cases": "Открытые дела, сначала самые срочные",
        "record_consent": "Записать согласие",
        "withdraw": "Отозвать",
        "recorded": "Согласие записано.",
    },
}
STORY = {
    "en": "FICTIONAL: two brothers were taken from their home at night; one was beaten",
    "ru": "ВЫМЫШЛЕНО: ночью из дома забрали двух братьев; одного избили",
}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    yield from served_archive(tmp_path_factory, "walkthrough", roles=("custodian", "documenter"))


@pytest.fixture(scope="module")
def documenter(servers: Servers, browser: object) -> object:
    """The custodian unlocks once; the documenter logs in once (a login spends a code)."""
    custodian = browser.new_context().new_page()  # type: ignore[attr-defined]
    unlock(custodian, servers)
    page = browser.new_context().new_page()  # type: ignore[attr-defined]
    login(page, servers, "documenter")
    return page


def _submit(browser: object, servers: Servers, language: str) -> None:
    """A source sends the account through the intake, JavaScript off, in their language."""
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    source = context.new_page()
    source.goto(f"{servers.intake}/?lang={language}")
    source.locator("#text").fill(STORY[language])
    source.locator("#when").fill("2019-02")
    source.locator("button[type=submit]").click()
    # The answer page is sealed and fsynced first: wait for it, as a person would (the
    # click returns once the navigation starts; CI saw the old page there once).
    source.wait_for_load_state()
    try:
        source.locator("#receipt").wait_for(state="visible", timeout=30_000)
    except Exception:  # Playwright's timeout: say what the intake answered instead
        answer = source.inner_text("body")[:500]
        raise AssertionError(f"no receipt; the intake answered: {answer}") from None
    context.close()


def _written_in(page: object, base: str) -> None:
    """The inbox after "Write them in now" (while the archive is unlocked, what the intake
    sealed waits for it), reloaded until nothing waits."""
    page.goto(f"{base}/inbox")  # type: ignore[attr-defined]
    if page.locator("#waiting").inner_text() != "0":  # type: ignore[attr-defined]
        page.locator("form[action='/inbox/fold'] button").click()  # type: ignore[attr-defined]
    for _ in range(600):
        if page.locator("#waiting").inner_text() == "0":  # type: ignore[attr-defined]
            page.goto(f"{base}/inbox")  # type: ignore[attr-defined]
            return
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        page.goto(f"{base}/inbox")  # type: ignore[attr-defined]
    raise AssertionError("the inbox was not written in")


def _submission_of(page: object, base: str, language: str) -> str:
    """The id of this language's submission, its triage page open."""
    for document_id in page.locator("#submissions a").all_inner_texts():  # type: ignore[attr-defined]
        page.goto(f"{base}/inbox/{document_id}")  # type: ignore[attr-defined]
        if STORY[language] in page.locator("#thread").inner_text():  # type: ignore[attr-defined]
            return str(document_id)
    raise AssertionError("the submission is not in the inbox")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_documenter_takes_a_submission_to_a_closed_evacuation_case(
    servers: Servers, browser: object, documenter: object, language: str
) -> None:
    words, page, base = WORDS[language], documenter, servers.workbench

    def step(number: int, name: str) -> None:
        shot(page, f"walkthrough-{language}-{number:02d}-{name}")

    _submit(browser, servers, language)
    # 1. The inbox: the new submission, in the documenter's language.
    page.goto(f"{base}/?lang={language}")  # type: ignore[attr-defined]
    _written_in(page, base)
    step(1, "inbox")
    document_id = _submission_of(page, base, language)
    # 2. Triage: in review, assigned to themselves.
    page.locator("#status").select_option("in_review")  # type: ignore[attr-defined]
    page.locator("#assignee").select_option(label="documenter")  # type: ignore[attr-defined]
    page.get_by_role("button", name=words["save_triage"]).click()  # type: ignore[attr-defined]
    step(2, "triage")
    # 3. An incident from it: filled in from the submission, with two victims and their acts.
    page.locator("#make-incident").click()  # type: ignore[attr-defined]
    assert document_id in page.locator("#from-document").inner_text()  # type: ignore[attr-defined]
    assert page.locator("#date").input_value() == "2019-02"  # type: ignore[attr-defined]
    page.locator("#title").fill(f"FICTIONAL night detention ({language})")  # type: ignore[attr-defined]
    page.locator("#victim1_name").fill("FICTIONAL Elder Brother")  # type: ignore[attr-defined]
    page.locator("input[name=victim1_acts][value=arbitrary_detention]").check()  # type: ignore[attr-defined]
    page.locator("input[name=victim1_acts][value=torture]").check()  # type: ignore[attr-defined]
    page.locator("#victim2_name").fill("FICTIONAL Younger Brother")  # type: ignore[attr-defined]
    page.locator("input[name=victim2_acts][value=arbitrary_detention]").check()  # type: ignore[attr-defined]
    step(3, "incident-form")
    page.get_by_role("button", name=words["save_incident"]).click()  # type: ignore[attr-defined]
    said = page.locator("#message").inner_text()  # type: ignore[attr-defined]
    assert words["written"] in said and f"{document_id} {words['linked']} E-" in said, said
    event_id = re.findall(r"E-[0-9A-Za-z]+", said.split(words["linked"])[1])[0]
    step(4, "incident-saved")
    # 4. The event page: its acts, each with its victim; every id a link.
    page.goto(f"{base}/records/event/{event_id}")  # type: ignore[attr-defined]
    acts = page.locator("#links a[href^='/records/act/']")  # type: ignore[attr-defined]
    assert acts.count() == 3, page.locator("#links").inner_text()  # type: ignore[attr-defined]
    assert page.locator("#links a[href^='/records/person/']").count() >= 2  # type: ignore[attr-defined]
    step(5, "event")
    # 5. Correct an act: the younger brother was beaten too (torture, not only detention).
    act_id = str(acts.last.inner_text())
    page.goto(f"{base}/records/act/{act_id}")  # type: ignore[attr-defined]
    victim_id = str(page.locator("#links a[href^='/records/person/']").first.inner_text())  # type: ignore[attr-defined]
    page.locator("#edit-link").click()  # type: ignore[attr-defined]
    page.locator("#field-act_type").select_option("torture")  # type: ignore[attr-defined]
    page.locator("#field-date").fill("2019-02-11")  # type: ignore[attr-defined]
    step(6, "act-edit")
    page.get_by_role("button", name=words["save_version"]).click()  # type: ignore[attr-defined]
    assert words["saved"] in page.locator("main").inner_text()  # type: ignore[attr-defined]
    # 6. Its history: version 2 says which fields changed.
    assert words["history"] in page.locator("#history-heading").inner_text()  # type: ignore[attr-defined]
    changed = page.locator("#version-2").inner_text()  # type: ignore[attr-defined]
    assert "2019-02-11" in changed, changed
    page.locator("#history").scroll_into_view_if_needed()  # type: ignore[attr-defined]
    step(7, "act-history")
    # 7. An evacuation case for that victim: a live location is refused next to its field,
    # with everything typed kept; regions only are accepted.
    page.goto(f"{base}/people/{victim_id}/case")  # type: ignore[attr-defined]
    page.locator("#open-case").click()  # type: ignore[attr-defined]
    page.locator("#kind").select_option("evacuation")  # type: ignore[attr-defined]
    page.locator("#status").select_option("in_progress")  # type: ignore[attr-defined]
    page.locator("#priority").select_option("urgent")  # type: ignore[attr-defined]
    page.locator("#risk_level").select_option("high")  # type: ignore[attr-defined]
    page.locator("#risk_review").fill("2019-06")  # type: ignore[attr-defined]
    page.locator("#safety_plan").fill("FICTIONAL: new phones, no social media")  # type: ignore[attr-defined]
    page.locator("#partner_organisation").fill("FICTIONAL Partner Shelter")  # type: ignore[attr-defined]
    page.locator("#journey").fill("2019-03 | Chechnya | 43.3169, 45.6815")  # type: ignore[attr-defined]
    page.locator("#funds").fill("2019-03 | -12000 RUB | train tickets")  # type: ignore[attr-defined]
    page.get_by_role("button", name=words["save_case"]).click()  # type: ignore[attr-defined]
    assert words["refused"] in page.locator("#form-error").inner_text()  # type: ignore[attr-defined]
    assert words["journey_problem"] in page.locator("#journey-error").inner_text()  # type: ignore[attr-defined]
    assert page.locator("#partner_organisation").input_value() == "FICTIONAL Partner Shelter"  # type: ignore[attr-defined]
    page.locator("#journey").scroll_into_view_if_needed()  # type: ignore[attr-defined]
    step(8, "case-refused")
    page.locator("#journey").fill("2019-03 | Chechnya | Moscow region")  # type: ignore[attr-defined]
    page.get_by_role("button", name=words["save_case"]).click()  # type: ignore[attr-defined]
    case_id = str(page.locator("h1").inner_text()).split()[1].rstrip(":")  # type: ignore[attr-defined]
    assert case_id.startswith("I-") and victim_id in page.locator("#case-person").inner_text()  # type: ignore[attr-defined]
    step(9, "case")
    page.goto(f"{base}/cases")  # type: ignore[attr-defined]
    assert words["cases"] in page.locator("main").inner_text()  # type: ignore[attr-defined]
    assert case_id in page.locator("#open-cases").inner_text()  # type: ignore[attr-defined]
    assert case_id in page.locator("#overdue").inner_text()  # reviewed by 2019-06
    step(10, "cases")
    # 8. Closed: off the open list; the victim's timeline shows the acts and the case.
    page.goto(f"{base}/cases/{case_id}")  # type: ignore[attr-defined]
    page.locator("#status").select_option("closed")  # type: ignore[attr-defined]
    page.locator("#impact").select_option("positive")  # type: ignore[attr-defined]
    page.get_by_role("button", name=words["save_case"]).click()  # type: ignore[attr-defined]
    assert page.locator("#case-status").inner_text() == words["closed"]  # type: ignore[attr-defined]
    step(11, "case-closed")
    page.goto(f"{base}/cases")  # type: ignore[attr-defined]
    assert case_id not in page.locator("#open-cases").inner_text()  # type: ignore[attr-defined]
    page.goto(f"{base}/people/{victim_id}/case")  # type: ignore[attr-defined]
    timeline = page.locator("#timeline").inner_text()  # type: ignore[attr-defined]
    assert act_id in timeline and case_id in timeline and words["closed"] in timeline
    step(12, "person-timeline")
    # 9. The victim's consent: recorded, then withdrawn, on their consents page.
    page.locator("#person-consents").click()  # type: ignore[attr-defined]
    page.locator("input[name=scopes][value=anonymised_quotation]").check()  # type: ignore[attr-defined]
    page.locator("#method").select_option("oral_witnessed")  # type: ignore[attr-defined]
    page.locator("#obtained_on").fill("2019-03-01")  # type: ignore[attr-defined]
    page.locator("#obtained_by").fill("FICTIONAL field worker")  # type: ignore[attr-defined]
    page.get_by_role("button", name=words["record_consent"]).click()  # type: ignore[attr-defined]
    assert words["recorded"] in page.locator("#message").inner_text()  # type: ignore[attr-defined]
    assert "2019-03-01" in page.locator("#consents").inner_text()  # type: ignore[attr-defined]
    step(13, "consents")
    page.locator("#consents").get_by_role("button", name=words["withdraw"]).click()  # type: ignore[attr-defined]
    assert page.locator("#consents .withdrawn").first.inner_text()[:2] == "20"  # type: ignore[attr-defined]
    page.goto(f"{base}/?lang=en")  # type: ignore[attr-defined]
