"""The workbench's lists, search and saved searches through the app (no browser)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import Team, login, unlock


def test_a_bad_filter_is_a_400_that_says_how_to_write_it(workbench: TestClient, team: Team) -> None:
    login(workbench, team, "documenter")
    answer = workbench.get("/records/event?since=dec+2018")
    assert answer.status_code == 400 and "is not a date" in answer.text
    assert workbench.get("/records/act?act_type=nonsense").status_code == 400
    assert workbench.get("/records/event?sort=title").status_code == 400
    listed = workbench.get("/records/act?sort=-date")
    assert listed.status_code == 200 and " of " in listed.text
    assert "Titles and names are sealed" in listed.text  # locked: no titles
    russian = workbench.get("/records/event?since=dec+2018&lang=ru")
    assert russian.status_code == 400
    assert "С даты: &#39;dec 2018&#39; — не дата. Напишите год, месяц или день" in russian.text
    assert workbench.get("/?lang=en").status_code == 200


def test_every_filter_a_list_takes_has_its_name_in_russian() -> None:
    from bearwitness.services import listing
    from bearwitness.web.i18n import translations

    russian = translations("ru")
    names = {
        str(listing.filter_name(name))
        for kind in listing.FACETS
        for name in listing.filter_names(kind)
    }
    assert names and all(russian.gettext(name) != name for name in names), sorted(names)


def test_saved_searches_need_an_unlock_and_are_each_users_own(
    workbench: TestClient, team: Team
) -> None:
    token = login(workbench, team, "documenter")
    refused = workbench.post(
        "/saved",
        data={"csrf": token, "saved_kind": "list", "saved_target": "act", "saved_name": "x"},
    )
    assert refused.status_code == 409 and "needs an unlock" in refused.text
    workbench.cookies.clear()
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    saved = workbench.post(
        "/saved",
        data={
            "csrf": token,
            "saved_kind": "list",
            "saved_target": "act",
            "saved_name": "FICTIONAL torture",
            "act_type": "torture",
            "colour": "ignored",
        },
    )
    assert saved.status_code == 200 and "/records/act?act_type=torture" in saved.text
    nameless = {"csrf": token, "saved_kind": "list", "saved_target": "act", "saved_name": " "}
    refused = workbench.post("/saved?lang=ru", data=nameless)  # said in the page's language
    assert refused.status_code == 400
    assert "У сохранённого поиска должно быть имя. Дайте ему короткое имя." in refused.text
    assert workbench.get("/?lang=en").status_code == 200
    found = workbench.get("/search?q=passports")
    assert found.status_code == 200 and "<mark>" in found.text
    assert workbench.get("/search?q=passports&page=0").status_code == 400
    workbench.cookies.clear()
    login(workbench, team, "analyst")
    assert "FICTIONAL torture" not in workbench.get("/saved").text
