"""The archive's secrets: the age identity and the data key, and keys derived from them.

Nothing here touches disk. :class:`ArchiveSecrets` is what an unlock yields and
what the unlocked CLI's agent holds in memory.
"""

from __future__ import annotations

import secrets as _random
from dataclasses import dataclass

import pyrage
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pyrage import x25519

from bearwitness.errors import ArchiveError

DATA_KEY_BYTES = 32
SUBKEY_BYTES = 32

# Domain separation for HKDF: a subkey for one purpose says nothing about the
# subkey for another, nor about the data key itself.
_SUBKEY_INFO_PREFIX = b"bearwitness/subkey/v1/"


@dataclass(frozen=True, repr=False)
class ArchiveSecrets:
    """What an unlock yields.

    ``identity`` is the archive's age X25519 identity (``AGE-SECRET-KEY-1...``):
    it opens everything sealed to the archive's public recipient (evidence
    files, intake submissions, the data key). ``data_key`` (32 bytes) seals
    fields in the database; :meth:`subkey` derives keys for other purposes
    (search index, blind indexes) from it.
    """

    identity: str
    data_key: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.data_key, bytes) or len(self.data_key) != DATA_KEY_BYTES:
            raise ArchiveError(
                "The archive's data key has the wrong length.",
                hint="The keyring or the agent handed over a damaged key; unlock again.",
            )
        _parse_identity(self.identity)

    @property
    def recipient(self) -> str:
        """The public age recipient (``age1...``) that matches :attr:`identity`."""
        return str(_parse_identity(self.identity).to_public())

    def subkey(self, purpose: str) -> bytes:
        """A 32-byte key for one ``purpose`` (e.g. ``"search-index"``), derived with HKDF-SHA256."""
        if not purpose or not purpose.isascii() or not purpose.isprintable():
            raise ValueError("a subkey purpose is a non-empty printable ASCII name")
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=SUBKEY_BYTES,
            salt=None,
            info=_SUBKEY_INFO_PREFIX + purpose.encode("ascii"),
        )
        return hkdf.derive(self.data_key)

    def __repr__(self) -> str:
        # Never the secrets: this object ends up in tracebacks and debug logs.
        return f"ArchiveSecrets(recipient={self.recipient!r}, <secrets hidden>)"

    __str__ = __repr__


def create_secrets() -> ArchiveSecrets:
    """New secrets for a new archive: a fresh age identity and a random data key."""
    identity = x25519.Identity.generate()
    return ArchiveSecrets(identity=str(identity), data_key=_random.token_bytes(DATA_KEY_BYTES))


def _parse_identity(identity: str) -> x25519.Identity:
    try:
        return x25519.Identity.from_str(identity)
    except (pyrage.IdentityError, TypeError, ValueError) as exc:
        raise ArchiveError(
            "The archive identity is not a valid age X25519 identity.",
            hint="It should start with AGE-SECRET-KEY-1; unlock again or check the identity file.",
        ) from exc


def parse_recipient(recipient: str) -> x25519.Recipient:
    """Parse an ``age1...`` recipient or raise :class:`ArchiveError`."""
    try:
        return x25519.Recipient.from_str(recipient)
    except (pyrage.RecipientError, TypeError, ValueError) as exc:
        raise ArchiveError(
            "The archive's public key is not a valid age recipient.",
            hint="It should start with age1; check the archive's keyring.json.",
        ) from exc


def parse_identity(identity: str) -> x25519.Identity:
    """Parse an ``AGE-SECRET-KEY-1...`` identity or raise :class:`ArchiveError`."""
    return _parse_identity(identity)
