"""Custodian shares: Shamir k-of-n over a 32-byte slot key, printed for people to keep.

pycryptodome's :class:`~Crypto.Protocol.SecretSharing.Shamir` shares 16-byte
secrets (it works in GF(2^128)). A 32-byte key is therefore split as two
16-byte halves, each with its own random polynomial, and custodian ``i`` gets
share ``i`` of both halves, concatenated. Any k custodians rebuild both
halves; k-1 learn nothing about either.

A printed share reads::

    bw-share-3-3of5-aeaqcaib-...-7xkq2mha-k4n2ba

``3`` is the custodian's index, ``3of5`` the threshold, then the payload in
base32 (groups of 8 for copying by hand: format version, the custodian slot's
id, the 32 share bytes), then a 6-character checksum over everything before
it, so that a mistyped share is caught and named before any unlock is tried.
Case, spaces and line breaks do not matter.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from Crypto.Protocol.SecretSharing import Shamir  # nosec B413 # pycryptodome, maintained

from bearwitness.errors import UnlockError

SHARE_FORMAT = 1
SLOT_ID_BYTES = 7  # with the version byte and 32 share bytes: 40 bytes, 64 base32 chars
KEY_BYTES = 32
MAX_SHARES = 255
_HALF = 16
_CHECK_CHARS = 6
_GROUP = 8
_PREFIX = "bw-share"


@dataclass(frozen=True, repr=False)
class Share:
    """One custodian's share, parsed."""

    index: int
    threshold: int
    total: int
    slot_id: bytes
    value: bytes

    def __repr__(self) -> str:
        return f"Share(index={self.index}, {self.threshold}of{self.total}, <value hidden>)"


def split_key(key: bytes, n: int, k: int) -> list[tuple[int, bytes]]:
    """Split a 32-byte key into n shares (index, 32 bytes), any k of which rebuild it."""
    if len(key) != KEY_BYTES:
        raise ValueError("split_key shares 32-byte keys")
    low = Shamir.split(k, n, key[:_HALF])
    high = Shamir.split(k, n, key[_HALF:])
    return [(i, lo + hi) for (i, lo), (j, hi) in zip(low, high, strict=True) if i == j]


def combine_key(shares: Sequence[tuple[int, bytes]]) -> bytes:
    """Rebuild the key from shares; with too few shares the result is simply wrong."""
    low = Shamir.combine([(i, v[:_HALF]) for i, v in shares])
    high = Shamir.combine([(i, v[_HALF:]) for i, v in shares])
    return bytes(low) + bytes(high)


def encode_share(index: int, k: int, n: int, slot_id: bytes, value: bytes) -> str:
    """The printable form of one share."""
    payload = bytes([SHARE_FORMAT]) + slot_id + value
    body = base64.b32encode(payload).decode("ascii").rstrip("=").lower()
    head = f"{_PREFIX}-{index}-{k}of{n}"
    grouped = "-".join(body[i : i + _GROUP] for i in range(0, len(body), _GROUP))
    return f"{head}-{grouped}-{_checksum(head, body)}"


def decode_share(text: str, position: int) -> Share:
    """Parse a printed share; ``position`` (1-based, as the user gave it) names it in errors."""
    where = f"Share #{position} you gave"
    hint = (
        "Copy the share again exactly as it was printed "
        "(bw-share-INDEX-KofN-...-CHECK; case and spaces do not matter)."
    )
    cleaned = "".join(text.split()).lower()
    parts = cleaned.split("-")
    if len(parts) < 6 or "-".join(parts[:2]) != _PREFIX:
        raise UnlockError(f"{where} is not a BearWitness custodian share.", hint=hint)
    index_s, kn, *groups, check = parts[2:]
    k_s, sep, n_s = kn.partition("of")
    if not (index_s.isdigit() and k_s.isdigit() and n_s.isdigit() and sep):
        raise UnlockError(f"{where} has a damaged header (expected e.g. 3-3of5).", hint=hint)
    index, k, n = int(index_s), int(k_s), int(n_s)
    body = "".join(groups)
    head = f"{_PREFIX}-{index}-{k}of{n}"
    if check != _checksum(head, body):
        raise UnlockError(
            f"{where} (custodian {index_s}) has a typo: its checksum does not match.", hint=hint
        )
    try:
        payload = base64.b32decode(body.upper() + "=" * (-len(body) % 8))
    except ValueError:
        raise UnlockError(f"{where} (custodian {index}) is damaged.", hint=hint) from None
    if len(payload) != 1 + SLOT_ID_BYTES + KEY_BYTES or payload[0] != SHARE_FORMAT:
        raise UnlockError(
            f"{where} (custodian {index}) is of an unknown format.",
            hint="It may come from a newer BearWitness; upgrade and try again.",
        )
    if not (2 <= k <= n <= MAX_SHARES and 1 <= index <= n):
        raise UnlockError(f"{where} has an impossible header ({index}, {k}of{n}).", hint=hint)
    return Share(
        index=index,
        threshold=k,
        total=n,
        slot_id=payload[1 : 1 + SLOT_ID_BYTES],
        value=payload[1 + SLOT_ID_BYTES :],
    )


def _checksum(head: str, body: str) -> str:
    digest = hashlib.sha256(f"{head}-{body}".encode("ascii", "replace")).digest()
    return base64.b32encode(digest).decode("ascii")[:_CHECK_CHARS].lower()
