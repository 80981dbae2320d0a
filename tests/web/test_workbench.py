"""The workbench: login, CSRF, sessions, unlocking together, auto-lock, reveal, evidence."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from bearwitness.crypto.kdf import KdfParams
from bearwitness.services import audit, reading, users
from bearwitness.services.archive import Archive
from bearwitness.web.workbench.app import create_workbench_app
from bearwitness.web.workbench.state import WorkbenchSettings
from tests.web.conftest import (
    BASE,
    PASSPHRASE,
    PASSWORD,
    Team,
    cheap_hasher,
    csrf_of,
    fresh_code,
    last_log_entry,
    login,
    unlock_commitment,
    wait_for_fold,
)
from tests.web.test_intake import jpeg_with_gps


class Clock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def unlock(client: TestClient, team: Team) -> None:
    token = login(client, team, "custodian")
    response = client.post("/unlock/passphrase", data={"csrf": token, "passphrase": PASSPHRASE})
    assert "unlocked" in response.text
    wait_for_fold(client)
    client.cookies.clear()


def count(team: Team, kind: str) -> int:
    with Archive.open(team.folder) as archive:
        return len(reading.list_records(archive, kind))


def test_login_sets_a_fresh_strict_http_only_secure_cookie(
    workbench: TestClient, team: Team
) -> None:
    page = workbench.get("/login")
    before = page.cookies.get("__Host-bw-session")
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    response = workbench.post(
        "/login",
        data={
            "csrf": csrf_of(page.text),
            "username": "analyst",
            "password": PASSWORD,
            "code": fresh_code(workbench, team.secrets["analyst"]),
        },
        follow_redirects=False,
    )
    after = response.cookies.get("__Host-bw-session")
    assert response.status_code == 303 and after and after != before
    stale = TestClient(workbench.app, base_url=BASE)
    stale.cookies.set("__Host-bw-session", before or "")
    assert stale.get("/", follow_redirects=False).status_code == 303  # the old token is dead


def test_wrong_factors_fail_alike_and_brute_force_is_stopped(
    workbench: TestClient, team: Team
) -> None:
    page = workbench.get("/login")
    token = csrf_of(page.text)
    right_code = fresh_code(workbench, team.secrets["analyst"])
    wrong_code = f"{(int(right_code) + 500_000) % 1_000_000:06d}"
    attempts = [
        ("analyst", "not the password", right_code),
        ("analyst", PASSWORD, wrong_code),
        ("nobody", PASSWORD, right_code),
        ("analyst", PASSWORD, "abc"),
        ("analyst", "x" * 5000, right_code),
        ("analyst", "still not it", right_code),
    ]
    for username, password, code in attempts:
        response = workbench.post(
            "/login", data={"csrf": token, "username": username, "password": password, "code": code}
        )
        assert response.status_code == 401
        assert "Wrong username, password or one-time code" in response.text
    blocked = workbench.post(
        "/login",
        data={"csrf": token, "username": "analyst", "password": PASSWORD, "code": right_code},
    )
    assert blocked.status_code == 429 and "Too many failed logins" in blocked.text


def test_forms_without_the_sessions_csrf_token_do_nothing(
    workbench: TestClient, team: Team
) -> None:
    other = TestClient(workbench.app, base_url=BASE)
    foreign = login(other, team, "custodian")
    token = login(workbench, team, "custodian")
    for forged in ({}, {"csrf": ""}, {"csrf": "forged" * 8}, {"csrf": foreign}):
        response = workbench.post("/unlock/passphrase", data={**forged, "passphrase": PASSPHRASE})
        assert response.status_code == 403, forged
        assert "Nothing was done" in response.text
    cross = workbench.post(
        "/unlock/passphrase",
        data={"csrf": token, "passphrase": PASSPHRASE},
        headers={"origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert "Locked" in workbench.get("/").text
    done = workbench.post("/unlock/passphrase", data={"csrf": token, "passphrase": PASSPHRASE})
    assert done.status_code == 200 and "Unlocked" in workbench.get("/").text
    workbench.post("/logout", data={"csrf": token})
    replayed = workbench.post("/lock", data={"csrf": token}, follow_redirects=False)
    assert replayed.status_code == 303 and replayed.headers["location"] == "/login"


def test_a_wrong_passphrase_is_refused_and_leaves_it_locked(
    workbench: TestClient, team: Team
) -> None:
    token = login(workbench, team, "custodian")
    response = workbench.post(
        "/unlock/passphrase", data={"csrf": token, "passphrase": "FICTIONAL wrong one"}
    )
    assert response.status_code == 403
    assert "Locked" in workbench.get("/").text


def test_custodians_unlock_together_from_their_own_sessions(tmp_path: Path) -> None:
    archive, shares = Archive.create(
        tmp_path / "archive", custodians=(3, 2), kdf_params=KdfParams.insecure_for_tests()
    )
    secrets = {
        name: users.add_user(archive, name, PASSWORD, ["custodian"], hasher=cheap_hasher())
        for name in ("alice", "bob")
    }
    archive.close()
    team = Team(tmp_path / "archive", secrets)
    app = create_workbench_app(team.folder, hasher=cheap_hasher())
    alice, bob = TestClient(app, base_url=BASE), TestClient(app, base_url=BASE)
    alice_token, bob_token = login(alice, team, "alice"), login(bob, team, "bob")
    first = alice.post("/unlock/share", data={"csrf": alice_token, "share": shares[0]})
    assert "1 of 2 shares" in first.text and "Locked" in alice.get("/").text
    again = alice.post("/unlock/share", data={"csrf": alice_token, "share": shares[1]})
    assert "1 of 2 shares" in again.text  # one person's two shares count once
    assert "alice" in bob.get("/unlock").text
    second = bob.post("/unlock/share", data={"csrf": bob_token, "share": shares[2]})
    assert second.status_code == 200 and "Unlocked" in bob.get("/").text
    entry = last_log_entry(app.app.state.keys.archive)  # the transparency log has the unlock
    bob_actor = users.pseudonym_of(app.app.state.keys.archive.engine, "bob")
    assert (entry.kind, entry.actor) == ("unlock", bob_actor)
    assert entry.commitment == unlock_commitment(app.app.state.keys.archive, "shares")
    app.app.state.keys.archive.close()


def test_the_archive_locks_itself_when_idle(team: Team) -> None:
    clock = Clock()
    app = create_workbench_app(
        team.folder, WorkbenchSettings(idle_lock_seconds=60), hasher=cheap_hasher(), clock=clock
    )
    client = TestClient(app, base_url=BASE)
    unlock(client, team)
    login(client, team, "analyst")
    clock.now += 30
    assert "Unlocked" in client.get("/").text
    clock.now += 61
    assert "Locked" in client.get("/").text
    with Archive.open(team.folder) as archive:
        assert [e.action for e in audit.recent(archive.engine, limit=1)] == ["auto_lock"]
    app.app.state.keys.archive.close()


def test_revealing_is_explicit_and_logged(workbench: TestClient, team: Team) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "analyst")
    page = workbench.get("/records/person/P-0001")
    assert "FICTIONAL Ivan Petrov" not in page.text and "sealed" in page.text
    shown = workbench.post("/records/person/P-0001/reveal", data={"csrf": token})
    assert "FICTIONAL Ivan Petrov" in shown.text
    with Archive.open(team.folder) as archive:
        entry = audit.recent(archive.engine, action="reveal")[0]
        analyst = users.pseudonym_of(archive.engine, "analyst")
    assert (entry.actor, entry.target) == (analyst, "P-0001")
    hidden = workbench.post("/records/person/P-0001/hide", data={"csrf": token})
    assert "FICTIONAL Ivan Petrov" not in hidden.text


def test_bad_record_ids_and_path_tricks_are_not_found(workbench: TestClient, team: Team) -> None:
    login(workbench, team, "analyst")
    for path in (
        "/records/person/P-9999",
        "/records/person/E-0001",
        "/records/person/..%2F..",
        "/records/nothing",
        "/records/person/%00",
        "/static/../../etc/passwd",
        "/evidence/..%2Fkeyring.json/download",
    ):
        response = workbench.get(path)
        assert response.status_code in (403, 404, 400, 409), (path, response.status_code)
        assert "Traceback" not in response.text
    russian = workbench.get("/records/person/P-9999?lang=ru")
    assert russian.status_code == 404
    assert "В этом архиве нет записи «человек» P-9999" in russian.text
    assert "Найдите запись в одном из списков" in russian.text


def test_incident_entry_writes_event_acts_and_perpetrators(
    workbench: TestClient, team: Team
) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    form = workbench.get("/incident?victims=2").text
    assert "пытки" not in form and "torture" in form
    assert "пытки" in workbench.get("/incident?victims=2&lang=ru").text
    response = workbench.post(
        "/incident",
        data={
            "csrf": token,
            "victim_rows": "2",
            "title": "FICTIONAL raid",
            "date": "~2019-02",
            "victims": "at least 2",
            "district": "Argun",
            "victim1_name": "FICTIONAL Victim One",
            "victim1_acts": ["torture", "forced_signature"],
            "victim1_consequences": "released",
            "victim2_acts": "arbitrary_detention",
            "perpetrator1_name": "FICTIONAL officer",
            "involvement": "direct",
        },
    )
    # The session speaks Russian since the form was asked for in it: so does the answer.
    assert response.status_code == 200 and "Записано: E-" in response.text, response.text
    with Archive.open(team.folder) as archive:
        events = reading.list_records(archive, "event", equals={"district": "Argun"})
        raid = next(e for e in events if e.id != "E-0001")
        assert raid.fields["victims"] == ">=2" and raid.fields["date"] == "~2019-02"
        acts = reading.list_records(archive, "act", equals={"event_id": raid.id})
        assert sorted(a.fields["act_type"] for a in acts) == [
            "arbitrary_detention",
            "forced_signature",
            "torture",
        ]
        assert all(len(a.fields["perpetrator_ids"]) == 1 for a in acts)


def test_incident_entry_refuses_bad_dates_and_counts_whole(
    workbench: TestClient, team: Team
) -> None:
    token = login(workbench, team, "documenter")
    before = count(team, "event")
    for bad in (
        {"date": "2019-13"},
        {"victims": "lots"},
        {"victim1_acts": "flying"},
        {"victim1_acts": ""},
    ):
        data = {
            "csrf": token,
            "victim_rows": "1",
            "title": "FICTIONAL",
            "victim1_name": "FICTIONAL",
            "victim1_acts": "torture",
            **bad,
        }
        response = workbench.post("/incident", data=data)
        assert response.status_code == 400, bad
        assert "Nothing was saved" in response.text
    assert count(team, "event") == before


def test_locked_entry_goes_to_the_inbox_and_is_written_at_unlock(
    workbench: TestClient, team: Team
) -> None:
    token = login(workbench, team, "documenter")
    response = workbench.post(
        "/incident",
        data={"csrf": token, "victim_rows": "1", "title": "FICTIONAL", "victim1_acts": "torture"},
    )
    assert "sealed into the inbox" in response.text
    assert "1" in workbench.get("/inbox").text
    before = count(team, "act")
    workbench.cookies.clear()
    unlock(workbench, team)
    assert count(team, "act") == before + 1


def test_evidence_upload_download_and_preview(workbench: TestClient, team: Team) -> None:
    unlock(workbench, team)
    token = login(workbench, team, "documenter")
    picture = jpeg_with_gps()
    response = workbench.post(
        "/documents/new",
        data={
            "csrf": token,
            "title": "FICTIONAL photo report",
            "text": "FICTIONAL",
            "kind": "report",
        },
        files=[("files", ("photo.jpg", picture, "image/jpeg"))],
    )
    assert response.status_code == 200 and "Written" in response.text, response.text
    with Archive.open(team.folder) as archive:
        files = reading.list_records(archive, "evidence")
    original = next(f for f in files if f.fields["media_type"] == "image/jpeg")
    document_id = original.fields["document_id"]
    workbench.post(f"/records/document/{document_id}/reveal", data={"csrf": token})
    downloaded = workbench.get(f"/evidence/{original.id}/download")
    assert downloaded.status_code == 200 and downloaded.content == picture
    assert "attachment" in downloaded.headers["content-disposition"]
    preview = workbench.get(f"/evidence/{original.id}/preview")
    assert preview.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(preview.content)) as image:
        assert not image.getexif()


def test_bad_uploads_are_refused_whole(team: Team) -> None:
    app = create_workbench_app(
        team.folder,
        WorkbenchSettings(max_body=200_000, max_file_bytes=50_000),
        hasher=cheap_hasher(),
    )
    client = TestClient(app, base_url=BASE)
    unlock(client, team)
    token = login(client, team, "documenter")
    before = count(team, "document")
    cases = [
        ([("files", ("big.txt", b"x" * 300_000, "text/plain"))], 413),
        ([("files", ("big.txt", b"x" * 60_000, "text/plain"))], 400),
        ([("files", ("run.exe", b"MZ\x00\x00" * 100, "text/plain"))], 400),
        (
            [
                ("files", ("ok.txt", b"FICTIONAL", "text/plain")),
                ("files", ("bad.bin", b"\x00\x01\x02", "text/plain")),
            ],
            400,
        ),
    ]
    for files, status in cases:
        response = client.post(
            "/documents/new", data={"csrf": token, "title": "FICTIONAL"}, files=files
        )
        assert response.status_code == status, (files[0][1][0], response.status_code)
    assert count(team, "document") == before
    assert [p for p in (team.folder / "inbox").iterdir()] == []
    assert len(list((team.folder / "blobs").iterdir())) == 0
    app.app.state.keys.archive.close()


def test_search_needs_an_unlock_then_finds_sealed_words(workbench: TestClient, team: Team) -> None:
    login(workbench, team, "analyst")
    assert "needs an unlock" in workbench.get("/search?q=passport").text
    workbench.cookies.clear()
    unlock(workbench, team)
    login(workbench, team, "analyst")
    assert "D-0001" in workbench.get("/search?q=passport").text
    # A record written after the first search is found by the next one.
    workbench.cookies.clear()
    token = login(workbench, team, "documenter")
    written = workbench.post(
        "/documents/new",
        data={"csrf": token, "title": "FICTIONAL", "text": "FICTIONAL zebrafictional"},
    )
    new_id = written.text.split("Written: ")[1].split(".")[0]
    assert new_id in workbench.get("/search?q=zebrafictional").text


def test_admins_add_users_who_can_then_log_in(workbench: TestClient, team: Team) -> None:
    token = login(workbench, team, "admin")
    weak = workbench.post(
        "/users",
        data={"csrf": token, "username": "newcomer", "password": "short", "roles": "analyst"},
    )
    assert weak.status_code == 400 and "fewer than 12" in weak.text
    made = workbench.post(
        "/users",
        data={"csrf": token, "username": "newcomer", "password": PASSWORD, "roles": ["auditor"]},
    )
    assert made.status_code == 200
    secret = made.text.split('id="totp-secret">')[1].split("<")[0]
    workbench.cookies.clear()
    login(workbench, Team(team.folder, {"newcomer": secret}), "newcomer")
    assert workbench.get("/log").status_code == 200


def test_a_flood_of_login_pages_does_not_fill_the_memory(team: Team) -> None:
    app = create_workbench_app(team.folder, hasher=cheap_hasher())
    store = app.app.state.sessions
    store.MAX_SESSIONS = 50
    client = TestClient(app, base_url=BASE)
    token = login(client, team, "analyst")
    for _ in range(200):
        TestClient(app, base_url=BASE).get("/login")
    assert len(store._sessions) <= 50
    assert client.get("/records/event").status_code == 200  # the logged-in session survives
    assert token
    app.app.state.keys.archive.close()


def test_a_disabled_user_is_logged_out_and_cannot_log_in(workbench: TestClient, team: Team) -> None:
    analyst = TestClient(workbench.app, base_url=BASE)
    login(analyst, team, "analyst")
    token = login(workbench, team, "admin")
    assert workbench.post("/users/admin/disable", data={"csrf": token}).status_code == 403
    done = workbench.post("/users/analyst/disable", data={"csrf": token})
    assert done.status_code == 200 and "disabled" in done.text
    assert analyst.get("/records/event", follow_redirects=False).status_code == 303
    page = analyst.get("/login")
    refused = analyst.post(
        "/login",
        data={
            "csrf": csrf_of(page.text),
            "username": "analyst",
            "password": PASSWORD,
            "code": fresh_code(analyst, team.secrets["analyst"]),
        },
    )
    assert refused.status_code == 401
    # Enabling gives the analyst reading back: an admin alone, locked, may not.
    assert workbench.post("/users/analyst/enable", data={"csrf": token}).status_code == 409
    with Archive.open(team.folder) as archive:
        archive.unlock_with_passphrase(PASSPHRASE)
        users.set_disabled(archive, "analyst", False)
    login(analyst, team, "analyst")


def test_event_and_person_pages_list_their_acts(workbench: TestClient, team: Team) -> None:
    login(workbench, team, "analyst")
    for path in ("/records/event/E-0001", "/records/person/P-0001"):
        assert 'href="/records/act/A-0001"' in workbench.get(path).text


def test_the_idle_timer_locks_without_any_request(team: Team) -> None:
    clock = Clock()
    app = create_workbench_app(
        team.folder, WorkbenchSettings(idle_lock_seconds=60), hasher=cheap_hasher(), clock=clock
    )
    client = TestClient(app, base_url=BASE)
    unlock(client, team)
    keys = app.app.state.keys
    keys.check_idle()
    assert not keys.locked
    clock.now += 61
    keys.check_idle()  # what the app's timer task calls every few seconds
    assert keys.locked and keys.search_index._filters == {}
    app.app.state.keys.archive.close()


def test_unlock_answers_at_once_and_the_inbox_is_written_in_behind_it(
    workbench: TestClient, intake: TestClient, team: Team
) -> None:
    batches = 6
    for number in range(batches):
        sent = intake.post("/submit", data={"text": f"FICTIONAL account number {number}"})
        assert sent.status_code == 200, sent.text
    before = count(team, "document")
    token = login(workbench, team, "custodian")
    response = workbench.post("/unlock/passphrase", data={"csrf": token, "passphrase": PASSPHRASE})
    assert response.status_code == 200
    assert "unlocked" in response.text and f"{batches} inbox batch(es)" in response.text
    workbench.cookies.clear()
    login(workbench, team, "documenter")
    deadline = time.monotonic() + 120
    while True:  # the inbox page shows the job until it is done, then what it wrote
        page = workbench.get("/inbox").text
        # done, and the inbox folder read after the job's last batch (the page reads both)
        if 'id="fold-done"' in page and 'id="waiting">0<' in page:
            break
        assert 'id="fold-failed"' not in page, page
        # Until then the job runs: done beside a batch still waiting would be a page that
        # read the job after the inbox folder (it once did, through the job's own object)
        assert 'id="fold-running"' in page, page
        assert time.monotonic() < deadline, "the inbox was not written in"
        time.sleep(0.1)
    assert 'id="waiting">0<' in page
    assert f"from {batches} batch(es) were written in; 0 batch(es)" in page
    assert count(team, "document") == before + batches
    assert list((team.folder / "inbox").iterdir()) == []
    # Nothing waits now: a later unlock does not start a job.
    workbench.cookies.clear()
    token = login(workbench, team, "custodian")
    workbench.post("/lock", data={"csrf": token})
    again = workbench.post("/unlock/passphrase", data={"csrf": token, "passphrase": PASSPHRASE})
    assert "inbox batch(es)" not in again.text and "unlocked" in again.text


def test_a_page_sees_the_fold_job_as_it_was_when_it_read_the_inbox(
    workbench: TestClient,
) -> None:
    from types import SimpleNamespace

    from bearwitness.web.workbench.folding import fold_progress

    app = workbench.app.app  # type: ignore[attr-defined]  # inside the Guard
    jobs = app.state.jobs
    started = threading.Event()
    job = jobs.start("fold", "tester", lambda job: started.wait(10) and "0", total=1)
    seen = fold_progress(SimpleNamespace(app=app))  # type: ignore[arg-type]
    assert seen is not None and not seen.finished
    started.set()
    deadline = time.monotonic() + 10
    while not job.finished:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert not seen.finished  # what the page renders: the job as it was before the inbox


def test_writing_in_by_hand_runs_as_a_job_too(
    workbench: TestClient, intake: TestClient, team: Team
) -> None:
    unlock(workbench, team)
    assert intake.post("/submit", data={"text": "FICTIONAL late account"}).status_code == 200
    before = count(team, "document")
    token = login(workbench, team, "documenter")
    assert 'id="waiting">1<' in workbench.get("/inbox").text
    started = workbench.post("/inbox/fold", data={"csrf": token}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"] == "/inbox"
    deadline = time.monotonic() + 120
    while 'id="fold-done"' not in (page := workbench.get("/inbox").text):
        assert 'id="fold-failed"' not in page, page
        assert time.monotonic() < deadline, "the inbox was not written in"
        time.sleep(0.1)
    assert count(team, "document") == before + 1
    workbench.post("/lock", data={"csrf": token})
    intake.post("/submit", data={"text": "FICTIONAL account while locked"})
    refused = workbench.post("/inbox/fold", data={"csrf": token})
    assert refused.status_code == 409  # locked: nothing to write in with


def test_the_start_page_says_how_this_server_protects_the_keys(
    workbench: TestClient, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bearwitness.crypto import hardening

    # What `bearwitness serve` records at start-up (protecting the test process itself
    # would outlive the test; the real process is checked in test_serve_protection.py).
    monkeypatch.setattr(
        hardening,
        "_current",
        hardening.Protection(
            True, True, False, "this process maps 41 MiB but RLIMIT_MEMLOCK allows 8 MiB"
        ),
    )
    token = login(workbench, team, "custodian")
    assert "Keys in this server" not in workbench.get("/").text  # locked: no keys held
    workbench.post("/unlock/passphrase", data={"csrf": token, "passphrase": PASSPHRASE})
    home = workbench.get("/").text
    assert (
        "Keys in this server's memory: core dumps off, not dumpable, memory locked: no"
        " (this process maps 41 MiB but RLIMIT_MEMLOCK allows 8 MiB)" in home
    )
