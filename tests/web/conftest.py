"""Fixtures for the web apps: a real archive on SQLite, real users, real crypto, cheap KDFs."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from bearwitness.crypto.kdf import KdfParams
from bearwitness.intake.importers import ImportRow
from bearwitness.services import users, writing
from bearwitness.services.archive import Archive
from bearwitness.tlog.entry import LogEntry
from bearwitness.web.source.app import IntakeSettings, create_intake_app
from bearwitness.web.workbench.app import create_workbench_app
from bearwitness.web.workbench.state import WorkbenchSettings

PASSPHRASE = "FICTIONAL test passphrase"
PASSWORD = "FICTIONAL password for tests"
ROLES = users.ROLES
BASE = "https://testserver"
# Values that once answered 500 or could: Unicode digits that str.isdigit accepts and int
# may not, more digits than int reads, negatives, nothing, NUL, a lone surrogate, a path.
ODD = (
    "²",
    "٣",
    "５",
    "Ⅻ",
    "9" * 5000,
    "-1",
    "-" + "9" * 40,
    "",
    "\x00",
    "\ud800",
    "1\x00",
    "../../etc/passwd",
)


def cheap_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass
class Team:
    folder: Path
    secrets: dict[str, str]  # username -> TOTP secret


FICTIONAL_ROWS = [
    {
        "type": "source",
        "id": "S-0001",
        "reliability": "B",
        "name": "FICTIONAL Rights Network",
        "fictional": True,
    },
    {
        "type": "event",
        "id": "E-0001",
        "date": "2019-01",
        "district": "Argun",
        "victims": "~40",
        "title": "FICTIONAL wave of detentions",
        "fictional": True,
    },
    {
        "type": "person",
        "id": "P-0001",
        "role": "victim",
        "full_name": "FICTIONAL Ivan Petrov",
        "fictional": True,
    },
    {
        "type": "act",
        "id": "A-0001",
        "event_id": "E-0001",
        "victim_id": "P-0001",
        "act_type": "torture",
        "date": "2019-01",
        "fictional": True,
    },
    {
        "type": "document",
        "id": "D-0001",
        "source_id": "S-0001",
        "kind": "testimony",
        "title": "FICTIONAL testimony",
        "text": "FICTIONAL account of a passport seized",
        "fictional": True,
    },
]


@pytest.fixture
def team(tmp_path: Path, database_url: str | None) -> Team:
    """An archive (SQLite, then PostgreSQL) with a few FICTIONAL records and one user per
    role (username = role)."""
    folder = tmp_path / "archive"
    archive, _ = Archive.create(
        folder,
        passphrase=PASSPHRASE,
        database_url=database_url,
        kdf_params=KdfParams.insecure_for_tests(),
    )
    rows = [ImportRow(n, dict(data)) for n, data in enumerate(FICTIONAL_ROWS, start=1)]
    writing.write_records(archive, writing.resolve_rows(archive, rows, "fixture"))
    secrets = {
        role: users.add_user(archive, role, PASSWORD, [role], hasher=cheap_hasher())
        for role in ROLES
    }
    archive.close()
    return Team(folder, secrets)


@pytest.fixture
def workbench(team: Team) -> Iterator[TestClient]:
    app = create_workbench_app(team.folder, WorkbenchSettings(), hasher=cheap_hasher())
    with TestClient(app, base_url=BASE) as client:
        yield client
    app.app.state.keys.archive.close()


@pytest.fixture
def intake(team: Team) -> Iterator[TestClient]:
    app = create_intake_app(team.folder, IntakeSettings(fictional=True))
    with TestClient(app, base_url=BASE) as client:
        yield client
    app.app.state.archive.close()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


_STEPS_USED: weakref.WeakKeyDictionary[object, dict[str, int]] = weakref.WeakKeyDictionary()
_STEPS_USED_AT: dict[str, dict[str, int]] = {}  # servers in their own process, by address


def fresh_code(client: TestClient | str, secret: str) -> str:
    """A TOTP code the workbench (a test client's app, or a server's address) has not
    accepted yet: it refuses replays.

    The current step if unused, else the next one (still in the window); past that it
    waits for the clock, as a person would.
    """
    import time

    used = (
        _STEPS_USED_AT.setdefault(client, {})
        if isinstance(client, str)
        else _STEPS_USED.setdefault(client.app, {})
    )
    totp = pyotp.TOTP(secret)
    while True:
        current = totp.timecode(time.time())
        step = max(current, used.get(secret, -1) + 1)
        if step <= current + 1:
            used[secret] = step
            return str(totp.generate_otp(step))
        time.sleep(1)


def login(client: TestClient, team: Team, username: str) -> str:
    """Log ``username`` in; returns the CSRF token of the new session."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf": csrf_of(page.text),
            "username": username,
            "password": PASSWORD,
            "code": fresh_code(client, team.secrets[username]),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


LIST_ROLES = [
    "full_name",
    "surname",
    "given_name",
    "patronymic",
    "sex",
    "birth",
    "age",
    "residence",
    "event_type",
    "event_date",
    "event_place",
]


def add_person_lists(
    folder: Path, people: int = 60, seed: int = 3, *, opened: Archive | None = None
) -> None:
    """Write FICTIONAL synthetic lists (overlapping, with typos) as person records (into
    ``opened``, unlocked, when given: left open)."""
    from bearwitness.linkage.synthetic import generate

    archive = opened or Archive.open(folder)
    if opened is None:
        archive.unlock_with_passphrase(PASSPHRASE)
    data = generate(people, seed=seed)
    rows = [
        ImportRow(
            number,
            {
                "type": "person_record",
                "id": f"R-{number:04d}",
                "fictional": True,
                "list_name": row.list,
                "list_record_id": row.record_id,
                **{role: str(getattr(row, role) or "") for role in LIST_ROLES},
            },
        )
        for number, row in enumerate(data.records.itertuples(index=False), start=1)
    ]
    writing.write_records(archive, writing.resolve_rows(archive, rows, "synthetic"))
    if opened is None:
        archive.close()


@pytest.fixture
def lists_team(team: Team) -> Team:
    """The team's archive with FICTIONAL person lists to link."""
    add_person_lists(team.folder)
    return team


def unlock(client: TestClient, team: Team) -> None:
    """A custodian unlocks the workbench by passphrase, waits for the inbox to be written in
    (a job the unlock starts), then logs out."""
    token = login(client, team, "custodian")
    response = client.post("/unlock/passphrase", data={"csrf": token, "passphrase": PASSPHRASE})
    assert response.status_code == 200 and "unlocked" in response.text, response.text
    wait_for_fold(client)
    client.post("/logout", data={"csrf": token})


def wait_for_fold(client: TestClient, seconds: float = 120) -> None:
    """Reload the start page (any logged-in user) until it shows no inbox being written in."""
    import time

    deadline = time.monotonic() + seconds
    while 'id="fold-running"' in client.get("/").text:
        if time.monotonic() > deadline:
            raise AssertionError("the inbox was not written in")
        time.sleep(0.1)


def wait_for_job(client: TestClient, path: str, done: str, failed: str, tries: int = 600) -> str:
    """Reload ``path`` until its job shows ``done`` (or ``failed``); returns the page."""
    import time

    for _ in range(tries):
        text = str(client.get(path).text)
        assert failed not in text, text
        if done in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"the job on {path} did not finish")


def unlock_commitment(archive: Archive, method: str) -> str:
    """What a logged ``unlock`` commits to: public facts, with an all-zero salt."""
    import hashlib

    from bearwitness.services.archive import KEYRING
    from bearwitness.tlog.entry import SALT_SIZE, canonical_json, commit

    keyring = hashlib.sha256((archive.folder / KEYRING).read_bytes()).hexdigest()
    return str(
        commit(
            bytes(SALT_SIZE),
            canonical_json({"method": method, "event": "unlock", "keyring_sha256": keyring}),
        )
    )


def last_log_entry(archive: Archive) -> LogEntry:
    from sqlalchemy import select

    from bearwitness.store.schema import log_entries
    from bearwitness.tlog.entry import parse_entry

    with archive.engine.connect() as connection:
        raw = connection.execute(
            select(log_entries.c.entry).order_by(log_entries.c.idx.desc()).limit(1)
        ).scalar_one()
    return parse_entry(bytes(raw))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium for a browser test module (``tests/web/browsing.py``)."""
    from tests.web.browsing import chromium

    with chromium() as launched:
        yield launched
