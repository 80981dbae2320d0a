"""An archive on disk: its folder, configuration, keys, database and lock state.

    ARCHIVE/
      bearwitness.toml   format version, database URL, log origin (nothing secret)
      keyring.json       the public recipient and the wrapped secrets (unlock slots)
      archive.db         SQLite database (unless bearwitness.toml names another)
      blobs/             evidence files, each an age file sealed to the archive
      inbox/             submissions taken in while locked, sealed to the archive
      log/               the transparency log (tiles and checkpoints)
      releases/          every report manifest published (public; see services/reporting.py)

An :class:`Archive` opened without secrets is *locked*: it can take in data
(sealed to the public recipient, into the inbox) and read clear, coded
columns, but it cannot open any sealed value.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets as _random
import shutil
import threading
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bearwitness.crypto.kdf import KdfParams
from bearwitness.crypto.keyring import Keyring
from bearwitness.crypto.keys import ArchiveSecrets, create_secrets
from bearwitness.crypto.seal import FieldSealer, seal_for_recipient
from bearwitness.errors import ArchiveError, LockedError, Phrase, UnlockError
from bearwitness.store.database import (
    connect,
    migrate,
    require_empty,
    schema_is_current,
    sqlite_url,
)

if TYPE_CHECKING:
    from bearwitness.tlog.tiles import TileLog

FORMAT = 1
CONFIG = "bearwitness.toml"
KEYRING = "keyring.json"
RELEASES = "releases"  # <report id>.json: every report manifest published (public)
DEFAULT_DATABASE = "sqlite:///archive.db"  # inside the archive folder

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ArchiveConfig:
    """``bearwitness.toml``: where the database is, and how the log is published.

    The ``[log]`` table is optional: ``witnesses`` (C2SP tlog-cosignature verifier
    keys whose cosignatures the archive accepts), ``quorum`` (how many of them a
    checkpoint needs to verify), ``timestamp_url`` and ``tsa_roots`` (an RFC 3161
    authority to date each checkpoint, and its root certificates, PEM).
    """

    database_url: str
    origin: str
    witnesses: tuple[str, ...] = ()
    quorum: int = 0
    timestamp_url: str = ""
    tsa_roots: str = ""
    database_setting: str = ""  # as written in the file (a SQLite path may be relative)
    backup_recipients: tuple[str, ...] = ()  # offline age recipients of every backup

    @classmethod
    def read(cls, folder: Path) -> ArchiveConfig:
        path = folder / CONFIG
        if not path.is_file():
            raise ArchiveError(
                Phrase(
                    "%(folder)s is not a BearWitness archive (no %(config)s)",
                    folder=folder,
                    config=CONFIG,
                ),
                hint=Phrase("Check the path, or create one with `bearwitness init PATH`."),
            )
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ArchiveError(
                    Phrase(
                        "%(config)s says format %(format)s; this version reads %(reads)s",
                        config=CONFIG,
                        format=repr(data.get("format")),
                        reads=FORMAT,
                    ),
                    hint=Phrase("Use the BearWitness version that made the archive."),
                )
            url = str(data["database"])
            origin = str(data["origin"])
            log = data.get("log", {})
            witnesses = tuple(str(key) for key in log.get("witnesses", []))
            quorum = int(log.get("quorum", 0))
            timestamp_url = str(log.get("timestamp_url", ""))
            tsa_roots = str(log.get("tsa_roots", ""))
            listed = data.get("backup", {}).get("recipients", [])
            if not isinstance(listed, list):
                raise TypeError("[backup] recipients is not a list")
            backup_recipients = tuple(str(key) for key in listed)
        except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, AttributeError) as error:
            raise ArchiveError(
                Phrase("%(path)s is damaged (%(error)s)", path=path, error=error),
                hint=Phrase("Correct it by hand, or restore it from a backup."),
            ) from None
        return cls(
            _database_url(folder, url),
            origin,
            witnesses,
            quorum,
            timestamp_url,
            tsa_roots,
            url,
            backup_recipients,
        )

    @staticmethod
    def write(
        folder: Path,
        database_url: str,
        origin: str,
        *,
        witnesses: Sequence[str] = (),
        quorum: int = 0,
        timestamp_url: str = "",
        tsa_roots: str = "",
        backup_recipients: Sequence[str] = (),
    ) -> None:
        """Write the settings; ``database_url`` as given (relative SQLite paths stay relative)."""
        text = (
            "# BearWitness archive settings. Nothing here is secret.\n"
            f"format = {FORMAT}\n"
            f"database = {_toml_string(database_url)}\n"
            f"origin = {_toml_string(origin)}\n"
            "\n[log]\n"
            "# Witness verifier keys (C2SP tlog-cosignature) whose cosignatures are accepted,\n"
            "# and how many of them every checkpoint must carry to verify.\n"
            f"witnesses = [{', '.join(_toml_string(key) for key in witnesses)}]\n"
            f"quorum = {quorum}\n"
            "# An RFC 3161 timestamp authority for checkpoints, and its root certificates (PEM).\n"
            f"timestamp_url = {_toml_string(timestamp_url)}\n"
            f"tsa_roots = {_toml_string(tsa_roots)}\n"
            "\n[backup]\n"
            "# Offline age recipients (age1...) every backup is also encrypted to: a partner\n"
            "# or lawyer abroad who can restore with their own identity alone.\n"
            f"recipients = [{', '.join(_toml_string(key) for key in backup_recipients)}]\n"
        )
        _write_atomically(folder / CONFIG, text)

    def save(self, folder: Path) -> None:
        """Write these settings back (e.g. after adding a witness)."""
        self.write(
            folder,
            self.database_setting or self.database_url,
            self.origin,
            witnesses=self.witnesses,
            quorum=self.quorum,
            timestamp_url=self.timestamp_url,
            tsa_roots=self.tsa_roots,
            backup_recipients=self.backup_recipients,
        )


def _is_inside(setting: str) -> bool:
    """Whether a database setting is a SQLite file relative to (inside) the archive folder."""
    return setting.startswith("sqlite:///") and not setting.startswith("sqlite:////")


def _database_url(folder: Path, setting: str) -> str:
    if _is_inside(setting):
        return sqlite_url(folder / setting.removeprefix("sqlite:///"))
    return setting


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells whether a file was replaced: inode, modification time, size."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def _make_folder(folder: Path) -> Path | None:
    """Make ``folder`` and its missing parents; returns the topmost one made (None: it existed)."""
    topmost = None
    for candidate in (folder, *folder.absolute().parents):
        if candidate.exists():
            break
        topmost = candidate
    folder.mkdir(parents=True, exist_ok=True)
    return topmost


def _unmake_folder(folder: Path, made: Path | None, previous_mode: int | None) -> None:
    """Undo a failed create: remove the folders it made, or empty the folder it was given."""
    if made is not None:
        shutil.rmtree(made, ignore_errors=True)
        return
    for child in folder.iterdir():  # it was empty: everything in it is ours
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    if previous_mode is not None:
        folder.chmod(previous_mode)


@dataclass
class Turns:
    """The turns the threads of one process take to change an open archive; every copy of
    the Archive shares them (``dataclasses.replace`` keeps them).

    ``write``: one change's transaction at a time, queued here, where the next thread
    starts the moment the last ends, rather than in SQLite's busy wait, which sleeps up to
    100 ms between tries. ``sync``: one sync of the tile log at a time; ``synced`` is how
    far this process made it durable, so that a thread that waited while another synced
    finds its entries durable already (a group commit). ``tiles``: the tile log this
    process keeps open between syncs (``_ledger.open_tiles``)."""

    write: threading.Lock = field(default_factory=threading.Lock)
    sync: threading.Lock = field(default_factory=threading.Lock)
    synced: int = 0
    tiles: TileLog | None = None


@dataclass
class Archive:
    """An open archive. Close it (or use it as a context manager) when done."""

    folder: Path
    config: ArchiveConfig
    keyring: Keyring
    engine: Engine
    secrets: ArchiveSecrets | None = None
    actor: str = "U-local"
    clock: Clock = utc_now
    _sealer: FieldSealer | None = field(default=None, repr=False)
    _keyring_stamp: tuple[int, int, int] | None = field(default=None, repr=False)
    turns: Turns = field(default_factory=Turns, repr=False, compare=False)

    # --- creating and opening ---------------------------------------------------------
    @classmethod
    def create(
        cls,
        folder: Path,
        *,
        passphrase: str | None = None,
        custodians: tuple[int, int] | None = None,
        database_url: str | None = None,
        kdf_params: KdfParams | None = None,
        actor: str = "U-local",
        clock: Clock = utc_now,
    ) -> tuple[Archive, list[str]]:
        """A new archive in ``folder`` (missing or empty); returns it unlocked, and the shares.

        If anything fails, what was made in ``folder`` is removed again, so that a
        second attempt finds it as it was.
        """
        url = database_url or DEFAULT_DATABASE
        cls.check_new(folder, url)
        secrets = create_secrets()
        keyring, shares = Keyring.create(
            secrets, passphrase=passphrase, custodians=custodians, kdf_params=kdf_params
        )
        previous_mode = folder.stat().st_mode & 0o7777 if folder.exists() else None
        made = _make_folder(folder)
        try:
            folder.chmod(0o700)
            for sub in ("blobs", "inbox", "log"):
                (folder / sub).mkdir(mode=0o700)
            ArchiveConfig.write(folder, url, f"bearwitness.local/{_random.token_hex(8)}")
            _write_atomically(folder / KEYRING, keyring.to_json())
            archive = cls.open(folder, secrets=secrets, actor=actor, clock=clock)
        except BaseException:
            _unmake_folder(folder, made, previous_mode)
            raise
        return archive, shares

    @staticmethod
    def check_new(folder: Path, database_url: str) -> None:
        """Refuse, before anything is written, a place where :meth:`create` would fail.

        ``folder`` must be missing or an empty folder, and a database outside it
        must answer and be empty (each archive has its own).
        """
        if folder.exists() and not folder.is_dir():
            raise ArchiveError(
                Phrase("%(folder)s is a file, not a folder", folder=folder),
                hint=Phrase("Choose a new folder for the archive."),
            )
        if folder.exists() and any(folder.iterdir()):
            raise ArchiveError(
                Phrase("%(folder)s is not empty", folder=folder),
                hint=Phrase("Choose a new folder for the archive."),
            )
        if _is_inside(database_url):
            return  # a new file in a new folder: nothing to check
        engine = connect(database_url)
        try:
            require_empty(engine)
        finally:
            engine.dispose()

    @classmethod
    def open(
        cls,
        folder: Path,
        *,
        secrets: ArchiveSecrets | None = None,
        actor: str = "U-local",
        clock: Clock = utc_now,
    ) -> Archive:
        folder = folder.resolve()
        config = ArchiveConfig.read(folder)
        stamp = _stamp(folder / KEYRING)
        keyring = Keyring.from_json((folder / KEYRING).read_text(encoding="utf-8"))
        if secrets is not None and secrets.recipient != keyring.recipient:
            raise ArchiveError(
                Phrase("those keys belong to another archive"),
                hint=Phrase("Unlock this archive with its own passphrase or shares."),
            )
        engine = connect(config.database_url, settings=folder / CONFIG)
        try:
            if not schema_is_current(engine):
                recipient = keyring.recipient
                migrate(engine, seal_pair=lambda value: seal_for_recipient(value, recipient))
        except BaseException:
            engine.dispose()
            raise
        return cls(folder, config, keyring, engine, secrets, actor, clock, _keyring_stamp=stamp)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- lock state -------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.secrets is None

    @property
    def recipient(self) -> str:
        """The public key to seal to: read afresh from keyring.json when it changed, so a
        long-running process (the intake, the workbench) follows a `keys rotate`."""
        return self.current_keyring().recipient

    def current_keyring(self) -> Keyring:
        """keyring.json as it is now (re-read if another process replaced it)."""
        path = self.folder / KEYRING
        stamp = _stamp(path)
        if stamp is not None and stamp != self._keyring_stamp:
            self.keyring = Keyring.from_json(path.read_text(encoding="utf-8"))
            self._keyring_stamp = stamp
        return self.keyring

    def require_secrets(self) -> ArchiveSecrets:
        if self.secrets is None:
            raise LockedError()
        if self.secrets.generation < self.current_keyring().generation:
            # Writing on under the old generation would seal new records to retired keys.
            raise UnlockError(
                Phrase(
                    "The archive's keys were rotated after this unlock; these keys are retired."
                ),
                hint=Phrase(
                    "Lock the archive and unlock it again with its new passphrase or shares."
                ),
            )
        return self.secrets

    @property
    def sealer(self) -> FieldSealer:
        secrets = self.require_secrets()
        if self._sealer is None or self._sealer.generation != secrets.generation:
            self._sealer = FieldSealer.for_secrets(secrets)
        return self._sealer

    def unlock_with_passphrase(self, passphrase: str) -> ArchiveSecrets:
        self.secrets = self.current_keyring().unlock_with_passphrase(passphrase)
        return self.secrets

    def unlock_with_shares(self, shares: Sequence[str]) -> ArchiveSecrets:
        self.secrets = self.current_keyring().unlock_with_shares(shares)
        return self.secrets

    def replace_keyring(self, keyring: Keyring) -> None:
        """Write a new keyring (re-shared or new passphrase); records stay as they are."""
        if keyring.recipient != self.keyring.recipient:
            raise ArchiveError(
                Phrase("the new keyring is for another archive"),
                hint=Phrase("Re-share from this archive's own unlocked keys."),
            )
        self._write_keyring(keyring)

    def install_rotated_keyring(self, keyring: Keyring, secrets: ArchiveSecrets) -> None:
        """Write the keyring of the next key generation, and hold its keys from now on."""
        if not (
            keyring.generation == secrets.generation == self.keyring.generation + 1
            and keyring.recipient == secrets.recipient
        ):
            raise ArchiveError(
                Phrase("the rotated keyring does not follow this archive's keyring"),
                hint=Phrase("Rotate from this archive's own, current, unlocked keys."),
            )
        self._write_keyring(keyring)
        self.secrets, self._sealer = secrets, None

    def _write_keyring(self, keyring: Keyring) -> None:
        _write_atomically(self.folder / KEYRING, keyring.to_json())
        self.keyring, self._keyring_stamp = keyring, None
        self.current_keyring()  # note the new file's stamp

    # --- places -----------------------------------------------------------------------
    @property
    def blobs(self) -> Path:
        return self.folder / "blobs"

    @property
    def inbox(self) -> Path:
        return self.folder / "inbox"

    @property
    def log_dir(self) -> Path:
        return self.folder / "log"

    def now(self) -> str:
        return self.clock().astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
