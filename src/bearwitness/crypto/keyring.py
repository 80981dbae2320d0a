"""The archive's keyring (``keyring.json``): public, and useless without an unlock.

It holds the archive's public recipient, the data key age-encrypted to that
recipient, and the unlock slots that each wrap the age identity. Unlocking
opens one slot (passphrase or k custodian shares), which yields the
identity, which opens the data key. Changing the passphrase or re-sharing
replaces a slot; nothing sealed is ever re-encrypted.

Rotating (:meth:`Keyring.rotate`) makes new keys of the next *generation* for
what is written from then on, and new slots for them. The older generations'
identities and data keys are kept, sealed under the new data key (``older``),
so an unlock yields every generation and what they sealed still opens; an old
copy of keyring.json with an old passphrase or old shares yields only the old
generations, never the new one.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pyrage

from bearwitness.crypto.kdf import SALT_BYTES, KdfParams, stretch
from bearwitness.crypto.keys import (
    MAX_GENERATION,
    ArchiveSecrets,
    parse_identity,
    parse_recipient,
)
from bearwitness.crypto.seal import FieldSealer
from bearwitness.crypto.shares import (
    KEY_BYTES,
    MAX_SHARES,
    Share,
    combine_key,
    decode_share,
    encode_share,
    split_key,
)
from bearwitness.crypto.slots import (
    CustodianSlot,
    PassphraseSlot,
    Slot,
    new_slot_id,
    slot_from_dict,
    unwrap,
    wrap,
)
from bearwitness.errors import ArchiveError, InputError, UnlockError

__all__ = ["KdfParams", "Keyring"]

KEYRING_FORMAT = "bearwitness-keyring"
KEYRING_VERSION = 2  # 2 added key generations; version 1 files are read as generation 1
MIN_PASSPHRASE_CHARS = 8
_MALFORMED_HINT = "Restore keyring.json from a backup; without it nobody can unlock."


@dataclass(frozen=True)
class Keyring:
    """The contents of keyring.json. Not secret: every secret in it is wrapped."""

    recipient: str
    sealed_data_key: bytes
    slots: tuple[Slot, ...]
    generation: int = 1
    sealed_older: bytes = b""  # older generations' keys, sealed under this data key

    # -- creating and changing -------------------------------------------------

    @classmethod
    def create(
        cls,
        secrets: ArchiveSecrets,
        *,
        passphrase: str | None = None,
        custodians: tuple[int, int] | None = None,
        kdf_params: KdfParams | None = None,
    ) -> tuple[Keyring, list[str]]:
        """A keyring for ``secrets`` with one slot: a passphrase, or custodians ``(n, k)``.

        Returns the keyring and the custodians' printable shares (empty for a
        passphrase). Add the other kind of slot afterwards with
        :meth:`with_passphrase` or :meth:`reshare`.
        """
        if (passphrase is None) == (custodians is None):
            raise InputError(
                "Give exactly one way to unlock the new archive.",
                hint="Either a passphrase or custodians (n, k); add the other one later.",
            )
        sealed = pyrage.encrypt(secrets.data_key, [parse_recipient(secrets.recipient)])
        bare = cls(recipient=secrets.recipient, sealed_data_key=sealed, slots=())
        if passphrase is not None:
            return bare.with_passphrase(secrets, passphrase, kdf_params), []
        assert custodians is not None
        n, k = custodians
        return bare.reshare(secrets, n, k)

    def with_passphrase(
        self, secrets: ArchiveSecrets, passphrase: str, kdf_params: KdfParams | None = None
    ) -> Keyring:
        """This keyring with its passphrase slot added or replaced."""
        self._check_secrets(secrets)
        self._check_passphrase(passphrase)
        params = kdf_params or KdfParams()
        salt = os.urandom(SALT_BYTES)
        empty = PassphraseSlot(slot_id=new_slot_id(), kdf=params, salt=salt, nonce=b"", wrapped=b"")
        slot = wrap(empty, self.recipient, stretch(passphrase, salt, params), secrets.identity)
        return self._with_slot(slot)

    def reshare(self, secrets: ArchiveSecrets, n: int, k: int) -> tuple[Keyring, list[str]]:
        """This keyring with a new custodian slot (k of n); the old shares stop working."""
        self._check_secrets(secrets)
        self._check_split(n, k)
        slot_key = os.urandom(KEY_BYTES)
        empty = CustodianSlot(slot_id=new_slot_id(), threshold=k, total=n, nonce=b"", wrapped=b"")
        slot = wrap(empty, self.recipient, slot_key, secrets.identity)
        shares = [
            encode_share(i, k, n, slot.slot_id, value) for i, value in split_key(slot_key, n, k)
        ]
        return self._with_slot(slot), shares

    def rotate(
        self,
        secrets: ArchiveSecrets,
        *,
        passphrase: str | None = None,
        custodians: tuple[int, int] | None = None,
        kdf_params: KdfParams | None = None,
    ) -> tuple[Keyring, ArchiveSecrets, list[str]]:
        """A keyring of new keys (the next generation) that still holds these ones.

        Every slot wraps the old identity, so each is made anew: give a new
        ``passphrase`` if this keyring has a passphrase slot and ``custodians``
        ``(n, k)`` if it has a custodian slot (either may be added). Returns the
        keyring, the new secrets and the new custodian shares.
        """
        self._check_secrets(secrets)
        for kind, given in (("passphrase", passphrase), ("custodians", custodians)):
            if kind in self.slot_kinds and given is None:
                raise InputError(
                    f"Rotating makes new keys, so the {kind} slot must be made anew too.",
                    hint="Give a new passphrase and new custodians (n, k) for each way "
                    "this archive unlocks now.",
                )
        if passphrase is not None:  # refuse a bad one before anything is made
            self._check_passphrase(passphrase)
        if custodians is not None:
            self._check_split(*custodians)
        new = secrets.rotated()
        older = json.dumps(new.to_payload()["older"]).encode("ascii")
        bare = Keyring(
            recipient=new.recipient,
            sealed_data_key=pyrage.encrypt(new.data_key, [parse_recipient(new.recipient)]),
            slots=(),
            generation=new.generation,
            sealed_older=FieldSealer(new.data_key, generation=new.generation).seal(
                older, _older_context(new.generation, new.recipient)
            ),
        )
        keyring, shares = bare, list[str]()
        if passphrase is not None:
            keyring = keyring.with_passphrase(new, passphrase, kdf_params)
        if custodians is not None:
            keyring, shares = keyring.reshare(new, *custodians)
        return keyring, new, shares

    def without_slot(self, kind: str) -> Keyring:
        """This keyring without its ``kind`` slot; refuses to remove the last way in."""
        remaining = tuple(s for s in self.slots if s.kind != kind)
        if len(remaining) == len(self.slots):
            raise InputError(f"This archive has no {kind} slot.", hint=self._kinds_hint())
        if not remaining:
            raise InputError(
                f"Refusing to remove the {kind} slot: it is the only way to unlock.",
                hint="Add another slot first (a passphrase or custodians).",
            )
        return replace(self, slots=remaining)

    @property
    def slot_kinds(self) -> tuple[str, ...]:
        """The kinds of unlock this keyring offers: "passphrase", "custodians"."""
        return tuple(s.kind for s in self.slots)

    @property
    def custodian_threshold(self) -> tuple[int, int] | None:
        """``(n, k)`` of the custodian slot, or None."""
        for slot in self.slots:
            if isinstance(slot, CustodianSlot):
                return slot.total, slot.threshold
        return None

    # -- unlocking -------------------------------------------------------------

    def unlock_with_passphrase(self, passphrase: str) -> ArchiveSecrets:
        slot = self._slot(PassphraseSlot)
        identity = unwrap(slot, self.recipient, stretch(passphrase, slot.salt, slot.kdf))
        if identity is None:
            raise UnlockError(
                "Wrong passphrase.",
                hint="Check the keyboard layout and Caps Lock and try again; "
                "or unlock with custodian shares if the archive has them.",
            )
        return self._open(identity)

    def unlock_with_shares(self, shares: Sequence[str]) -> ArchiveSecrets:
        slot = self._slot(CustodianSlot)
        if isinstance(shares, str):
            raise TypeError("unlock_with_shares takes a sequence of shares, not one string")
        parsed = [decode_share(text, pos) for pos, text in enumerate(shares, start=1)]
        seen: dict[int, int] = {}
        for pos, share in enumerate(parsed, start=1):
            self._check_share(slot, share, pos)
            if share.index in seen:
                raise UnlockError(
                    f"Shares #{seen[share.index]} and #{pos} you gave are the same "
                    f"custodian's share (custodian {share.index}).",
                    hint=f"Each of {slot.threshold} different custodians must give their share.",
                )
            seen[share.index] = pos
        if len(parsed) < slot.threshold:
            raise UnlockError(
                f"Too few shares: {len(parsed)} given, {slot.threshold} of {slot.total} needed.",
                hint=f"Ask {slot.threshold - len(parsed)} more custodian(s) for their shares.",
            )
        key = combine_key([(s.index, s.value) for s in parsed])
        identity = unwrap(slot, self.recipient, key)
        if identity is None:
            raise UnlockError(
                "These shares are well formed but do not unlock this archive.",
                hint="One of them was probably altered; try another set of custodians.",
            )
        return self._open(identity)

    # -- the file --------------------------------------------------------------

    def to_json(self) -> str:
        return (
            json.dumps(
                {
                    "format": KEYRING_FORMAT,
                    "version": KEYRING_VERSION,
                    "generation": self.generation,
                    "recipient": self.recipient,
                    "data_key": base64.b64encode(self.sealed_data_key).decode("ascii"),
                    "older": base64.b64encode(self.sealed_older).decode("ascii"),
                    "slots": [s.to_dict() for s in self.slots],
                },
                indent=2,
            )
            + "\n"
        )

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, TypeError, RecursionError):
            raise ArchiveError("keyring.json is not valid JSON.", hint=_MALFORMED_HINT) from None
        if not isinstance(data, dict) or data.get("format") != KEYRING_FORMAT:
            raise ArchiveError("This is not a BearWitness keyring.", hint=_MALFORMED_HINT)
        version = data.get("version")
        if type(version) is not int or version not in (1, KEYRING_VERSION):
            raise ArchiveError(
                f"keyring.json has version {str(data.get('version'))[:20]}; "
                f"this BearWitness reads version {KEYRING_VERSION}.",
                hint="Use the BearWitness version that wrote this archive, or a newer one.",
            )
        expected = {"format", "version", "recipient", "data_key", "slots"}
        if version >= 2:
            expected |= {"generation", "older"}
        if set(data) != expected:
            raise ArchiveError("keyring.json has unexpected or missing keys.", hint=_MALFORMED_HINT)
        recipient, sealed, raw_slots = data["recipient"], data["data_key"], data["slots"]
        generation, older = data.get("generation", 1), data.get("older", "")
        if not isinstance(recipient, str) or not isinstance(sealed, str):
            raise ArchiveError(
                "keyring.json is malformed: recipient or data_key.", hint=_MALFORMED_HINT
            )
        if (
            type(generation) is not int
            or not 1 <= generation <= MAX_GENERATION
            or not isinstance(older, str)
            or (generation > 1) != bool(older)
        ):
            raise ArchiveError(
                "keyring.json is malformed: generation or older.", hint=_MALFORMED_HINT
            )
        parse_recipient(recipient)
        try:
            sealed_bytes = base64.b64decode(sealed, validate=True)
            older_bytes = base64.b64decode(older, validate=True)
        except (binascii.Error, ValueError):
            raise ArchiveError(
                "keyring.json is malformed: data_key or older is not base64.", hint=_MALFORMED_HINT
            ) from None
        if not isinstance(raw_slots, list) or not raw_slots:
            raise ArchiveError("keyring.json has no unlock slots.", hint=_MALFORMED_HINT)
        slots = tuple(slot_from_dict(s) for s in raw_slots)
        kinds = [s.kind for s in slots]
        if len(set(kinds)) != len(kinds):
            raise ArchiveError("keyring.json has two slots of the same kind.", hint=_MALFORMED_HINT)
        return cls(
            recipient=recipient,
            sealed_data_key=sealed_bytes,
            slots=slots,
            generation=generation,
            sealed_older=older_bytes,
        )

    # -- inside ----------------------------------------------------------------

    def _open(self, identity: str) -> ArchiveSecrets:
        parsed = parse_identity(identity)
        if str(parsed.to_public()) != self.recipient:
            raise ArchiveError(
                "The keyring's slot holds another archive's identity.", hint=_MALFORMED_HINT
            )
        try:
            data_key = pyrage.decrypt(self.sealed_data_key, [parsed])
        except pyrage.DecryptError:
            raise ArchiveError(
                "The keyring's data key does not open with its own identity.", hint=_MALFORMED_HINT
            ) from None
        older: list[Any] = []
        if self.generation > 1:
            opened = FieldSealer(data_key, generation=self.generation).open(
                self.sealed_older,
                _older_context(self.generation, self.recipient),
                what="keyring.json's older keys",
            )
            older = json.loads(opened)
        secrets = ArchiveSecrets.from_payload(
            {
                "identity": identity,
                "data_key": base64.b64encode(data_key).decode("ascii"),
                "generation": self.generation,
                "older": older,
            }
        )
        if sorted(secrets.data_keys) != list(range(1, self.generation + 1)):
            raise ArchiveError(
                "keyring.json lacks the keys of some older generation.", hint=_MALFORMED_HINT
            )
        return secrets

    @staticmethod
    def _check_passphrase(passphrase: str) -> None:
        if len(passphrase) < MIN_PASSPHRASE_CHARS:
            raise InputError(
                f"The passphrase is too short (fewer than {MIN_PASSPHRASE_CHARS} characters).",
                hint="Use several random words; anyone who seizes the archive can guess offline.",
            )

    @staticmethod
    def _check_split(n: int, k: int) -> None:
        if not (2 <= k <= n <= MAX_SHARES):
            raise InputError(
                f"Cannot split among {n} custodians with {k} needed.",
                hint=f"Use 2 <= k <= n <= {MAX_SHARES}: one custodian alone must never unlock.",
            )

    def _check_secrets(self, secrets: ArchiveSecrets) -> None:
        if secrets.recipient != self.recipient or secrets.generation != self.generation:
            raise UnlockError(
                "These keys belong to another archive, or to an older "
                "generation of this one's keys.",
                hint="Unlock this archive and try again.",
            )
        if self.sealed_data_key and not hmac.compare_digest(
            self._open(secrets.identity).data_key, secrets.data_key
        ):
            raise UnlockError(
                "These keys do not match this archive's data key.",
                hint="Unlock this archive and try again.",
            )

    def _with_slot(self, slot: Slot) -> Keyring:
        others = tuple(s for s in self.slots if s.kind != slot.kind)
        return replace(self, slots=(*others, slot))

    def _slot(self, kind: type[Any]) -> Any:
        for slot in self.slots:
            if isinstance(slot, kind):
                return slot
        raise UnlockError(
            f"This archive cannot be unlocked with a {kind.kind}.", hint=self._kinds_hint()
        )

    def _kinds_hint(self) -> str:
        return "It can be unlocked with: " + ", ".join(self.slot_kinds) + "."

    @staticmethod
    def _check_share(slot: CustodianSlot, share: Share, pos: int) -> None:
        if share.slot_id != slot.slot_id:
            raise UnlockError(
                f"Share #{pos} you gave (custodian {share.index}) belongs to another archive "
                "or to an earlier sharing that has been replaced.",
                hint="Ask the custodians for their current shares of this archive.",
            )
        if (share.threshold, share.total) != (slot.threshold, slot.total):
            raise UnlockError(
                f"Share #{pos} you gave says {share.threshold}of{share.total}, but this "
                f"archive's custodian slot is {slot.threshold}of{slot.total}.",
                hint="Ask the custodians for their current shares of this archive.",
            )


def _older_context(generation: int, recipient: str) -> bytes:
    """What the older generations' keys are bound to: this generation and its recipient."""
    return f"keyring:older:g{generation}:{recipient}".encode("ascii")
