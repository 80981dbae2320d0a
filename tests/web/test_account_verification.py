"""`verify` checks the staff accounts against their log entries: an account edited, added or
removed in the database directly is named, and the changes made through the service are not."""

from __future__ import annotations

from sqlalchemy import delete, insert, update

from bearwitness.services import users, verification
from bearwitness.services.archive import Archive
from bearwitness.store.schema import web_users
from tests.web.conftest import PASSPHRASE, Team


def _new_problems(archive: Archive, before: list[str]) -> list[str]:
    return [p for p in verification.verify_archive(archive).problems if p not in before]


def _set(archive: Archive, username: str, **values: object) -> None:
    with archive.engine.begin() as connection:
        connection.execute(
            update(web_users).where(web_users.c.username == username).values(**values)
        )


def test_verify_names_an_account_changed_past_the_log(team: Team) -> None:
    with Archive.open(team.folder) as archive:
        archive.unlock_with_passphrase(PASSPHRASE)
        users.set_roles(archive, "auditor", ["auditor", "admin"])
        users.set_disabled(archive, "admin", True)
        users.set_roles(archive, "admin", ["admin", "auditor"])  # still disabled
        users.set_disabled(archive, "analyst", True)
        users.set_disabled(archive, "analyst", False)
        before = verification.verify_archive(archive).problems  # (no checkpoint yet)
        assert not [p for p in before if "account" in p], before
        auditor = users.pseudonym_of(archive.engine, "auditor")
        admin = users.pseudonym_of(archive.engine, "admin")

        _set(archive, "auditor", roles="admin,auditor,documenter")  # a reading role, quietly
        found = _new_problems(archive, before)
        assert len(found) == 1 and auditor in found[0] and "roles" in found[0], found
        _set(archive, "auditor", roles="admin,auditor")
        assert _new_problems(archive, before) == []

        _set(archive, "admin", disabled=False)  # a disabled account back, quietly
        found = _new_problems(archive, before)
        assert len(found) == 1 and admin in found[0] and "disabled" in found[0], found
        _set(archive, "admin", disabled=True)

        _set(archive, "auditor", pseudonym="U-000000000000")  # no longer its logged self
        found = _new_problems(archive, before)
        assert any("U-000000000000" in p and "not in the log" in p for p in found)
        assert any(auditor in p and "gone" in p for p in found)
        _set(archive, "auditor", pseudonym=auditor)

        with archive.engine.begin() as connection:  # an account nobody logged
            row = (
                connection.execute(web_users.select().where(web_users.c.username == "admin"))
                .mappings()
                .one()
            )
            connection.execute(
                insert(web_users).values(
                    {
                        **row,
                        "username": "mole",
                        "pseudonym": "U-111111111111",
                        "roles": "analyst",
                        "disabled": False,
                    }
                )
            )
        found = _new_problems(archive, before)
        assert len(found) == 1 and "U-111111111111" in found[0] and "not in the log" in found[0]
        with archive.engine.begin() as connection:
            connection.execute(delete(web_users).where(web_users.c.username == "mole"))
        assert _new_problems(archive, before) == []
