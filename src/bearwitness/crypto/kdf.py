"""Passphrase stretching: Argon2id with parameters stored beside what they protect."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw

from bearwitness.errors import ArchiveError

KEY_BYTES = 32
SALT_BYTES = 16

# Upper bounds accepted when reading a keyring: a tampered keyring.json must not
# be able to make an unlock allocate unbounded memory or run for hours.
_MAX_TIME_COST = 64
_MAX_MEMORY_KIB = 4 * 1024 * 1024
_MAX_PARALLELISM = 64


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters.

    The defaults (t=3, m=64 MiB, p=2) follow RFC 9106's second recommended
    option for memory-constrained machines: about half a second on a laptop,
    which an unlock can afford and a guesser cannot. Tests pass
    :meth:`insecure_for_tests` instead.
    """

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 2

    def __post_init__(self) -> None:
        ok = (
            1 <= self.time_cost <= _MAX_TIME_COST
            and 1 <= self.parallelism <= _MAX_PARALLELISM
            and 8 * self.parallelism <= self.memory_kib <= _MAX_MEMORY_KIB
        )
        if not ok:
            raise ArchiveError(
                f"Argon2id parameters out of range (t={self.time_cost}, "
                f"m={self.memory_kib} KiB, p={self.parallelism}).",
                hint=f"Use 1 <= t <= {_MAX_TIME_COST}, 8*p <= m <= {_MAX_MEMORY_KIB} KiB, "
                f"1 <= p <= {_MAX_PARALLELISM}.",
            )

    @classmethod
    def insecure_for_tests(cls) -> KdfParams:
        """Cheap parameters that make a passphrase easy to guess: tests only."""
        return cls(time_cost=1, memory_kib=8, parallelism=1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "alg": "argon2id",
            "t": self.time_cost,
            "m_kib": self.memory_kib,
            "p": self.parallelism,
        }

    @classmethod
    def from_dict(cls, data: Any) -> KdfParams:
        if not isinstance(data, dict) or set(data) != {"alg", "t", "m_kib", "p"}:
            raise ArchiveError(
                "keyring.json: the passphrase slot's kdf entry is malformed.",
                hint="Restore keyring.json from a backup.",
            )
        if data["alg"] != "argon2id" or not all(type(data[k]) is int for k in ("t", "m_kib", "p")):
            raise ArchiveError(
                "keyring.json: the passphrase slot's kdf entry is malformed.",
                hint="Restore keyring.json from a backup.",
            )
        return cls(time_cost=data["t"], memory_kib=data["m_kib"], parallelism=data["p"])


def normalize_passphrase(passphrase: str) -> bytes:
    """NFC-normalise and encode, so the same words typed on another keyboard still unlock."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def stretch(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    """Derive a 32-byte key-encryption key from a passphrase with Argon2id."""
    return hash_secret_raw(
        secret=normalize_passphrase(passphrase),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )
