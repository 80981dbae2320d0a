"""Staff accounts of the workbench: argon2id passwords, TOTP second factor, roles.

Accounts live in the archive's database (``web_users``) so that every
workbench process of an archive sees the same team. The TOTP secret cannot be
sealed: a login happens before any unlock. A seized server therefore yields
the secrets of second factors but no password, and no record: logging in
never unlocks the archive.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, insert, select, update

from bearwitness.errors import BearWitnessError, InputError
from bearwitness.store.schema import web_users

ROLES = ("documenter", "analyst", "custodian", "auditor", "admin")
MIN_PASSWORD_CHARS = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


class LoginFailed(BearWitnessError):
    """Wrong username, password or one-time code (which one is not said)."""

    code = "login_failed"

    def __init__(self) -> None:
        super().__init__("wrong username, password or one-time code",
                         hint="Check all three and try again.")


@dataclass(frozen=True)
class User:
    username: str
    roles: frozenset[str]
    disabled: bool = False


def default_hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's RFC 9106 low-memory profile (64 MiB, t=3)."""
    return PasswordHasher()


def check_username(username: str) -> str:
    if not _USERNAME.match(username):
        raise InputError(f"{username[:64]!r} is not a usable username",
                         hint="Use 2 to 64 lower-case letters, digits, '.', '_' or '-'.")
    return username


def check_roles(roles: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> frozenset[str]:
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise InputError(f"unknown or missing roles: {', '.join(sorted(unknown)) or 'none given'}",
                         hint=f"Give one or more of: {', '.join(ROLES)}.")
    return frozenset(roles)


def add_user(engine: Engine, username: str, password: str, roles: list[str] | tuple[str, ...],
             *, at: str, hasher: PasswordHasher | None = None,
             totp_secret: str | None = None) -> str:
    """Create an account; returns its TOTP secret (show it once, e.g. as a QR code)."""
    check_username(username)
    chosen = check_roles(roles)
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"the password has fewer than {MIN_PASSWORD_CHARS} characters",
                         hint="Choose a longer passphrase: several unrelated words work well.")
    secret = totp_secret or pyotp.random_base32()
    hashed = (hasher or default_hasher()).hash(password)
    with engine.begin() as connection:
        if connection.scalar(select(web_users.c.username).where(
                web_users.c.username == username)) is not None:
            raise InputError(f"there is already a user {username!r}",
                             hint="Choose another username.")
        connection.execute(insert(web_users).values(
            username=username, password_hash=hashed, totp_secret=secret,
            roles=",".join(sorted(chosen)), created_at=at, disabled=False))
    return secret


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as connection:
        rows = connection.execute(select(web_users).order_by(web_users.c.username)).all()
    return [User(r.username, frozenset(r.roles.split(",")), bool(r.disabled)) for r in rows]


def set_disabled(engine: Engine, username: str, disabled: bool) -> None:
    with engine.begin() as connection:
        done = connection.execute(update(web_users).where(web_users.c.username == username)
                                  .values(disabled=disabled))
    if done.rowcount != 1:
        raise InputError(f"no user {username[:64]!r}", hint="Check the username.")


def authenticate(engine: Engine, username: str, password: str, one_time_code: str,
                 *, now: float, hasher: PasswordHasher | None = None) -> User:
    """The user, if password and TOTP code are right; otherwise :class:`LoginFailed`."""
    hasher = hasher or default_hasher()
    with engine.connect() as connection:
        row = connection.execute(select(web_users).where(
            web_users.c.username == username[:64])).first()
    if row is None or row.disabled:
        # Hash anyway, so that a missing user takes as long as a wrong password.
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASHES.setdefault(id(hasher), hasher.hash("x" * 16)), password)
        raise LoginFailed()
    try:
        hasher.verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise LoginFailed() from None
    code = "".join(ch for ch in one_time_code if ch.isdigit())
    if len(code) != 6 or not pyotp.TOTP(row.totp_secret).verify(code, for_time=now,
                                                                 valid_window=1):
        raise LoginFailed()
    return User(row.username, frozenset(row.roles.split(",")), False)


_DUMMY_HASHES: dict[int, str] = {}
