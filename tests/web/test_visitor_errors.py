"""What a visitor who is not logged in may read of an error: only that what they typed was wrong.

A database that goes away under a running workbench must not show the login page
its host, port, name and user; the operator's log says what happened, and staff
who are logged in still read the message.
"""

from __future__ import annotations

import logging
import re

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.postgres import server_url
from tests.web.conftest import PASSWORD, Team, csrf_of, fresh_code, login

GENERIC = "The workbench cannot answer right now"


def _drop(database_url: str) -> str:
    """Drop the team's database under the running app; returns its name."""
    found = re.search(r"dbname=([^&]+)", database_url)
    assert found, database_url
    name = found.group(1)
    with psycopg.connect(server_url(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    return name


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_lost_database_is_not_described_to_visitors(
    workbench: TestClient, team: Team, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    staff = TestClient(workbench.app, base_url=str(workbench.base_url))
    login(staff, team, "admin")
    form = workbench.get("/login")
    name = _drop(database_url)
    with caplog.at_level(logging.ERROR, logger="bearwitness.web.workbench.common"):
        page = workbench.post(
            "/login",
            data={
                "csrf": csrf_of(form.text),
                "username": "admin",
                "password": PASSWORD,
                "code": fresh_code(workbench, team.secrets["admin"]),
            },
        )
        api = workbench.post(
            "/api/v1/session", json={"username": "admin", "password": PASSWORD, "code": "000000"}
        )
        russian = workbench.post(
            "/login?lang=ru",
            data={
                "csrf": csrf_of(workbench.get("/login?lang=ru").text),
                "username": "admin",
                "password": PASSWORD,
                "code": "000000",
            },
        )
    for answer in (page, api, russian):
        assert answer.status_code == 500
        for detail in (name, "5432", "127.0.0.1", "postgres"):
            assert detail not in answer.text
    assert GENERIC in page.text and api.json()["error"] == "unavailable"
    assert "Рабочее место сейчас не может ответить" in russian.text
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 3 and all(name in line and "\n" not in line for line in logged)
    assert not any("admin" in line or PASSWORD in line for line in logged)
    # Staff who are logged in are told which database did not answer.
    assert name in staff.get("/").text


def test_visitors_still_read_what_was_wrong_with_what_they_typed(
    workbench: TestClient, team: Team
) -> None:
    form = workbench.get("/login")
    wrong = workbench.post(
        "/login",
        data={
            "csrf": csrf_of(form.text),
            "username": "admin",
            "password": "FICTIONAL wrong",
            "code": "000000",
        },
    )
    assert wrong.status_code == 401 and "Wrong username, password" in wrong.text
    api = workbench.post(
        "/api/v1/session",
        json={"username": "admin", "password": "FICTIONAL wrong", "code": "000000"},
    )
    assert api.status_code == 401 and api.json()["error"] == "login_failed"
