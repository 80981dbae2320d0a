"""Who may grant what: accounts are made and changed only as `users.check_grant` allows,
and every change is in the audit trail and the transparency log, under its maker's
pseudonym. Through the workbench's pages, the service, and the real command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bearwitness.errors import LockedError
from bearwitness.services import audit, users, verification
from bearwitness.services.archive import Archive
from bearwitness.store.schema import log_entries, web_users
from bearwitness.tlog.entry import SALT_SIZE, canonical_json, commit, parse_entry
from bearwitness.web.workbench.app import create_workbench_app
from tests.cli.runner import Cli
from tests.web.conftest import (
    BASE,
    PASSPHRASE,
    PASSWORD,
    Team,
    cheap_hasher,
    login,
    unlock,
)


def _account_entries(archive: Archive) -> list[dict[str, object]]:
    with archive.engine.connect() as connection:
        raw = connection.execute(select(log_entries.c.entry).order_by(log_entries.c.idx))
        entries = [parse_entry(bytes(entry)) for (entry,) in raw]
    return [json.loads(e.to_bytes()) for e in entries if e.kind == "account"]


def _names(archive: Archive) -> set[str]:
    return {user.username for user in users.list_users(archive.engine)}


def _add(client: TestClient, token: str, name: str, *roles: str) -> int:
    return int(
        client.post(
            "/users",
            data={"csrf": token, "username": name, "password": PASSWORD, "roles": list(roles)},
        ).status_code
    )


def test_an_admin_grants_no_reading_role_and_every_change_is_logged(team: Team) -> None:
    app = create_workbench_app(team.folder, hasher=cheap_hasher())
    with TestClient(app, base_url=BASE) as client:
        token = login(client, team, "admin")
        # Locked: a reading role, or custodian, needs the keys at hand.
        for role in ("analyst", "documenter", "custodian"):
            assert _add(client, token, f"mole-{role}", role) == 409
        client.post("/logout", data={"csrf": token})
        unlock(client, team)
        token = login(client, team, "admin")
        # Unlocked, an admin alone still may not: admin does not mean reveal.
        assert _add(client, token, "mole", "analyst", "auditor") == 403
        refused = client.post(
            "/users/auditor/roles", data={"csrf": token, "roles": ["auditor", "analyst"]}
        )
        assert refused.status_code == 403 and "custodian" in refused.text
        own = client.post("/users/admin/roles", data={"csrf": token, "roles": ["admin", "analyst"]})
        assert own.status_code == 403
        short = {"csrf": token, "username": "shorty", "password": "short", "roles": ["auditor"]}
        russian = client.post("/users?lang=ru", data=short)
        assert russian.status_code == 400
        assert "В пароле меньше 12 символов. Выберите пароль длиннее" in russian.text
        client.get("/?lang=en")
        # What an admin may grant: auditor and admin; and roles may be taken away.
        assert _add(client, token, "newcomer", "auditor") == 200
        assert (
            client.post(
                "/users/documenter/roles", data={"csrf": token, "roles": ["auditor"]}
            ).status_code
            == 200
        )
    archive = app.app.state.keys.archive
    assert "mole" not in _names(archive) and not any(n.startswith("mole-") for n in _names(archive))
    roles = {u.username: u.roles for u in users.list_users(archive.engine)}
    assert roles["auditor"] == {"auditor"} and roles["documenter"] == {"auditor"}
    admin = users.pseudonym_of(archive.engine, "admin")
    newcomer = users.pseudonym_of(archive.engine, "newcomer")
    logged = _account_entries(archive)
    assert [(e["actor"], e["record_id"]) for e in logged[-2:]] == [
        (admin, newcomer),
        (admin, users.pseudonym_of(archive.engine, "documenter")),
    ]
    # The commitment is to public facts (all-zero salt, no keyring): anyone can recompute it.
    assert logged[-2]["commitment"] == commit(
        bytes(SALT_SIZE),
        canonical_json(
            {"account": newcomer, "change": "user_add", "roles": "auditor", "event": "account"}
        ),
    )
    trail = audit.recent(archive.engine, limit=5)
    assert (trail[0].action, trail[0].actor) == ("user_roles", admin)
    assert (trail[1].action, trail[1].target) == ("user_add", newcomer)
    archive.close()


def test_an_admin_who_is_a_custodian_grants_reading_while_unlocked(team: Team) -> None:
    with Archive.open(team.folder) as archive:
        archive.unlock_with_passphrase(PASSPHRASE)
        users.set_roles(archive, "custodian", ["custodian", "admin"])
    app = create_workbench_app(team.folder, hasher=cheap_hasher())
    with TestClient(app, base_url=BASE) as client:
        token = login(client, team, "custodian")
        assert _add(client, token, "reader", "analyst") == 409  # still locked
        client.post("/unlock/passphrase", data={"csrf": token, "passphrase": PASSPHRASE})
        assert _add(client, token, "reader", "analyst") == 200
        assert (
            client.post(
                "/users/custodian/roles",
                data={  # never their own
                    "csrf": token,
                    "roles": ["custodian", "admin", "analyst"],
                },
            ).status_code
            == 403
        )
    archive = app.app.state.keys.archive
    grantor = users.pseudonym_of(archive.engine, "custodian")
    entry = _account_entries(archive)[-1]
    assert entry["actor"] == grantor
    assert entry["record_id"] == users.pseudonym_of(archive.engine, "reader")
    archive.close()


def test_account_changes_from_the_service_need_the_keys(team: Team) -> None:
    with Archive.open(team.folder) as archive:
        before = _account_entries(archive)
        with pytest.raises(LockedError, match="command line"):
            users.add_user(archive, "newcomer", PASSWORD, ["auditor"])
        with pytest.raises(LockedError):
            users.set_roles(archive, "auditor", ["auditor", "analyst"])
        assert "newcomer" not in _names(archive) and _account_entries(archive) == before
        archive.unlock_with_passphrase(PASSPHRASE)
        found = verification.verify_archive(archive).problems  # (no checkpoint yet)
        users.add_user(archive, "newcomer", PASSWORD, ["analyst"], hasher=cheap_hasher())
        entry = _account_entries(archive)[-1]
        assert entry["actor"] == archive.actor == "U-local"
        with archive.engine.connect() as connection:
            row = connection.execute(
                select(web_users.c.pseudonym).where(web_users.c.username == "newcomer")
            ).scalar_one()
        assert entry["record_id"] == row
        assert audit.recent(archive.engine, limit=1)[0].action == "user_add"
        assert verification.verify_archive(archive).problems == found  # nothing new


def test_the_command_line_needs_an_unlock_to_add_or_change_accounts(
    team: Team, tmp_path: Path
) -> None:
    cli = Cli(tmp_path / "cli")
    locked = cli(
        "users",
        "add",
        team.folder,
        "newcomer",
        "--role",
        "analyst",
        "--stdin",
        stdin=PASSWORD + "\n",
        ok=False,
    )
    assert locked.returncode == 5 and "needs the archive unlocked" in locked.stderr
    assert "newcomer" not in cli("users", "list", team.folder).stdout
    cli("unlock", team.folder, "--stdin", stdin=PASSPHRASE + "\n")
    try:
        added = cli(
            "users",
            "add",
            team.folder,
            "newcomer",
            "--role",
            "analyst",
            "--stdin",
            stdin=PASSWORD + "\n",
        )
        assert "Added newcomer" in added.stdout
        cli("users", "roles", team.folder, "newcomer", "--role", "auditor")
        assert "newcomer: auditor" in cli("users", "list", team.folder).stdout
    finally:
        cli("lock", team.folder)
    with Archive.open(team.folder) as archive:
        changes = [e["record_id"] for e in _account_entries(archive)]
        assert changes[-2:] == [users.pseudonym_of(archive.engine, "newcomer")] * 2
