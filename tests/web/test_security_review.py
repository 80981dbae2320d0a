"""Fixes from the web security review: pseudonyms in the log, login timing and throttling,
locking ends reveals and jobs, evidence hashes and abandoned downloads, bad forms, TOTP replay."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pyotp
import pyrage
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from pyrage import x25519
from sqlalchemy import select, update

from bearwitness.crypto.files import PlaintextChunks
from bearwitness.errors import LockedError, TamperedError
from bearwitness.services import audit, reading, users
from bearwitness.services.archive import Archive
from bearwitness.store.schema import log_entries, web_audit, web_users
from bearwitness.web.workbench.app import create_workbench_app
from bearwitness.web.workbench.records import plaintext_chunks
from bearwitness.web.workbench.state import LoginThrottle, WorkbenchSettings
from tests.web.conftest import (
    BASE,
    PASSPHRASE,
    PASSWORD,
    Team,
    cheap_hasher,
    csrf_of,
    fresh_code,
    login,
    wait_for_fold,
)

STAFF = "zelda.fictional"  # a username that no log entry could contain by chance


def _unlock(client: TestClient, team: Team, username: str = "custodian") -> str:
    token = login(client, team, username)
    response = client.post("/unlock/passphrase", data={"csrf": token, "passphrase": PASSPHRASE})
    assert "nlocked" in response.text, response.text
    wait_for_fold(client)
    return token


def test_the_log_and_audit_trail_name_staff_by_pseudonym_only(team: Team) -> None:
    with Archive.open(team.folder) as archive:
        archive.unlock_with_passphrase(PASSPHRASE)
        team.secrets[STAFF] = users.add_user(
            archive, STAFF, PASSWORD, ["custodian", "documenter"], hasher=cheap_hasher()
        )
        with archive.engine.begin() as connection:  # an account from before migration 0005
            connection.execute(
                update(web_users).where(web_users.c.username == STAFF).values(pseudonym=None)
            )
    app = create_workbench_app(team.folder, WorkbenchSettings(), hasher=cheap_hasher())
    with TestClient(app, base_url=BASE) as client:
        token = _unlock(client, team, STAFF)
        written = client.post(
            "/incident",
            data={
                "csrf": token,
                "victim_rows": "1",
                "title": "FICTIONAL raid",
                "date": "2019-02",
                "victim1_name": "FICTIONAL Victim",
                "victim1_acts": "torture",
            },
        )
        assert written.status_code == 200 and "Written" in written.text, written.text
        client.post("/records/person/P-0001/reveal", data={"csrf": token})
        client.post("/lock", data={"csrf": token})
    archive = app.app.state.keys.archive
    pseudonym = users.pseudonym_of(archive.engine, STAFF)
    assert pseudonym.startswith("U-") and STAFF not in pseudonym
    with archive.engine.connect() as connection:
        entries = [bytes(e) for e in connection.execute(select(log_entries.c.entry)).scalars()]
        actors = set(connection.execute(select(web_audit.c.actor)).scalars())
    files = [path for path in (archive.folder / "log").rglob("*") if path.is_file()]
    assert any("entries" in path.parts for path in files)  # the published entry bundles
    bundles = [path.read_bytes() for path in files]
    assert any(pseudonym.encode() in entry for entry in entries)
    for blob in entries + bundles:
        assert STAFF.encode() not in blob
    assert pseudonym in actors and not any(STAFF in actor for actor in actors)
    archive.close()


class CountingHasher(PasswordHasher):
    """A real argon2 hasher that counts the hashes it makes."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1, salt_len=17)
        self.hashes = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.hashes += 1
        return super().hash(password, salt=salt)


def test_a_missing_user_makes_its_dummy_hash_once(team: Team) -> None:
    hasher = CountingHasher()
    with Archive.open(team.folder) as archive:
        for _ in range(3):
            with pytest.raises(users.LoginFailed):
                users.authenticate(
                    archive.engine, "nobody", PASSWORD, "000000", now=1e9, hasher=hasher
                )
    assert hasher.hashes <= 1


def _fail(client: TestClient, username: str) -> int:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf": csrf_of(page.text),
            "username": username,
            "password": "FICTIONAL wrong",
            "code": "000000",
        },
    )
    return int(response.status_code)


def test_one_attacker_behind_the_proxy_locks_nobody_else_out(
    workbench: TestClient, team: Team
) -> None:
    # Behind a reverse proxy or Tor every client is 127.0.0.1.
    app = workbench.app
    analyst = TestClient(app, base_url=BASE, client=("127.0.0.1", 40001))
    login(analyst, team, "analyst")  # this browser is now known for the analyst
    attacker = TestClient(app, base_url=BASE, client=("127.0.0.1", 40002))
    assert [_fail(attacker, "analyst") for _ in range(5)] == [401] * 5
    assert _fail(attacker, "analyst") == 429  # guessing the analyst's password stops
    colleague = TestClient(app, base_url=BASE, client=("127.0.0.1", 40003))
    login(colleague, team, "documenter")  # the shared address is not blocked
    login(analyst, team, "analyst")  # nor is the analyst's own browser


def test_client_addresses_count_only_where_they_tell_clients_apart() -> None:
    throttle = LoginThrottle(WorkbenchSettings(), lambda: 0.0)
    assert throttle.keys_for("alice", "127.0.0.1", None) == ["user:alice"]
    assert throttle.keys_for("alice", "::1", None) == ["user:alice"]
    assert throttle.keys_for("alice", None, None) == ["user:alice"]
    assert throttle.keys_for("alice", "203.0.113.7", None) == ["user:alice", "client:203.0.113.7"]
    device = throttle.device_token("alice")
    assert throttle.keys_for("alice", "127.0.0.1", device)[0].startswith("device:")
    assert throttle.keys_for("bob", "127.0.0.1", device) == ["user:bob"]  # alice's only
    nonce, _, signature = device.partition(".")
    forged = f"{nonce}.{'0' * len(signature)}"
    assert throttle.keys_for("alice", None, forged) == ["user:alice"]


def test_locking_hides_what_was_revealed_and_stops_jobs(workbench: TestClient, team: Team) -> None:
    _unlock(workbench, team)
    workbench.cookies.clear()
    token = login(workbench, team, "analyst")
    shown = workbench.post("/records/person/P-0001/reveal", data={"csrf": token})
    assert "FICTIONAL Ivan Petrov" in shown.text
    keys = workbench.app.app.state.keys  # type: ignore[attr-defined]
    analyst = next(u for u in users.list_users(keys.archive.engine) if u.username == "analyst")
    job_copy, check = keys.for_user(analyst), keys.guard()
    workbench.post("/lock", data={"csrf": token})
    assert job_copy.locked  # a job's copy of the archive lost the keys too
    with pytest.raises(LockedError):
        check()
    custodian = TestClient(workbench.app, base_url=BASE)
    _unlock(custodian, team)
    again = workbench.get("/records/person/P-0001").text
    assert "FICTIONAL Ivan Petrov" not in again and "sealed" in again
    with pytest.raises(LockedError):
        check()  # a new unlock does not revive a job started before the lock


def _evidence_ids(team: Team) -> list[str]:
    with Archive.open(team.folder) as archive:
        return [f.id for f in reading.list_records(archive, "evidence")]


def test_a_download_that_does_not_match_its_hash_is_stopped_and_audited(
    workbench: TestClient, team: Team
) -> None:
    _unlock(workbench, team)
    workbench.cookies.clear()
    token = login(workbench, team, "documenter")
    for number in (1, 2):
        done = workbench.post(
            "/documents/new",
            data={
                "csrf": token,
                "title": f"FICTIONAL note {number}",
                "text": "FICTIONAL",
                "kind": "report",
            },
            files=[
                ("files", (f"n{number}.txt", f"FICTIONAL note {number}".encode(), "text/plain"))
            ],
        )
        assert "Written" in done.text, done.text
    first, second = sorted(_evidence_ids(team))[-2:]
    assert workbench.get(f"/evidence/{first}/download").content == b"FICTIONAL note 1"
    blobs = team.folder / "blobs"
    (blobs / f"{first}.age").write_bytes((blobs / f"{second}.age").read_bytes())  # swapped
    # The headers went out before the end; the response is broken off, no last bytes.
    with pytest.raises(RuntimeError, match="response already started") as stopped:
        workbench.get(f"/evidence/{first}/download")
    assert isinstance(stopped.value.__cause__, TamperedError)
    archive = workbench.app.app.state.keys.archive  # type: ignore[attr-defined]
    refused = audit.recent(archive.engine, action="download_mismatch")
    assert [entry.target for entry in refused] == [first]


def _age_file(tmp_path: Path, data: bytes) -> tuple[Path, str]:
    identity = x25519.Identity.generate()
    path = tmp_path / "file.age"
    path.write_bytes(pyrage.encrypt(data, [identity.to_public()]))
    return path, str(identity)


def test_a_mismatch_never_delivers_the_whole_file(tmp_path: Path) -> None:
    data = bytes(range(256)) * 400  # several 8 KiB chunks
    path, identity = _age_file(tmp_path, data)
    noticed: list[bool] = []
    received: list[bytes] = []

    async def read() -> None:
        chunks = PlaintextChunks(path, identity, expected_sha256="0" * 64, what="E-1")
        async for chunk in plaintext_chunks(chunks, on_mismatch=lambda: noticed.append(True)):
            received.append(chunk)

    with pytest.raises(TamperedError):
        asyncio.run(read())
    assert noticed == [True] and len(b"".join(received)) < len(data)


def test_the_decrypting_thread_ends_when_the_client_goes_away(tmp_path: Path) -> None:
    data = bytes(range(256)) * 8192  # 2 MiB: far more than the queue between them holds
    path, identity = _age_file(tmp_path, data)

    async def read_one_then_leave() -> bytes:
        stream = PlaintextChunks(path, identity, expected_sha256=None, what="E-1")
        chunks = plaintext_chunks(stream, on_mismatch=lambda: None)
        first = await anext(chunks)
        await chunks.aclose()  # what Starlette does when the client disconnects
        return first

    assert asyncio.run(read_one_then_leave())
    workers = [t for t in threading.enumerate() if t.name == "bw-plaintext"]
    for worker in workers:
        worker.join(timeout=30)
    assert not any(worker.is_alive() for worker in workers)


def test_a_non_numeric_victim_count_is_refused_with_400(workbench: TestClient, team: Team) -> None:
    token = login(workbench, team, "documenter")
    response = workbench.post(
        "/incident",
        data={
            "csrf": token,
            "victim_rows": "many",
            "title": "FICTIONAL",
            "victim1_acts": "torture",
        },
    )
    assert response.status_code == 400 and "not a whole number" in response.text
    assert workbench.get("/incident?victims=x²").status_code == 200


def test_a_one_time_code_works_once(workbench: TestClient, team: Team) -> None:
    secret = team.secrets["analyst"]
    code = fresh_code(workbench, secret)
    data: dict[str, Any] = {"username": "analyst", "password": PASSWORD, "code": code}
    first = workbench.post(
        "/login",
        data={"csrf": csrf_of(workbench.get("/login").text), **data},
        follow_redirects=False,
    )
    assert first.status_code == 303
    other = TestClient(workbench.app, base_url=BASE)
    replay = other.post("/login", data={"csrf": csrf_of(other.get("/login").text), **data})
    assert replay.status_code == 401
    api = other.post("/api/v1/session", json=data)
    assert api.status_code == 401
    assert pyotp.TOTP(secret).verify(code, valid_window=1)  # the code itself was right
