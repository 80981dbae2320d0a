"""Replies to an anonymous source, sealed to a key that only the source's receipt code yields.

The intake shows a source a random receipt code once. From the code come an
X25519 key pair (the public half travels, sealed, with the submission) and a
box id (a hash of the public key). The team seals replies to the public key;
the intake files them under the box id. Only someone holding the code can
find and open them; a seized server links no reply to any submission.
"""

from __future__ import annotations

import hashlib
import secrets

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from bearwitness.errors import InputError, TamperedError

_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: easy to copy by hand
CODE_GROUPS = 5
GROUP_CHARS = 4


def new_receipt_code() -> str:
    """A random code of 20 characters (about 98 bits) in groups: ``ABCD-EFGH-...``."""
    chars = [secrets.choice(_ALPHABET) for _ in range(CODE_GROUPS * GROUP_CHARS)]
    return "-".join("".join(chars[i : i + GROUP_CHARS]) for i in range(0, len(chars), GROUP_CHARS))


def normalise_code(code: str) -> str:
    """The code as issued, from what a person typed (case, spaces and dashes forgiven)."""
    plain = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(plain) != CODE_GROUPS * GROUP_CHARS or any(ch not in _ALPHABET for ch in plain):
        raise InputError(
            "that is not a receipt code",
            hint="Type the code exactly as it was shown (like ABCD-EFGH-JKMN-PQRS-TVWX).",
        )
    return "-".join(plain[i : i + GROUP_CHARS] for i in range(0, len(plain), GROUP_CHARS))


def _private_key(code: str) -> PrivateKey:
    seed = hashlib.blake2b(
        normalise_code(code).encode(), digest_size=32, person=b"bw-reply-key"
    ).digest()
    return PrivateKey(seed)


def reply_public_key(code: str) -> str:
    """The public key (hex) replies to this code's holder are sealed to."""
    return bytes(_private_key(code).public_key).hex()


def reply_box(public_key_hex: str) -> str:
    """Where replies sealed to ``public_key_hex`` are filed (a hash: links nothing)."""
    return hashlib.blake2b(
        _public_key(public_key_hex).encode(), digest_size=32, person=b"bw-reply-box"
    ).hexdigest()


def seal_reply(text: str, public_key_hex: str) -> bytes:
    return bytes(SealedBox(_public_key(public_key_hex)).encrypt(text.encode()))


def open_reply(sealed: bytes, code: str) -> str:
    try:
        return bytes(SealedBox(_private_key(code)).decrypt(sealed)).decode()
    except CryptoError:
        raise TamperedError(
            "a reply failed authentication", hint="It was altered; ask the team to send it again."
        ) from None


def _public_key(public_key_hex: str) -> PublicKey:
    try:
        raw = bytes.fromhex(public_key_hex)
        if len(raw) != 32:
            raise ValueError
    except ValueError:
        raise InputError(
            "that is not a reply key", hint="Reply from the submission's page."
        ) from None
    return PublicKey(raw)
