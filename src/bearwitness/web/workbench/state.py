"""What a workbench process holds in memory: sessions, the unlocked keys, pending shares.

Sessions are server-side (the cookie carries only a random token), so logging
out or locking ends them for certain. The archive's keys live only here, in
this process's memory, from an unlock until a lock, an idle timeout or the
process's end. Custodians unlock together by each entering a share from
their own session; shares wait in memory for a few minutes, never on disk.
Unlocking does not write in the inbox: the page that unlocks starts that as a
job (see ``pages.start_fold``), so the unlock answers at once however much waits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import ipaddress
import secrets
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from bearwitness.errors import LockedError, Phrase, UnlockError
from bearwitness.services import audit, custody
from bearwitness.services.archive import Archive
from bearwitness.services.media import ImageLimits
from bearwitness.services.search_index import SearchIndex
from bearwitness.services.users import User


@dataclass(frozen=True)
class WorkbenchSettings:
    idle_lock_seconds: float = 15 * 60  # lock the archive after this long without use
    session_idle_seconds: float = 30 * 60  # log a user out after this long without use
    session_max_seconds: float = 12 * 3600
    share_wait_seconds: float = 10 * 60  # how long a custodian's share waits for the others
    login_failures: int = 5  # failures per username, client or device per window
    login_window_seconds: float = 15 * 60
    device_cookie_seconds: float = 30 * 24 * 3600  # a browser that logged in stays known
    secure_cookies: bool = True
    max_body: int = 210 * 1024 * 1024
    max_file_bytes: int = 200 * 1024 * 1024
    # As on the intake, a body must arrive within body_seconds plus a second for every
    # body_rate bytes (a 200 MB upload needs 32 KiB/s on average); a slow drip gets 408.
    body_seconds: float = 60.0
    body_rate: float = 32 * 1024
    # Clean copies and previews of images: the limits of the workers the app shares.
    images: ImageLimits = field(default_factory=ImageLimits)
    page_size: int = 50
    reads_at_once: int = 2  # GET requests answered at a time (web/guard.py says why)


@dataclass
class Session:
    token: str
    csrf: str
    created: float
    seen: float
    user: User | None = None
    language: str = "en"
    revealed: set[str] = field(default_factory=set)


class SessionStore:
    def __init__(self, settings: WorkbenchSettings, clock: Callable[[], float]) -> None:
        self.settings, self.clock = settings, clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    MAX_SESSIONS = 10_000  # a flood of login pages must not fill the memory

    def new(self, user: User | None = None, language: str = "en") -> Session:
        now = self.clock()
        session = Session(
            secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now, user, language
        )
        with self._lock:
            if len(self._sessions) >= self.MAX_SESSIONS:
                self._purge(now)
            self._sessions[session.token] = session
        return session

    def _purge(self, now: float) -> None:
        """Drop expired sessions, then the oldest ones nobody has logged in to."""
        idle = self.settings.session_idle_seconds
        for token in [t for t, s in self._sessions.items() if now - s.seen > idle]:
            del self._sessions[token]
        anonymous = sorted((s.seen, t) for t, s in self._sessions.items() if s.user is None)
        for _, token in anonymous[: max(0, len(self._sessions) - self.MAX_SESSIONS // 2)]:
            del self._sessions[token]

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        now = self.clock()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if (
                now - session.seen > self.settings.session_idle_seconds
                or now - session.created > self.settings.session_max_seconds
            ):
                del self._sessions[token]
                return None
            session.seen = now
            return session

    def drop(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def forget_reveals(self) -> None:
        """Hide every revealed record in every session (on a lock: a new unlock reveals anew)."""
        with self._lock:
            for session in self._sessions.values():
                session.revealed.clear()

    def drop_user(self, username: str) -> None:
        with self._lock:
            for token in [
                t
                for t, s in self._sessions.items()
                if s.user is not None and s.user.username == username
            ]:
                del self._sessions[token]


class LoginThrottle:
    """Counts login attempts per key and refuses a key after too many in a window.

    An attempt is counted when it starts (:meth:`reserve`), before its password is
    checked, and a success clears its keys (:meth:`succeeded`). Counting first is what
    holds the limit when many attempts arrive at once: a check made before and a
    failure recorded after the slow password hash would let every attempt in flight
    through (30 at once all got a verdict on their password).

    Keys are chosen by :meth:`keys_for`. A browser that has logged in as a user
    before carries a *device token* for that user (a cookie, signed with a key held
    in this process's memory) and is counted on its own: however many times someone
    else fails as that user, the user's own browser still gets in. Everyone else is
    counted per username, and per client address when that address is worth
    anything: behind a reverse proxy or Tor every client is 127.0.0.1, and blocking
    that would let one person lock the whole team out.
    """

    MAX_KEYS = 100_000  # past this, windows that have ended are forgotten (not the limit)

    def __init__(self, settings: WorkbenchSettings, clock: Callable[[], float]) -> None:
        self.settings, self.clock = settings, clock
        self._attempts: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._device_key = secrets.token_bytes(32)  # a restart forgets every device

    def device_token(self, username: str) -> str:
        """A token for a browser that has just logged in as ``username``."""
        nonce = secrets.token_urlsafe(16)
        return f"{nonce}.{self._sign(username, nonce)}"

    def _sign(self, username: str, nonce: str) -> str:
        return hmac.new(
            self._device_key, f"{username}\n{nonce}".encode(), hashlib.sha256
        ).hexdigest()

    def keys_for(self, username: str, client: str | None, device: str | None) -> list[str]:
        """What a login attempt is counted under: its device, or its username and client."""
        nonce, _, signature = (device or "").partition(".")
        if nonce and hmac.compare_digest(signature, self._sign(username, nonce)):
            return [f"device:{nonce}"]
        keys = [f"user:{username}"]
        if client is not None and _meaningful(client):
            keys.append(f"client:{client}")
        return keys

    def reserve(self, *keys: str) -> bool:
        """Count one attempt under every key, unless one has no attempt left in its window
        (then count nothing and return False). Check and count are one step, under a lock."""
        now = self.clock()
        window, limit = self.settings.login_window_seconds, self.settings.login_failures
        with self._lock:
            if len(self._attempts) > self.MAX_KEYS:
                self._attempts = {
                    k: v for k, v in self._attempts.items() if v and now - v[-1] < window
                }
            recent = {
                key: [t for t in self._attempts.get(key, []) if now - t < window] for key in keys
            }
            self._attempts.update(recent)
            if any(len(times) >= limit for times in recent.values()):
                return False
            for key in keys:
                self._attempts[key].append(now)
        return True

    def succeeded(self, *keys: str) -> None:
        """A right password and code: the keys start afresh."""
        with self._lock:
            for key in keys:
                self._attempts.pop(key, None)


def _meaningful(host: str) -> bool:
    """Whether a client address tells clients apart (not loopback, not unknown)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not (address.is_loopback or address.is_unspecified)


class KeyHolder:
    """The archive, and whether this process holds its keys (unlocked) or not (locked)."""

    def __init__(
        self, archive: Archive, settings: WorkbenchSettings, clock: Callable[[], float]
    ) -> None:
        self.archive, self.settings, self.clock = archive, settings, clock
        self.last_use = clock()
        self._shares: dict[str, tuple[str, float]] = {}  # username -> (share, when)
        self._lock = threading.Lock()
        self.search_index = SearchIndex()
        self.on_lock: list[Callable[[], None]] = []  # e.g. hide what sessions revealed
        # Copies of the archive handed to pages and jobs share its keys; a lock takes the
        # keys from every copy still alive, so that a running job cannot write on.
        self._copies: list[weakref.ref[Archive]] = []
        self.epoch = 0  # counts locks: a job started before one must not write after it

    @property
    def locked(self) -> bool:
        return self.archive.locked

    def check_idle(self) -> None:
        """Lock if the archive sat unused too long, or if its keys were rotated elsewhere
        (`keys rotate`: the keys held here are retired). Called on requests and by a timer."""
        secrets = self.archive.secrets
        if secrets is not None and (
            self.clock() - self.last_use > self.settings.idle_lock_seconds
            or secrets.generation < self.archive.current_keyring().generation
        ):
            self.lock("U-auto", action="auto_lock")

    def touch(self) -> None:
        """Note activity, after locking if it came too late."""
        self.check_idle()
        self.last_use = self.clock()

    def for_user(self, user: User) -> Archive:
        """The archive as this user acts on it (their pseudonym, never the username, on
        every change: the log is published)."""
        copy = dataclasses.replace(self.archive, actor=user.actor)
        with self._lock:
            self._copies = [ref for ref in self._copies if ref() is not None]
            self._copies.append(weakref.ref(copy))
        return copy

    def still_unlocked(self, epoch: int) -> bool:
        """Whether the keys held at ``epoch`` are still held (no lock since)."""
        return self.epoch == epoch and not self.archive.locked

    def guard(self) -> Callable[[], None]:
        """A check for a job to call before it writes: LockedError once a lock came.

        A job started while locked (an estimate without strata) needs no keys, and the
        check lets it be.
        """
        epoch, unlocked = self.epoch, not self.archive.locked

        def check() -> None:
            if unlocked and not self.still_unlocked(epoch):
                raise LockedError(
                    Phrase("the archive was locked while this ran; nothing more was written"),
                    hint=Phrase("Unlock it and start it again."),
                )

        return check

    def lock(self, actor: str, *, action: str = "lock") -> None:
        with self._lock:
            self.epoch += 1
            for archive in [self.archive, *(ref() for ref in self._copies)]:
                if archive is not None:
                    archive.secrets = None
                    archive._sealer = None
            self._copies.clear()
            self._shares.clear()
        self.search_index.clear()
        for listener in self.on_lock:
            listener()
        audit.record(self.archive.engine, at=self.archive.now(), actor=actor, action=action)

    def unlock_with_passphrase(self, actor: str, passphrase: str) -> None:
        self.archive.unlock_with_passphrase(passphrase)
        self._unlocked(actor, "passphrase")

    def add_share(self, user: User, share: str) -> tuple[int, int]:
        """Add one custodian's share; unlock when enough are in. Returns (have, need)."""
        threshold = self.archive.current_keyring().custodian_threshold
        if threshold is None:
            raise UnlockError(
                Phrase("this archive is not split among custodians"),
                hint=Phrase("Unlock it with its passphrase."),
            )
        need = threshold[1]
        now = self.clock()
        with self._lock:
            self._shares = {
                u: (s, t)
                for u, (s, t) in self._shares.items()
                if now - t < self.settings.share_wait_seconds
            }
            self._shares[user.username] = (share.strip(), now)
            shares = [s for s, _ in self._shares.values()]
        if len(shares) < need:
            return len(shares), need
        try:
            self.archive.unlock_with_shares(shares)
        finally:
            with self._lock:
                self._shares.clear()
        self._unlocked(user.actor, "shares")
        return need, need

    def waiting_shares(self) -> list[str]:
        now = self.clock()
        with self._lock:
            return sorted(
                u
                for u, (_, t) in self._shares.items()
                if now - t < self.settings.share_wait_seconds
            )

    def _unlocked(self, actor: str, method: str) -> None:
        self.last_use = self.clock()
        audit.record(self.archive.engine, at=self.archive.now(), actor=actor, action="unlock")
        # The transparency log records every unlock, as `bearwitness unlock` does.
        custody.unlocked(dataclasses.replace(self.archive, actor=actor), method)
