"""The workbench's audit trail: who unlocked, locked, revealed or replied, by id only.

Actors are account pseudonyms (``users.User.actor``), never usernames: the trail is
shown to auditors and what it names must match the published log.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert, select

from bearwitness.store.schema import web_audit

ACTIONS = (
    "login",
    "logout",
    "unlock",
    "lock",
    "auto_lock",
    "reveal",
    "fold",
    "reply",
    "user_add",
    "user_roles",
    "user_disable",
    "user_enable",
    "download",
    "download_mismatch",
    "preview",  # an image's clean copy shown on a page: not a download
    "triage",  # a submission's status, assignee or notes changed (a new version)
    "case",  # an intervention case opened or changed (a new version)
    "user_factor_reset",  # an account's one-time-code app replaced (by an admin, or its own)
    "user_password",  # an account's own password changed
    "consent",  # a consent recorded or withdrawn in the workbench (a new version)
    "consent_read",  # a person's consents shown (whom they are about is sealed)
    "export",  # a list or the whole archive exported from the workbench (kind, rows, hash)
    "dossier",  # an evidence dossier built on the workbench (its events; also in the log)
    "boundaries",  # the district map's boundary file replaced (by an admin)
)


@dataclass(frozen=True)
class AuditEntry:
    idx: int
    at: str
    actor: str
    action: str
    target: str


def record(
    engine: Engine,
    *,
    at: str,
    actor: str,
    action: str,
    target: str = "",
    connection: Connection | None = None,
) -> None:
    """Add a row; in ``connection``'s transaction when given (with the change it records)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    row = insert(web_audit).values(at=at, actor=actor[:64], action=action, target=target[:64])
    if connection is not None:
        connection.execute(row)
        return
    with engine.begin() as own:
        own.execute(row)


def recent(engine: Engine, *, limit: int = 100, action: str | None = None) -> list[AuditEntry]:
    statement = select(web_audit).order_by(web_audit.c.idx.desc()).limit(limit)
    if action is not None:
        statement = statement.where(web_audit.c.action == action)
    with engine.connect() as connection:
        return [
            AuditEntry(r.idx, r.at, r.actor, r.action, r.target)
            for r in connection.execute(statement)
        ]
