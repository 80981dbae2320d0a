"""The archive's secrets: the age identity and the data key, and keys derived from them.

Nothing here touches disk. :class:`ArchiveSecrets` is what an unlock yields and
what the unlocked CLI's agent holds in memory.

Keys come in *generations*. An archive starts at generation 1; each rotation
(`bearwitness keys rotate`) makes a new identity and data key for what is
written from then on, and keeps the older generations so that what they
sealed still opens. An unlock yields every generation.
"""

from __future__ import annotations

import base64
import secrets as _random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyrage
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pyrage import x25519

from bearwitness.errors import ArchiveError

DATA_KEY_BYTES = 32
SUBKEY_BYTES = 32
MAX_GENERATION = 0xFFFF  # a sealed value records its key generation in two bytes

# Domain separation for HKDF: a subkey for one purpose says nothing about the
# subkey for another, nor about the data key itself.
_SUBKEY_INFO_PREFIX = b"bearwitness/subkey/v1/"


@dataclass(frozen=True, repr=False)
class KeyGeneration:
    """An older generation's keys, kept to open what was sealed under them."""

    number: int
    identity: str
    data_key: bytes

    def __post_init__(self) -> None:
        _check_keys(self.identity, self.data_key, self.number)

    def __repr__(self) -> str:
        return f"KeyGeneration({self.number}, <secrets hidden>)"


@dataclass(frozen=True, repr=False)
class ArchiveSecrets:
    """What an unlock yields.

    ``identity`` is the archive's current age X25519 identity
    (``AGE-SECRET-KEY-1...``): it opens everything sealed to the archive's
    public recipient (evidence files, intake submissions, the data key).
    ``data_key`` (32 bytes) seals fields in the database; :meth:`subkey` derives
    keys for other purposes (search index, blind indexes) from it. Both are of
    key ``generation``; ``older`` holds the earlier generations, newest first.
    """

    identity: str
    data_key: bytes
    generation: int = 1
    older: tuple[KeyGeneration, ...] = field(default=())

    def __post_init__(self) -> None:
        _check_keys(self.identity, self.data_key, self.generation)
        numbers = [self.generation, *(g.number for g in self.older)]
        if numbers != sorted(set(numbers), reverse=True):
            raise ArchiveError(
                "The archive's key generations are out of order.",
                hint="The keyring or the agent handed over damaged keys; unlock again.",
            )

    @property
    def recipient(self) -> str:
        """The public age recipient (``age1...``) that matches :attr:`identity`."""
        return str(_parse_identity(self.identity).to_public())

    @property
    def identities(self) -> tuple[str, ...]:
        """Every generation's identity, current first: what opens an age file of any age."""
        return (self.identity, *(g.identity for g in self.older))

    @property
    def data_keys(self) -> Mapping[int, bytes]:
        """Every generation's data key, by generation number."""
        return {self.generation: self.data_key, **{g.number: g.data_key for g in self.older}}

    def generations_held(self) -> list[int]:
        """The key generations this unlock holds, oldest first."""
        return sorted(self.data_keys)

    def subkey(self, purpose: str, *, generation: int | None = None) -> bytes:
        """A 32-byte key for one ``purpose`` (e.g. ``"search-index"``), derived with HKDF-SHA256
        from the data key of ``generation`` (the current one unless given)."""
        if not purpose or not purpose.isascii() or not purpose.isprintable():
            raise ValueError("a subkey purpose is a non-empty printable ASCII name")
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=SUBKEY_BYTES,
            salt=None,
            info=_SUBKEY_INFO_PREFIX + purpose.encode("ascii"),
        )
        return hkdf.derive(self.data_key_of(self.generation if generation is None else generation))

    def data_key_of(self, generation: int) -> bytes:
        """The data key of ``generation``; :class:`ArchiveError` if this unlock lacks it."""
        key = self.data_keys.get(generation)
        if key is None:
            raise ArchiveError(
                f"Something was sealed under key generation {generation}, which this "
                f"unlock does not hold (it holds {sorted(self.data_keys)}).",
                hint="Unlock with the archive's current keyring.json; if it is current, "
                "restore it from a backup made after the last `keys rotate`.",
            )
        return key

    def rotated(self) -> ArchiveSecrets:
        """New keys for what is written from now on; these ones kept as the newest older."""
        if self.generation >= MAX_GENERATION:
            raise ArchiveError(
                f"The archive's keys were rotated {self.generation - 1} times; "
                "that is the most a sealed value can record.",
                hint="Export the archive and start a new one.",
            )
        fresh = create_secrets()
        current = KeyGeneration(self.generation, self.identity, self.data_key)
        return ArchiveSecrets(
            fresh.identity, fresh.data_key, self.generation + 1, (current, *self.older)
        )

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready form, for handing the secrets to the agent over a pipe or socket."""
        return {
            "generation": self.generation,
            **_key_payload(self.identity, self.data_key),
            "older": [
                {"generation": g.number, **_key_payload(g.identity, g.data_key)} for g in self.older
            ],
        }

    @classmethod
    def from_payload(cls, data: Any) -> ArchiveSecrets:
        """The inverse of :meth:`to_payload`; :class:`ArchiveError` if it is malformed."""
        try:
            older = tuple(
                KeyGeneration(
                    int(g["generation"]),
                    g["identity"],
                    base64.b64decode(g["data_key"], validate=True),
                )
                for g in data.get("older", [])
            )
            return cls(
                data["identity"],
                base64.b64decode(data["data_key"], validate=True),
                int(data.get("generation", 1)),
                older,
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ArchiveError(
                "The archive's keys were handed over malformed.",
                hint="Lock the archive and unlock it again.",
            ) from None

    def __repr__(self) -> str:
        # Never the secrets: this object ends up in tracebacks and debug logs.
        return f"ArchiveSecrets(recipient={self.recipient!r}, <secrets hidden>)"

    __str__ = __repr__


def _key_payload(identity: str, data_key: bytes) -> dict[str, str]:
    return {"identity": identity, "data_key": base64.b64encode(data_key).decode("ascii")}


def _check_keys(identity: str, data_key: bytes, generation: int) -> None:
    if not isinstance(data_key, bytes) or len(data_key) != DATA_KEY_BYTES:
        raise ArchiveError(
            "The archive's data key has the wrong length.",
            hint="The keyring or the agent handed over a damaged key; unlock again.",
        )
    if type(generation) is not int or not 1 <= generation <= MAX_GENERATION:
        raise ArchiveError(
            f"The archive's key generation {str(generation)[:12]} is out of range.",
            hint="The keyring or the agent handed over damaged keys; unlock again.",
        )
    _parse_identity(identity)


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


def parse_identities(identity: str | Sequence[str]) -> list[x25519.Identity]:
    """One identity, or several (each key generation's), parsed for pyrage."""
    return [_parse_identity(one) for one in ([identity] if isinstance(identity, str) else identity)]
