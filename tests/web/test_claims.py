"""The claims review queue and incident page through the workbench (FICTIONAL article):
taking an article in locked and unlocked, accepting, editing and rejecting, the incident."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bearwitness.services import reading
from bearwitness.services.archive import Archive
from tests.web.conftest import Team, csrf_of, login, unlock
from tests.web.test_accessibility import check

ARTICLE = (
    "FICTIONAL. Around 40 people were detained in Argun in January 2019, the Fictional "
    "Rights Network said in a press release. At least two of them died under torture, the "
    'network said. A spokesman for the authorities denied it: "if even a single person '
    'were arrested, let alone 40, the entire public would have known."\n'
)


def _forms(html: str) -> list[dict[str, str]]:
    """Each candidate's hidden fields, in the page's order."""
    found = []
    for form in re.findall(r'<form method="post" action="/claims/decide">(.*?)</form>', html, re.S):
        fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form))
        found.append(fields)
    return found


def _accept(workbench: TestClient, fields: dict[str, str], **edits: str) -> str:
    data = {
        "verdict": "accept", "act": "arbitrary_detention", "stance": "assert",
        "qualifier": "approx", "best": "40", "claimant": "FICTIONAL Rights Network",
        "reliability": "B", "credibility": "2", "event_id": "E-0001", **fields, **edits,
    }  # fmt: skip
    response = workbench.post("/claims/decide", data=data)
    assert response.status_code == 200, response.text
    return response.text


def test_paste_review_and_read_the_incident(workbench: TestClient, team: Team) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    added = workbench.post(
        "/claims/add", data={"csrf": token, "text": ARTICLE, "outlet": "FICTIONAL Herald"}
    )
    assert added.status_code == 200 and "with 3 candidate claim(s)" in added.text
    check(added)
    assert "<mark>Around 40 people were detained in Argun" in added.text
    forms = _forms(added.text)
    assert [f["index"] for f in forms] == ["0", "1", "2"]
    accepted = _accept(workbench, forms[0])
    assert "The claim was accepted as C-" in accepted
    forms = _forms(accepted)
    rejected = workbench.post("/claims/decide", data={**forms[0], "verdict": "reject"})
    assert "The candidate was rejected." in rejected.text
    forms = _forms(rejected.text)
    denial = _accept(
        workbench, forms[0], stance="deny", qualifier="none", best="",
        claimant="FICTIONAL regional press service", reliability="C", credibility="5",
    )  # fmt: skip
    assert "No claim waits for review." in denial

    incident = workbench.get("/claims/incident/E-0001")
    assert incident.status_code == 200
    check(incident)
    text = incident.text
    assert "Fictional Rights Network" in text and "B: usually reliable" in text
    assert "2: probably true" in text and "around 40" in text
    assert (
        "FICTIONAL regional press service" in re.search(r'id="denials">(.*?)</ul>', text, re.S)[1]
    )  # type: ignore[index]
    assert re.search(r'id="most-conservative">40<', text)
    assert re.search(r'id="low-best-high">40 / 40 / 40<', text)
    assert "no: fewer than two original claimants" in text
    assert '<a href="/records/source/S-0001">S-0001</a>' in text  # the claimant's source
    again = workbench.post(
        "/claims/add", data={"csrf": token, "text": ARTICLE, "outlet": "FICTIONAL Herald"}
    )
    graded = again.text.split('id="c1"')[1].split("</section>")[0]
    assert re.search(r'<option value="B" selected>', graded)  # the source's grade, preselected
    assert "The claimant is source S-0001, graded once for all its claims" in graded
    russian = workbench.get("/claims/incident/E-0001?lang=ru")
    check(russian, "ru")
    assert "около 40" in russian.text and "Самая осторожная" in russian.text
    workbench.get("/claims?lang=en")  # the session's language, back to English

    claim_id = re.search(r'action="/claims/(C-\d+)/relays"', text)[1]  # type: ignore[index]
    version = "1"
    corrected = workbench.post(
        f"/claims/{claim_id}/relays",
        data={"csrf": token, "version": version, "relays": "FICTIONAL Wire", "event_id": "E-0001"},
    )
    assert "The correction was saved" in corrected.text
    assert (
        "FICTIONAL Wire"
        in re.search(r"<table id=\"claimants\">(.*?)</table>", corrected.text, re.S)[1]
    )  # type: ignore[index]
    stale = workbench.post(
        f"/claims/{claim_id}/relays",
        data={"csrf": token, "version": version, "relays": "", "event_id": "E-0001"},
    )
    assert stale.status_code == 409 and "changed meanwhile" in stale.text


def test_bad_review_input_is_named_and_nothing_changes(workbench: TestClient, team: Team) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    added = workbench.post("/claims/add", data={"csrf": token, "text": ARTICLE})
    fields = _forms(added.text)[0]
    bad = workbench.post(
        "/claims/decide", data={**fields, "verdict": "accept", "act": "torture",
                                "stance": "assert", "qualifier": "at_least", "low": "forty"},
    )  # fmt: skip
    assert (
        bad.status_code == 400 and "Count, low: &#39;forty&#39; is not a whole number" in bad.text
    )
    russian = workbench.post(
        "/claims/decide?lang=ru", data={**fields, "verdict": "accept", "act": "torture",
                                        "stance": "assert", "qualifier": "at_least", "low": ""},
    )  # fmt: skip
    assert russian.status_code == 400
    assert "Число: для «не менее» нужно значение «нижнее»" in russian.text
    assert "Заполните его." in russian.text
    workbench.get("/?lang=en")
    bad = workbench.post("/claims/decide", data={**fields, "verdict": "accept", "act": "nope"})
    assert bad.status_code == 400 and "not a known act type" in bad.text
    bad = workbench.post("/claims/decide", data={**fields, "index": "99", "verdict": "reject"})
    assert bad.status_code == 404
    empty = workbench.post("/claims/add", data={"csrf": token, "text": "  "})
    assert empty.status_code == 400 and "pasted.txt is empty" in empty.text  # as written
    workbench.get("/claims?lang=ru")
    russian = workbench.post("/claims/add", data={"csrf": token, "text": "  "})
    assert "pasted.txt пуст" in russian.text
    assert "Вставьте текст статьи или выберите её файл." in russian.text
    workbench.get("/claims?lang=en")
    archive = Archive.open(team.folder)
    try:
        assert reading.list_records(archive, "claim") == []
    finally:
        archive.close()


def test_locked_an_upload_is_sealed_into_the_inbox(workbench: TestClient, team: Team) -> None:
    token = login(workbench, team, "documenter")
    page = workbench.get("/claims")
    assert "Reviewing needs an unlock" in page.text
    check(page)
    html = f"<html><body><article><p>{ARTICLE}</p></article></body></html>".encode()
    sent = workbench.post(
        "/claims/add",
        data={"csrf": csrf_of(page.text)},
        files={"file": ("article.html", html, "text/html")},
    )
    assert sent.status_code == 200, sent.text
    assert "sealed into the inbox with 3 candidate claim(s)" in sent.text
    assert token


def test_a_suggested_link_is_confirmed_and_the_claim_opens_like_any_record(
    workbench: TestClient, team: Team
) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    added = workbench.post("/claims/add", data={"csrf": token, "text": ARTICLE})
    accepted = _accept(workbench, _forms(added.text)[0], event_id="", place="Argun", when="2019-01")
    claim_id = re.search(r"accepted as (C-\d+)", accepted)[1]  # type: ignore[index]
    incident = workbench.get("/claims/incident/E-0001")
    assert 'id="no-claims"' in incident.text
    suggested = re.search(r'<ul id="suggested">(.*?)</ul>', incident.text, re.S)[1]  # type: ignore[index]
    assert claim_id in suggested and "place, time" in suggested
    check(incident)
    linked = workbench.post(
        f"/claims/{claim_id}/events", data={"csrf": token, "version": "1", "event_id": "E-0001"}
    )
    assert linked.status_code == 200 and f"{claim_id} is now linked" in linked.text
    assert 'id="suggested"' not in linked.text and 'id="most-conservative">40<' in linked.text
    missing = workbench.post(
        f"/claims/{claim_id}/events", data={"csrf": token, "version": "2", "event_id": "E-0404"}
    )
    assert missing.status_code == 404
    assert workbench.get(f"/records/claim/{claim_id}").status_code == 200
    workbench.post(f"/records/claim/{claim_id}/reveal", data={"csrf": token})
    edit = workbench.get(f"/records/claim/{claim_id}/edit")
    assert edit.status_code == 200 and "credibility" in edit.text


def test_the_queue_is_paged_and_says_where_it_is(workbench: TestClient, team: Team) -> None:
    from bearwitness.web.workbench.claims import QUEUE_PAGE

    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    articles = QUEUE_PAGE // 3 + 1  # three candidates each: more than one page
    for number in range(articles):
        added = workbench.post(
            "/claims/add", data={"csrf": token, "text": ARTICLE, "title": f"FICTIONAL {number}"}
        )
        assert added.status_code == 200
    total = 3 * articles
    first = workbench.get("/claims")
    assert f"{total} candidate claim(s) wait for review." in first.text
    assert f"1–{QUEUE_PAGE} of {total}" in first.text and 'rel="next"' in first.text
    assert len(_forms(first.text)) == QUEUE_PAGE and 'rel="prev"' not in first.text
    second = workbench.get("/claims?page=2")
    assert f"{QUEUE_PAGE + 1}–{total} of {total}" in second.text
    assert len(_forms(second.text)) == total - QUEUE_PAGE and 'rel="prev"' in second.text
    assert f'id="c{QUEUE_PAGE + 1}"' in second.text  # ids go on from the page before
    check(second)
    assert workbench.get("/claims?page=99").text.count('action="/claims/decide"') == len(
        _forms(second.text)
    )  # past the end: the last page
    russian = workbench.get("/claims?page=2&lang=ru").text
    assert f"{QUEUE_PAGE + 1}–{total} из {total}" in russian and "Предыдущая страница" in russian


def test_an_odd_queue_page_number_shows_the_first_or_last_page(
    workbench: TestClient, team: Team
) -> None:
    unlock(workbench, team)
    login(workbench, team, "documenter")
    for odd in ("0", "-1", "²", "x", "9" * 5000, ""):
        response = workbench.get("/claims", params={"page": odd})
        assert response.status_code == 200, odd
