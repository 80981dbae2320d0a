"""The workbench's entry forms and the CLI store through one use case, with the same checks."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bearwitness.cli import records as cli_records
from bearwitness.errors import ImportRejected
from bearwitness.services import inbox, keeping, storing
from bearwitness.services.archive import Archive
from tests.web.conftest import Team, login, unlock

DANGLING = "refers to event E-9999, which is neither in the archive nor in this file"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources every call of :func:`storing.store` named."""
    seen: list[str] = []
    original: Callable[..., Any] = storing.store

    def spy(archive: Archive, entries: Any, source: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(source)
        return original(archive, entries, source, *args, **kwargs)

    monkeypatch.setattr(storing, "store", spy)
    monkeypatch.setattr(keeping.agent, "fetch_secrets", lambda folder: None)  # CLI: locked
    return seen


def _incident(workbench: TestClient, token: str, **fields: str) -> Any:
    return workbench.post(
        "/incident",
        data={
            "csrf": token,
            "victim_rows": "1",
            "title": "FICTIONAL",
            "victim1_acts": "torture",
            **fields,
        },
    )


def test_a_locked_entry_with_a_dangling_reference_is_refused_like_the_cli(
    workbench: TestClient, team: Team, calls: list[str]
) -> None:
    token = login(workbench, team, "documenter")
    response = _incident(workbench, token, parent_id="E-9999")
    assert response.status_code == 400
    assert f"The event: field 'parent_id' {DANGLING}. Correct it" in html.unescape(response.text)
    with pytest.raises(ImportRejected, match=DANGLING):
        cli_records.add(
            "event",
            team.folder,
            set_=["title=FICTIONAL", "parent_id=E-9999"],
            file=None,
            attach=[],
            source=None,
            fictional=False,
        )
    assert calls == ["the form", "the command line"]
    with Archive.open(team.folder) as archive:
        assert inbox.pending(archive) == []  # neither was acknowledged
    # What is there is taken, both ways, and written at the unlock.
    assert "sealed into the inbox" in _incident(workbench, token, parent_id="E-0001").text
    cli_records.add(
        "event",
        team.folder,
        set_=["title=FICTIONAL", "parent_id=E-0001"],
        file=None,
        attach=[],
        source=None,
        fictional=False,
    )
    assert calls[2:] == ["the form", "the command line"]
    with Archive.open(team.folder) as archive:
        assert len(inbox.pending(archive)) == 2


def test_an_unlocked_entry_stores_through_the_same_use_case(
    workbench: TestClient, team: Team, calls: list[str]
) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    response = _incident(workbench, token, parent_id="E-9999")
    assert response.status_code == 400 and DANGLING in response.text
    response = workbench.post(
        "/documents/new",
        data={"csrf": token, "title": "FICTIONAL report", "text": "FICTIONAL", "kind": "report"},
        files=[("files", ("note.txt", b"FICTIONAL note", "text/plain"))],
    )
    assert response.status_code == 200 and "Written" in response.text, response.text
    assert calls == ["the form", "the form"]


def test_a_refused_incident_is_said_in_russian(
    workbench: TestClient, team: Team, calls: list[str]
) -> None:
    token = login(workbench, team, "documenter")
    workbench.get("/?lang=ru")
    empty = _incident(workbench, token, victim1_acts="")
    assert empty.status_code == 400 and "В инциденте нет пострадавших." in empty.text
    assert "Заполните хотя бы одного пострадавшего." in empty.text
    dangling = html.unescape(_incident(workbench, token, parent_id="E-9999").text)
    assert "Событие: " in dangling and "Исправьте и сохраните снова." in dangling
    workbench.get("/?lang=en")
