"""Staff accounts of the workbench: argon2id passwords, TOTP second factor, roles.

Accounts live in the archive's database (``web_users``) so that every
workbench process of an archive sees the same team. The TOTP secret cannot be
sealed: a login happens before any unlock. A seized server therefore yields
the secrets of second factors but no password, and no record: logging in
never unlocks the archive.
"""

from __future__ import annotations

import contextlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, insert, select, update

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
    pseudonym: str = ""  # what the log and the audit trail call them; never the username

    @property
    def actor(self) -> str:
        """The name this user's actions are logged under (the published log included)."""
        if not self.pseudonym:
            raise ValueError("this account has no pseudonym: read it with authenticate() "
                             "or list_users()")
        return self.pseudonym


def new_pseudonym() -> str:
    """A random actor name: 48 bits, so the published log cannot be matched to a username."""
    return f"U-{secrets.token_hex(6)}"


def _ensure_pseudonyms(connection: Connection) -> None:
    """Give accounts made before pseudonyms existed (migration 0005) one, once."""
    missing = connection.execute(select(web_users.c.username).where(
        web_users.c.pseudonym.is_(None))).scalars().all()
    for username in missing:
        connection.execute(update(web_users).where(
            (web_users.c.username == username) & web_users.c.pseudonym.is_(None))
            .values(pseudonym=new_pseudonym()))


def pseudonym_of(engine: Engine, username: str) -> str:
    """The pseudonym of an account (given now if it had none); InputError if there is none."""
    with engine.begin() as connection:
        _ensure_pseudonyms(connection)
        found = connection.scalar(select(web_users.c.pseudonym).where(
            web_users.c.username == username[:64]))
    if found is None:
        raise InputError(f"no user {username[:64]!r}", hint="Check the username.")
    return str(found)


class UsedCodes:
    """The newest TOTP time step accepted per account, so that a code works once.

    In memory, in the process that checks logins: a restart forgets it, which lets a
    code seen just before the restart be replayed within its 30 to 60 seconds.
    """

    def __init__(self) -> None:
        self._last: dict[str, int] = {}
        self._lock = threading.Lock()

    def claim(self, username: str, step: int) -> bool:
        """Accept ``step`` for ``username`` if it is newer than any accepted before."""
        with self._lock:
            if step <= self._last.get(username, -1):
                return False
            self._last[username] = step
            return True


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
            username=username, pseudonym=new_pseudonym(), password_hash=hashed,
            totp_secret=secret, roles=",".join(sorted(chosen)), created_at=at, disabled=False))
    return secret


def list_users(engine: Engine) -> list[User]:
    with engine.begin() as connection:
        _ensure_pseudonyms(connection)
        rows = connection.execute(select(web_users).order_by(web_users.c.username)).all()
    return [User(r.username, frozenset(r.roles.split(",")), bool(r.disabled), r.pseudonym)
            for r in rows]


def set_disabled(engine: Engine, username: str, disabled: bool) -> None:
    with engine.begin() as connection:
        done = connection.execute(update(web_users).where(web_users.c.username == username)
                                  .values(disabled=disabled))
    if done.rowcount != 1:
        raise InputError(f"no user {username[:64]!r}", hint="Check the username.")


def authenticate(engine: Engine, username: str, password: str, one_time_code: str,
                 *, now: float, hasher: PasswordHasher | None = None,
                 used: UsedCodes | None = None) -> User:
    """The user, if password and TOTP code are right; otherwise :class:`LoginFailed`.

    With ``used``, a code (a TOTP time step) is accepted once per account: a code
    seen over a shoulder or in a proxy's log cannot be replayed within its window.
    """
    hasher = hasher or default_hasher()
    with engine.connect() as connection:
        row = connection.execute(select(web_users).where(
            web_users.c.username == username[:64])).first()
    if row is None or row.disabled:
        # Verify anyway, so that a missing user takes as long as a wrong password: one
        # argon2 operation, as for a real account (the dummy hash is made only once).
        with contextlib.suppress(VerificationError):
            hasher.verify(_dummy_hash(hasher), password)
        raise LoginFailed()
    try:
        hasher.verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise LoginFailed() from None
    step = _matching_step(row.totp_secret, one_time_code, now)
    if step is None or (used is not None and not used.claim(row.username, step)):
        raise LoginFailed()
    pseudonym = row.pseudonym or pseudonym_of(engine, row.username)
    return User(row.username, frozenset(row.roles.split(",")), False, pseudonym)


def _matching_step(secret: str, one_time_code: str, now: float) -> int | None:
    """The time step whose code was typed (the current one or a neighbour), if any."""
    code = "".join(ch for ch in one_time_code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


_DUMMY_HASHES: dict[tuple[object, ...], str] = {}
_DUMMY_LOCK = threading.Lock()


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash made with ``hasher``'s parameters, computed once per parameter set."""
    key = (type(hasher), hasher.time_cost, hasher.memory_cost, hasher.parallelism,
           hasher.hash_len, hasher.salt_len, hasher.type)
    found = _DUMMY_HASHES.get(key)
    if found is None:
        with _DUMMY_LOCK:
            found = _DUMMY_HASHES.get(key)
            if found is None:
                found = _DUMMY_HASHES[key] = hasher.hash("x" * 16)
    return found
