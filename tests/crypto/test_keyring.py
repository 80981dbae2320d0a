from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bearwitness.crypto import ArchiveSecrets, FieldSealer, KdfParams, Keyring, create_secrets
from bearwitness.errors import ArchiveError, InputError, TamperedError, UnlockError

from .conftest import PASSPHRASE


def _keyring(secrets: ArchiveSecrets, kdf: KdfParams) -> Keyring:
    keyring, shares = Keyring.create(secrets, passphrase=PASSPHRASE, kdf_params=kdf)
    assert shares == []
    return keyring


def test_passphrase_unlock_round_trips_through_json(
    secrets: ArchiveSecrets, cheap_kdf: KdfParams
) -> None:
    keyring = _keyring(secrets, cheap_kdf)
    text = keyring.to_json()
    assert secrets.identity not in text and secrets.data_key.hex() not in text
    reread = Keyring.from_json(text)
    assert reread == keyring
    assert reread.slot_kinds == ("passphrase",)
    assert reread.unlock_with_passphrase(PASSPHRASE) == secrets


def test_defaults_are_production_strength() -> None:
    params = KdfParams()
    assert (params.time_cost, params.memory_kib, params.parallelism) == (3, 64 * 1024, 2)


def test_default_params_are_stored_and_used(secrets: ArchiveSecrets) -> None:
    keyring, _ = Keyring.create(secrets, passphrase=PASSPHRASE)
    slot = json.loads(keyring.to_json())["slots"][0]
    assert slot["kdf"] == {"alg": "argon2id", "t": 3, "m_kib": 65536, "p": 2}
    assert keyring.unlock_with_passphrase(PASSPHRASE) == secrets


def test_wrong_passphrase_fails_and_changes_nothing(
    secrets: ArchiveSecrets, cheap_kdf: KdfParams
) -> None:
    keyring = _keyring(secrets, cheap_kdf)
    before = keyring.to_json()
    for wrong in ["", PASSPHRASE.upper(), PASSPHRASE + " ", "violet anchor seven"]:
        with pytest.raises(UnlockError, match="Wrong passphrase") as info:
            keyring.unlock_with_passphrase(wrong)
        assert info.value.hint
    assert keyring.to_json() == before
    assert keyring.unlock_with_passphrase(PASSPHRASE) == secrets


def test_passphrase_is_unicode_normalised(secrets: ArchiveSecrets, cheap_kdf: KdfParams) -> None:
    composed = "пароль ёлка café 2019"
    keyring, _ = Keyring.create(secrets, passphrase=composed, kdf_params=cheap_kdf)
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert keyring.unlock_with_passphrase(decomposed) == secrets


def test_exactly_one_way_to_unlock_at_creation(
    secrets: ArchiveSecrets, cheap_kdf: KdfParams
) -> None:
    with pytest.raises(InputError, match="exactly one"):
        Keyring.create(secrets)
    with pytest.raises(InputError, match="exactly one"):
        Keyring.create(secrets, passphrase=PASSPHRASE, custodians=(3, 2), kdf_params=cheap_kdf)


@pytest.mark.parametrize(("n", "k"), [(3, 1), (2, 3), (1, 1), (256, 2), (0, 0)])
def test_bad_custodian_counts_are_refused(secrets: ArchiveSecrets, n: int, k: int) -> None:
    with pytest.raises(InputError, match="custodians"):
        Keyring.create(secrets, custodians=(n, k))


def test_short_passphrase_is_refused(secrets: ArchiveSecrets, cheap_kdf: KdfParams) -> None:
    with pytest.raises(InputError, match="too short"):
        Keyring.create(secrets, passphrase="1234567", kdf_params=cheap_kdf)


def test_unlocking_a_kind_the_keyring_lacks(secrets: ArchiveSecrets, cheap_kdf: KdfParams) -> None:
    with pytest.raises(UnlockError, match="custodian") as info:
        _keyring(secrets, cheap_kdf).unlock_with_shares(["a", "b"])
    assert "passphrase" in info.value.hint
    keyring, _ = Keyring.create(secrets, custodians=(3, 2))
    with pytest.raises(UnlockError, match="passphrase"):
        keyring.unlock_with_passphrase(PASSPHRASE)


def test_both_slots_and_changing_the_passphrase(
    secrets: ArchiveSecrets, cheap_kdf: KdfParams
) -> None:
    keyring, shares = Keyring.create(secrets, custodians=(3, 2))
    keyring = keyring.with_passphrase(secrets, PASSPHRASE, cheap_kdf)
    assert keyring.slot_kinds == ("custodians", "passphrase")
    changed = keyring.with_passphrase(secrets, "a completely new passphrase", cheap_kdf)
    assert changed.slot_kinds == ("custodians", "passphrase")
    with pytest.raises(UnlockError):
        changed.unlock_with_passphrase(PASSPHRASE)
    assert changed.unlock_with_passphrase("a completely new passphrase") == secrets
    assert changed.unlock_with_shares(shares[:2]) == secrets
    assert changed.sealed_data_key == keyring.sealed_data_key


def test_reshare_keeps_records_readable_and_retires_old_shares(
    secrets: ArchiveSecrets,
) -> None:
    keyring, old_shares = Keyring.create(secrets, custodians=(5, 3))
    sealed = FieldSealer(secrets.data_key).seal(b"FICTIONAL name", b"person:P-1:name:v1")

    unlocked = keyring.unlock_with_shares(old_shares[:3])
    reshared, new_shares = keyring.reshare(unlocked, 4, 2)
    reshared = Keyring.from_json(reshared.to_json())
    assert reshared.custodian_threshold == (4, 2)
    assert reshared.sealed_data_key == keyring.sealed_data_key

    again = reshared.unlock_with_shares(new_shares[2:])
    assert again == secrets
    assert FieldSealer(again.data_key).open(sealed, b"person:P-1:name:v1", what="P-1") == (
        b"FICTIONAL name"
    )
    with pytest.raises(UnlockError, match="earlier sharing"):
        reshared.unlock_with_shares(old_shares[:3])
    with pytest.raises(UnlockError, match="earlier sharing"):
        reshared.unlock_with_shares([new_shares[0], old_shares[1]])


def test_changing_slots_needs_this_archives_keys(
    secrets: ArchiveSecrets, cheap_kdf: KdfParams
) -> None:
    keyring = _keyring(secrets, cheap_kdf)
    other = create_secrets()
    with pytest.raises(UnlockError, match="another archive"):
        keyring.reshare(other, 3, 2)
    mixed = ArchiveSecrets(identity=secrets.identity, data_key=other.data_key)
    with pytest.raises(UnlockError, match="data key"):
        keyring.with_passphrase(mixed, "another long passphrase", cheap_kdf)


def test_without_slot_keeps_at_least_one(secrets: ArchiveSecrets, cheap_kdf: KdfParams) -> None:
    keyring = _keyring(secrets, cheap_kdf)
    with pytest.raises(InputError, match="only way"):
        keyring.without_slot("passphrase")
    both, shares = keyring.reshare(secrets, 3, 2)
    only_custodians = both.without_slot("passphrase")
    assert only_custodians.slot_kinds == ("custodians",)
    assert only_custodians.unlock_with_shares(shares[1:]) == secrets


# -- keyring.json parsing and tampering -------------------------------------------------


def _doc(secrets: ArchiveSecrets, kdf: KdfParams) -> dict[str, Any]:
    keyring, _ = Keyring.create(secrets, custodians=(3, 2))
    doc: dict[str, Any] = json.loads(keyring.with_passphrase(secrets, PASSPHRASE, kdf).to_json())
    return doc


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(version=3),
        lambda d: d.update(version=True),
        lambda d: d.update(version=1),  # a version 1 file has no generation nor older
        lambda d: d.pop("older"),
        lambda d: d.update(generation=0),
        lambda d: d.update(generation=2),  # a later generation without its older keys
        lambda d: d.update(generation="1"),
        lambda d: d.update(older="not base64!"),
        lambda d: d.update(format="something-else"),
        lambda d: d.update(extra=1),
        lambda d: d.pop("slots"),
        lambda d: d.update(slots=[]),
        lambda d: d.update(data_key="not base64!"),
        lambda d: d.update(recipient="age1nope"),
        lambda d: d["slots"].append(d["slots"][0]),
        lambda d: d["slots"][0].update(kind="fingerprint"),
        lambda d: d["slots"][0].update(k=1),
        lambda d: d["slots"][0].update(k="2"),
        lambda d: d["slots"][0].pop("nonce"),
        lambda d: d["slots"][0].update(nonce="AAAA"),
        lambda d: d["slots"][0].update(id="zz" * 7),
        lambda d: d["slots"][1].update(kdf={"alg": "scrypt", "t": 1, "m_kib": 8, "p": 1}),
        lambda d: d["slots"][1]["kdf"].update(m_kib=2**40),
        lambda d: d["slots"][1]["kdf"].update(t=True),
        lambda d: d["slots"][1].update(extra="x"),
    ],
)
def test_malformed_keyring_files_are_refused(
    secrets: ArchiveSecrets, cheap_kdf: KdfParams, mutate: Any
) -> None:
    doc = _doc(secrets, cheap_kdf)
    mutate(doc)
    with pytest.raises(ArchiveError):
        Keyring.from_json(json.dumps(doc))


@pytest.mark.parametrize("text", ["", "{", "[]", "null", '"keyring"', "\x00"])
def test_not_a_keyring_at_all(text: str) -> None:
    with pytest.raises(ArchiveError):
        Keyring.from_json(text)


@settings(max_examples=50, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text_raises_only_archive_error(text: str) -> None:
    with pytest.raises(ArchiveError):
        Keyring.from_json(text)


def test_edited_slot_metadata_makes_the_slot_fail_not_weaken(
    secrets: ArchiveSecrets, cheap_kdf: KdfParams
) -> None:
    doc = _doc(secrets, cheap_kdf)
    doc["slots"][1]["kdf"]["t"] = 2  # an attacker "downgrading" stored parameters
    with pytest.raises(UnlockError, match="Wrong passphrase"):
        Keyring.from_json(json.dumps(doc)).unlock_with_passphrase(PASSPHRASE)


def test_a_swapped_data_key_is_detected(secrets: ArchiveSecrets, cheap_kdf: KdfParams) -> None:
    doc = _doc(secrets, cheap_kdf)
    other = json.loads(_keyring(create_secrets(), cheap_kdf).to_json())
    doc["data_key"] = other["data_key"]
    with pytest.raises(ArchiveError, match="data key"):
        Keyring.from_json(json.dumps(doc)).unlock_with_passphrase(PASSPHRASE)


NEW_PASSPHRASE = "copper lantern quietly drifting"


def test_an_old_keyring_and_passphrase_cannot_open_what_is_sealed_after_rotation(
    secrets: ArchiveSecrets, cheap_kdf: KdfParams
) -> None:
    import pyrage

    from bearwitness.crypto.keys import parse_identities, parse_recipient

    old_json = _keyring(secrets, cheap_kdf).to_json()  # a backup, taken before
    keyring = Keyring.from_json(old_json)
    before = FieldSealer.for_secrets(secrets).seal(b"FICTIONAL before", b"person:P-1:v1:fields")
    rotated, new, shares = keyring.rotate(secrets, passphrase=NEW_PASSPHRASE, kdf_params=cheap_kdf)
    assert shares == [] and new.generation == 2 and new.recipient != secrets.recipient
    after = FieldSealer.for_secrets(new).seal(b"FICTIONAL after", b"person:P-2:v1:fields")
    file_after = pyrage.encrypt(b"FICTIONAL evidence", [parse_recipient(new.recipient)])

    # Whoever kept the old keyring.json and learnt the old passphrase:
    stolen = Keyring.from_json(old_json).unlock_with_passphrase(PASSPHRASE)
    with pytest.raises(TamperedError, match="generation 2, which this unlock does not hold"):
        FieldSealer.for_secrets(stolen).open(after, b"person:P-2:v1:fields", what="P-2")
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(file_after, parse_identities(stolen.identities))
    with pytest.raises(UnlockError, match="Wrong passphrase"):  # nor the new keyring
        Keyring.from_json(rotated.to_json()).unlock_with_passphrase(PASSPHRASE)

    # The new unlock opens every generation.
    opened = Keyring.from_json(rotated.to_json()).unlock_with_passphrase(NEW_PASSPHRASE)
    assert opened == new and opened.generations_held() == [1, 2]
    sealer = FieldSealer.for_secrets(opened)
    assert sealer.open(before, b"person:P-1:v1:fields", what="P-1") == b"FICTIONAL before"
    assert sealer.open(after, b"person:P-2:v1:fields", what="P-2") == b"FICTIONAL after"
    assert pyrage.decrypt(file_after, parse_identities(opened.identities)) == (
        b"FICTIONAL evidence"
    )
    assert opened.subkey("search-index", generation=1) == secrets.subkey("search-index")
    assert opened.subkey("search-index") != secrets.subkey("search-index")


def test_rotation_remakes_every_slot_and_needs_the_current_keys(
    secrets: ArchiveSecrets, cheap_kdf: KdfParams
) -> None:
    both = _keyring(secrets, cheap_kdf)
    both, old_shares = both.reshare(secrets, 3, 2)
    with pytest.raises(InputError, match="custodians slot must be made anew"):
        both.rotate(secrets, passphrase=NEW_PASSPHRASE, kdf_params=cheap_kdf)
    with pytest.raises(InputError, match="too short"):
        both.rotate(secrets, passphrase="short", custodians=(3, 2))
    rotated, new, shares = both.rotate(
        secrets, passphrase=NEW_PASSPHRASE, custodians=(4, 3), kdf_params=cheap_kdf
    )
    assert rotated.slot_kinds == ("passphrase", "custodians") and len(shares) == 4
    assert rotated.unlock_with_shares(shares[1:]) == new
    with pytest.raises(UnlockError, match="earlier sharing"):
        rotated.unlock_with_shares(old_shares[:2])
    with pytest.raises(UnlockError, match="older generation"):  # retired keys rotate nothing
        rotated.rotate(secrets, passphrase=NEW_PASSPHRASE, custodians=(3, 2))
    third, newest, _ = rotated.rotate(
        new, passphrase=PASSPHRASE, custodians=(3, 2), kdf_params=cheap_kdf
    )
    reread = Keyring.from_json(third.to_json()).unlock_with_passphrase(PASSPHRASE)
    assert reread == newest and reread.generations_held() == [1, 2, 3]
    assert reread.data_key_of(1) == secrets.data_key and reread.data_key_of(2) == new.data_key


def test_a_keyring_written_before_rotation_existed_still_unlocks(
    secrets: ArchiveSecrets, cheap_kdf: KdfParams
) -> None:
    doc = json.loads(_keyring(secrets, cheap_kdf).to_json())
    del doc["generation"], doc["older"]
    doc["version"] = 1
    assert Keyring.from_json(json.dumps(doc)).unlock_with_passphrase(PASSPHRASE) == secrets


def test_the_older_keys_cannot_be_swapped_between_keyrings(
    secrets: ArchiveSecrets, cheap_kdf: KdfParams
) -> None:
    rotated, _, _ = _keyring(secrets, cheap_kdf).rotate(
        secrets, passphrase=NEW_PASSPHRASE, kdf_params=cheap_kdf
    )
    other = create_secrets()
    foreign, _, _ = _keyring(other, cheap_kdf).rotate(
        other, passphrase=NEW_PASSPHRASE, kdf_params=cheap_kdf
    )
    doc = json.loads(rotated.to_json())
    doc["older"] = json.loads(foreign.to_json())["older"]
    with pytest.raises(TamperedError):
        Keyring.from_json(json.dumps(doc)).unlock_with_passphrase(NEW_PASSPHRASE)
