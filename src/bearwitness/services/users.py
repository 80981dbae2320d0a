"""Staff accounts of the workbench: argon2id passwords, TOTP second factor, roles.

Accounts live in the archive's database (``web_users``) so that every
workbench process of an archive sees the same team. The TOTP secret cannot be
sealed: a login happens before any unlock. A seized server therefore yields
the secrets of second factors but no password, and no record: logging in
never unlocks the archive.

Who may grant what (:func:`check_grant`). Every change of an account (made, roles
changed, disabled, enabled) is written with its audit row and a transparency-log
entry in one transaction, under the pseudonym of whoever made it. The command line
(``by=None``) proves only access to the files, so it changes accounts only with the
archive unlocked (an agent holding the keys), which is also how the first account of
a new archive is made. On the workbench an admin grants ``auditor`` and ``admin``;
the roles that open sealed content (``documenter``, ``analyst``: view, reveal, search)
and ``custodian`` are granted only while the archive is unlocked, by an admin who is
also a custodian; and nobody changes their own roles.
"""

from __future__ import annotations

import contextlib
import hmac
import itertools
import re
import secrets
import threading
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, insert, select, update

from bearwitness.errors import BearWitnessError, InputError, LockedError, Phrase
from bearwitness.services import _ledger, audit
from bearwitness.services.archive import Archive
from bearwitness.store.schema import web_users
from bearwitness.tlog.entry import LogEntry

ROLES = ("documenter", "analyst", "custodian", "auditor", "admin")
# The roles that read sealed content (the workbench's view, reveal and search), and the
# one that unlocks: granted only with the keys at hand, never by an admin alone.
READING_ROLES = frozenset({"documenter", "analyst"})
GUARDED_ROLES = READING_ROLES | {"custodian"}
MIN_PASSWORD_CHARS = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


class LoginFailed(BearWitnessError):
    """Wrong username, password or one-time code (which one is not said)."""

    code = "login_failed"

    def __init__(self) -> None:
        super().__init__(
            Phrase("wrong username, password or one-time code"),
            hint=Phrase("Check all three and try again."),
        )


def _no_user(username: str) -> Phrase:
    return Phrase("no user %(name)s", name=repr(username[:64]))


class GrantRefused(InputError):
    """This account may not make that change to accounts (see the module's rules)."""

    code = "grant_refused"


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
            raise ValueError(
                "this account has no pseudonym: read it with authenticate() or list_users()"
            )
        return self.pseudonym


def new_pseudonym() -> str:
    """A random actor name: 48 bits, so the published log cannot be matched to a username."""
    return f"U-{secrets.token_hex(6)}"


def _ensure_pseudonyms(connection: Connection) -> None:
    """Give accounts made before pseudonyms existed (migration 0005) one, once."""
    missing = (
        connection.execute(select(web_users.c.username).where(web_users.c.pseudonym.is_(None)))
        .scalars()
        .all()
    )
    for username in missing:
        connection.execute(
            update(web_users)
            .where((web_users.c.username == username) & web_users.c.pseudonym.is_(None))
            .values(pseudonym=new_pseudonym())
        )


def pseudonym_of(engine: Engine, username: str) -> str:
    """The pseudonym of an account (given now if it had none); InputError if there is none."""
    with engine.begin() as connection:
        _ensure_pseudonyms(connection)
        found = connection.scalar(
            select(web_users.c.pseudonym).where(web_users.c.username == username[:64])
        )
    if found is None:
        raise InputError(_no_user(username), hint=Phrase("Check the username."))
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
        raise InputError(
            Phrase("%(value)s is not a usable username", value=repr(username[:64])),
            hint=Phrase("Use 2 to 64 lower-case letters, digits, '.', '_' or '-'."),
        )
    return username


def check_roles(roles: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> frozenset[str]:
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise InputError(
            Phrase("unknown or missing roles: %(roles)s", roles=", ".join(sorted(unknown)))
            if unknown
            else Phrase("unknown or missing roles: none given"),
            hint=Phrase("Give one or more of: %(roles)s.", roles=", ".join(ROLES)),
        )
    return frozenset(roles)


def check_grant(
    archive: Archive, roles: frozenset[str], *, by: User | None, target: str = ""
) -> None:
    """Refuse a change of accounts that ``by`` may not make (``None``: the command line).

    GrantRefused (or LockedError) says which rule it broke; nothing is changed.
    """
    guarded = sorted(roles & GUARDED_ROLES)
    if (by is None or guarded) and archive.locked:
        raise LockedError(
            Phrase(
                "granting %(roles)s opens sealed content or the keys: it needs the archive "
                "unlocked",
                roles=", ".join(guarded),
            )
            if guarded
            else Phrase("changing accounts from the command line: it needs the archive unlocked")
        )
    if by is None:
        return
    if target and target == by.username:
        raise GrantRefused(
            Phrase("nobody changes their own account"),
            hint=Phrase("Ask another admin to change it."),
        )
    if guarded and "custodian" not in by.roles:
        raise GrantRefused(
            Phrase(
                "only an admin who is also a custodian grants %(roles)s", roles=", ".join(guarded)
            ),
            hint=Phrase(
                "Ask a custodian, or grant it with `bearwitness users` with the archive unlocked."
            ),
        )


def add_user(
    archive: Archive,
    username: str,
    password: str,
    roles: list[str] | tuple[str, ...],
    *,
    by: User | None = None,
    hasher: PasswordHasher | None = None,
    totp_secret: str | None = None,
) -> str:
    """Create an account, audited and logged; returns its TOTP secret (show it once).

    ``by`` is the workbench account that makes it, or None for the command line.
    """
    check_username(username)
    chosen = check_roles(roles)
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(
            Phrase("the password has fewer than %(n)s characters", n=MIN_PASSWORD_CHARS),
            hint=Phrase("Choose a longer passphrase: several unrelated words work well."),
        )
    check_grant(archive, chosen, by=by)
    secret = totp_secret or pyotp.random_base32()
    hashed = (hasher or default_hasher()).hash(password)
    pseudonym = new_pseudonym()
    with archive.engine.begin() as connection:
        if (
            connection.scalar(select(web_users.c.username).where(web_users.c.username == username))
            is not None
        ):
            raise InputError(
                Phrase("there is already a user %(name)s", name=repr(username)),
                hint=Phrase("Choose another username."),
            )
        connection.execute(
            insert(web_users).values(
                username=username,
                pseudonym=pseudonym,
                password_hash=hashed,
                totp_secret=secret,
                roles=",".join(sorted(chosen)),
                created_at=archive.now(),
                disabled=False,
            )
        )
        _log_change(connection, archive, "user_add", pseudonym, chosen, by)
    _ledger.sync_log(archive)
    return secret


def set_roles(
    archive: Archive, username: str, roles: list[str] | tuple[str, ...], *, by: User | None = None
) -> None:
    """Replace an account's roles, audited and logged. Granting a guarded role follows
    :func:`check_grant`; taking roles away needs only the right to change accounts."""
    chosen = check_roles(roles)
    with archive.engine.begin() as connection:
        row = connection.execute(
            select(web_users.c.roles, web_users.c.pseudonym).where(
                web_users.c.username == username[:64]
            )
        ).first()
        if row is None:
            raise InputError(_no_user(username), hint=Phrase("Check the username."))
        check_grant(archive, chosen - frozenset(row.roles.split(",")), by=by, target=username)
        _ensure_pseudonyms(connection)
        pseudonym = connection.scalar(
            select(web_users.c.pseudonym).where(web_users.c.username == username)
        )
        connection.execute(
            update(web_users)
            .where(web_users.c.username == username)
            .values(roles=",".join(sorted(chosen)))
        )
        _log_change(connection, archive, "user_roles", str(pseudonym), chosen, by)
    _ledger.sync_log(archive)


def _log_change(
    connection: Connection,
    archive: Archive,
    action: str,
    pseudonym: str,
    roles: frozenset[str],
    by: User | None,
) -> None:
    """The audit row and the log entry of a change to an account, in its transaction."""
    actor = by.actor if by is not None else archive.actor
    audit.record(
        archive.engine,
        at=archive.now(),
        actor=actor,
        action=action,
        target=pseudonym,
        connection=connection,
    )
    # No keyring hash: verify recomputes the entry from the account alone, after any reshare.
    entry = _ledger.event_entry(
        archive,
        "account",
        _account_detail(pseudonym, action, roles),
        record_id=pseudonym,
        actor=actor,
        keyring=False,
    )
    _ledger.append_entries(connection, [entry])


ACCOUNT_CHANGES = (
    "user_add",
    "user_roles",
    "user_disable",
    "user_enable",
    "user_factor_reset",
    "user_password",
)


def _account_detail(pseudonym: str, change: str, roles: frozenset[str]) -> dict[str, str]:
    return {"account": pseudonym, "change": change, "roles": ",".join(sorted(roles))}


def account_problems(connection: Connection, logged: list[tuple[int, LogEntry]]) -> list[str]:
    """Where the accounts in the database differ from their ``account`` log entries.

    An entry commits, with an all-zero salt, to the account's pseudonym, the change and
    the roles after it, so it is read back by trying each change and set of roles (4 x 32).
    Replayed in log order, the changes must end in each account's row: its roles, and
    whether it is disabled. A row with no entry was made past the log (or before accounts
    were logged); an edited role or flag no longer matches its last change.
    """
    role_sets = [
        frozenset(chosen)
        for size in range(len(ROLES) + 1)
        for chosen in itertools.combinations(ROLES, size)
    ]
    problems: list[str] = []
    state: dict[str, tuple[frozenset[str], bool, int]] = {}  # roles, disabled, entry
    for index, entry in logged:
        account = entry.record_id
        found = next(
            (
                (change, roles)
                for change in ACCOUNT_CHANGES
                for roles in role_sets
                if _ledger.event_commitment(
                    "account", _account_detail(account, change, roles), keyring=None
                )
                == entry.commitment
            ),
            None,
        )
        if found is None:
            problems.append(
                f"entry {index}: the account entry for {account} matches no change of an account"
            )
            continue
        change, roles = found
        before = state.get(account)
        disabled = {"user_disable": True, "user_enable": False, "user_add": False}.get(
            change, before[1] if before else False
        )
        state[account] = (roles, disabled, index)
    for row in connection.execute(
        select(web_users.c.pseudonym, web_users.c.roles, web_users.c.disabled)
    ).all():
        kept = state.pop(row.pseudonym, None) if row.pseudonym else None
        if kept is None:
            problems.append(
                f"account {row.pseudonym or '(without a pseudonym)'} is in the database but "
                "not in the log (added to the database directly, or made before accounts "
                "were logged: if it is genuine, set its roles again to log it)"
            )
        elif (frozenset(row.roles.split(",")) - {""}, bool(row.disabled)) != kept[:2]:
            problems.append(
                f"account {row.pseudonym}: its roles or its disabled flag differ "
                f"from its last logged change (entry {kept[2]}): changed in the "
                "database directly"
            )
    problems += [
        f"account {account} is logged (entry {index}) but gone from the database (removed)"
        for account, (_, _, index) in sorted(state.items())
    ]
    return problems


def list_users(engine: Engine) -> list[User]:
    with engine.begin() as connection:
        _ensure_pseudonyms(connection)
        rows = connection.execute(select(web_users).order_by(web_users.c.username)).all()
    return [
        User(r.username, frozenset(r.roles.split(",")), bool(r.disabled), r.pseudonym) for r in rows
    ]


def set_disabled(
    archive: Archive, username: str, disabled: bool, *, by: User | None = None
) -> None:
    """Disable or enable an account (never one's own), audited and logged. Enabling gives
    the account its roles back, so it is granting them (:func:`check_grant`)."""
    with archive.engine.begin() as connection:
        _ensure_pseudonyms(connection)
        row = connection.execute(
            select(web_users.c.roles, web_users.c.pseudonym).where(
                web_users.c.username == username[:64]
            )
        ).first()
        if row is None:
            raise InputError(_no_user(username), hint=Phrase("Check the username."))
        check_grant(
            archive,
            frozenset() if disabled else frozenset(row.roles.split(",")),
            by=by,
            target=username,
        )
        connection.execute(
            update(web_users).where(web_users.c.username == username).values(disabled=disabled)
        )
        _log_change(
            connection,
            archive,
            "user_disable" if disabled else "user_enable",
            str(row.pseudonym),
            frozenset(row.roles.split(",")),
            by,
        )
    _ledger.sync_log(archive)


def authenticate(
    engine: Engine,
    username: str,
    password: str,
    one_time_code: str,
    *,
    now: float,
    hasher: PasswordHasher | None = None,
    used: UsedCodes | None = None,
) -> User:
    """The user, if password and TOTP code are right; otherwise :class:`LoginFailed`.

    With ``used``, a code (a TOTP time step) is accepted once per account: a code
    seen over a shoulder or in a proxy's log cannot be replayed within its window.
    """
    hasher = hasher or default_hasher()
    with engine.connect() as connection:
        row = connection.execute(
            select(web_users).where(web_users.c.username == username[:64])
        ).first()
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
    key = (
        type(hasher),
        hasher.time_cost,
        hasher.memory_cost,
        hasher.parallelism,
        hasher.hash_len,
        hasher.salt_len,
        hasher.type,
    )
    found = _DUMMY_HASHES.get(key)
    if found is None:
        with _DUMMY_LOCK:
            found = _DUMMY_HASHES.get(key)
            if found is None:
                found = _DUMMY_HASHES[key] = hasher.hash("x" * 16)
    return found


ISSUER = "BearWitness"


def provisioning_uri(username: str, secret: str) -> str:
    """The ``otpauth://`` URI that a one-time-code app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(text: str) -> str:
    """``text`` as a QR code, an SVG element drawn here (segno): no outside service sees it."""
    import segno

    code = segno.make(text, error="m")
    return str(code.svg_inline(scale=5, border=4, dark="#000", light="#fff", title="QR"))


def _row(connection: Connection, username: str) -> object:
    row = connection.execute(select(web_users).where(web_users.c.username == username[:64])).first()
    if row is None:
        raise InputError(_no_user(username), hint=Phrase("Check the username."))
    return row


def reset_second_factor(
    archive: Archive, username: str, *, by: User | None, secret: str | None = None
) -> str:
    """Give an account a new TOTP secret (its old app stops working); returns it, to be
    shown once. Audited and logged; nobody resets their own (they re-enrol instead)."""
    new = secret or pyotp.random_base32()
    with archive.engine.begin() as connection:
        _ensure_pseudonyms(connection)
        row = _row(connection, username)
        check_grant(archive, frozenset(), by=by, target=username)
        connection.execute(
            update(web_users).where(web_users.c.username == username).values(totp_secret=new)
        )
        _log_change(
            connection,
            archive,
            "user_factor_reset",
            str(row.pseudonym),  # type: ignore[attr-defined]
            frozenset(row.roles.split(",")),  # type: ignore[attr-defined]
            by,
        )
    _ledger.sync_log(archive)
    return new


def enrol_second_factor(
    archive: Archive,
    user: User,
    secret: str,
    one_time_code: str,
    *,
    now: float,
    used: UsedCodes | None = None,
) -> None:
    """Replace ``user``'s own TOTP secret with ``secret``, once a code from the app that
    read it is typed (so a misread QR code never locks anyone out). Audited and logged."""
    step = _matching_step(secret, one_time_code, now)
    if step is None:
        raise InputError(
            Phrase("the one-time code does not match the new QR code"),
            hint=Phrase("Scan the code again and type the six digits the app shows now."),
        )
    with archive.engine.begin() as connection:
        row = _row(connection, user.username)
        connection.execute(
            update(web_users)
            .where(web_users.c.username == user.username)
            .values(totp_secret=secret)
        )
        _log_change(
            connection,
            archive,
            "user_factor_reset",
            user.actor,
            frozenset(row.roles.split(",")),  # type: ignore[attr-defined]
            user,
        )
    _ledger.sync_log(archive)
    if used is not None:  # the code typed here cannot then be replayed to log in
        used.claim(user.username, step)


def change_password(
    archive: Archive,
    user: User,
    current: str,
    new: str,
    *,
    hasher: PasswordHasher | None = None,
) -> None:
    """Change ``user``'s own password; the current one must be given. Audited and logged."""
    hasher = hasher or default_hasher()
    with archive.engine.connect() as connection:
        row = _row(connection, user.username)
    try:
        hasher.verify(row.password_hash, current)  # type: ignore[attr-defined]
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise InputError(
            Phrase("the current password is wrong"),
            hint=Phrase("Type the password you logged in with."),
        ) from None
    if len(new) < MIN_PASSWORD_CHARS:
        raise InputError(
            Phrase("the new password has fewer than %(n)s characters", n=MIN_PASSWORD_CHARS),
            hint=Phrase("Choose a longer passphrase: several unrelated words work well."),
        )
    hashed = hasher.hash(new)
    with archive.engine.begin() as connection:
        connection.execute(
            update(web_users)
            .where(web_users.c.username == user.username)
            .values(password_hash=hashed)
        )
        _log_change(
            connection,
            archive,
            "user_password",
            user.actor,
            frozenset(row.roles.split(",")),  # type: ignore[attr-defined]
            user,
        )
    _ledger.sync_log(archive)
