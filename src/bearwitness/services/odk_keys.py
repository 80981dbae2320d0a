"""The archive's RSA key pair for ODK forms (``odk-key.json``): public, and useless locked.

ODK encrypts each submission on the phone to an RSA public key that the form carries
(``base64RsaPublicKey``). The archive's pair is made by ``init`` (or, for an archive made
before, by ``bearwitness odk key ARCHIVE``, logged). Its public half is in the clear in
``odk-key.json``, for the intake to publish in forms; the private half is sealed to the
archive's age recipient, as the data key is in ``keyring.json``, so only an unlock opens it.

``keys rotate`` makes a new pair as well (:func:`rotate`): forms published from then on
carry the new public key (and a new form version, so phones download them again), its
private half sealed to the new generation's recipient. The old pairs stay in the file, as
``previous``, each sealed as it was: what phones encrypted to an old key before they got
the new form still opens at unlock, which yields every generation's identity.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from bearwitness.crypto import odk
from bearwitness.crypto.seal import open_with_identity, seal_for_recipient
from bearwitness.errors import ArchiveError, InputError, Phrase
from bearwitness.services import _ledger
from bearwitness.services.archive import Archive

KEY_FILE = "odk-key.json"
FORMAT = "bearwitness-odk-key"
_DAMAGED_HINT = Phrase(
    "Restore odk-key.json from a backup, or make a new key with `bearwitness odk key`."
)


def create(archive: Archive, *, replace: bool = False, log: bool = True) -> str:
    """Make the archive's ODK key pair, logged (not at ``init``, which logs nothing: the key
    is then part of the archive as made); returns the public key (base64 DER).

    Refuses when there is one already unless ``replace``; the pairs it replaces are kept
    (``previous``), since phones still send what only they open.
    """
    path = archive.folder / KEY_FILE
    if path.exists() and not replace:
        raise InputError(
            Phrase("this archive has an ODK key already"),
            hint=Phrase(
                "Forms carry its public half; a new one would strand what phones still hold."
            ),
        )
    public = _store(archive, _new_pair(archive), _kept(archive.folder))
    if log:
        _ledger.record_event(archive, "odk_key", {"public_key_sha256": fingerprint(public)})
    return public


def rotate(archive: Archive) -> str | None:
    """A new key pair for forms from now on (after ``keys rotate``: sealed to the new
    recipient); the old ones kept as ``previous``. Logged; None if the archive has no ODK
    key (nothing is published, nothing to rotate)."""
    archive.require_secrets()
    data = _read(archive.folder)
    if data is None:
        return None
    previous = _kept(archive.folder)
    public = _store(archive, _new_pair(archive), previous)
    _ledger.record_event(
        archive,
        "odk_key",
        {
            "public_key_sha256": fingerprint(public),
            "generation": str(len(previous) + 1),
            "replaces": fingerprint(data["public_key"]),
        },
    )
    return public


def _kept(folder: Path) -> list[dict[str, str]]:
    """The pairs a new one replaces, newest first: the current one and its ``previous``."""
    data = _read(folder)
    if data is None:
        return []
    current = {"public_key": data["public_key"], "private_key": data["private_key"]}
    return [current, *data["previous"]]


def _new_pair(archive: Archive) -> dict[str, str]:
    private = odk.new_key_pair()
    sealed = seal_for_recipient(odk.private_der(private), archive.recipient)
    return {
        "public_key": odk.public_key_base64(private.public_key()),
        "private_key": base64.b64encode(sealed).decode("ascii"),
    }


def _store(archive: Archive, pair: dict[str, str], previous: list[dict[str, str]]) -> str:
    path = archive.folder / KEY_FILE
    text = json.dumps(
        {"format": FORMAT, "version": 2, **pair, "previous": previous}
        if previous
        else {"format": FORMAT, "version": 1, **pair},
        indent=2,
    )
    temporary = path.with_name(f".{KEY_FILE}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    return pair["public_key"]


def fingerprint(public: str) -> str:
    return hashlib.sha256(base64.b64decode(public)).hexdigest()


def generation(folder: Path) -> int:
    """1 for the archive's first ODK key, one more after each rotation (0: no key)."""
    data = _read(folder)
    return 0 if data is None else 1 + len(data["previous"])


def public_keys(folder: Path) -> list[str]:
    """Every public key forms were published with: the current one first."""
    data = _read(folder)
    if data is None:
        return []
    return [data["public_key"], *(pair["public_key"] for pair in data["previous"])]


def _read(folder: Path) -> dict[str, Any] | None:
    path = folder / KEY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        raise ArchiveError(
            Phrase("%(file)s cannot be read", file=KEY_FILE), hint=_DAMAGED_HINT
        ) from None
    if (
        not isinstance(data, dict)
        or data.get("format") != FORMAT
        or not isinstance(data.get("public_key"), str)
        or not isinstance(data.get("private_key"), str)
        or not isinstance(data.setdefault("previous", []), list)
        or not all(
            isinstance(pair, dict)
            and isinstance(pair.get("public_key"), str)
            and isinstance(pair.get("private_key"), str)
            for pair in data["previous"]
        )
    ):
        raise ArchiveError(Phrase("%(file)s is malformed", file=KEY_FILE), hint=_DAMAGED_HINT)
    return data


def public_key(folder: Path) -> str | None:
    """The public key a form carries (base64 DER SubjectPublicKeyInfo), or None."""
    data = _read(folder)
    return None if data is None else str(data["public_key"])


def private_key(archive: Archive) -> rsa.RSAPrivateKey:
    """The current private key, opened with the unlock's identities (every generation's)."""
    return private_keys(archive)[0]


def private_keys(archive: Archive) -> list[rsa.RSAPrivateKey]:
    """Every private key, the current one first, then those before each rotation."""
    secrets = archive.require_secrets()
    data = _read(archive.folder)
    if data is None:
        raise ArchiveError(
            Phrase("this archive has no ODK key"),
            hint=Phrase("Make one with `bearwitness odk key ARCHIVE`."),
        )
    keys = []
    for pair in [data, *data["previous"]]:
        try:
            sealed = base64.b64decode(pair["private_key"], validate=True)
        except (binascii.Error, ValueError):
            raise ArchiveError(
                Phrase("%(file)s is malformed", file=KEY_FILE), hint=_DAMAGED_HINT
            ) from None
        der = open_with_identity(sealed, secrets.identities, what=f"the key in {KEY_FILE}")
        key = odk.load_private(der, checked_by_round_trip=True)
        if odk.public_key_base64(key.public_key()) != pair["public_key"]:
            raise ArchiveError(
                Phrase("%(file)s's two halves do not match", file=KEY_FILE), hint=_DAMAGED_HINT
            )
        keys.append(key)
    return keys
