from __future__ import annotations

import itertools
import os
import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bearwitness.crypto import ArchiveSecrets, Keyring, create_secrets
from bearwitness.crypto.shares import combine_key, decode_share, encode_share, split_key
from bearwitness.errors import UnlockError

SECRETS = create_secrets()
KEYRING, SHARES = Keyring.create(SECRETS, custodians=(5, 3))


def test_shares_are_self_describing() -> None:
    assert len(SHARES) == 5
    for i, share in enumerate(SHARES, start=1):
        assert share.startswith(f"bw-share-{i}-3of5-")
    assert len(set(SHARES)) == 5


def test_every_k_subset_unlocks_in_any_order() -> None:
    for subset in itertools.combinations(SHARES, 3):
        assert KEYRING.unlock_with_shares(subset) == SECRETS
        assert KEYRING.unlock_with_shares(list(reversed(subset))) == SECRETS
    assert KEYRING.unlock_with_shares(SHARES) == SECRETS  # more than k is fine too


def test_every_k_minus_1_subset_fails() -> None:
    for subset in itertools.combinations(SHARES, 2):
        with pytest.raises(UnlockError, match="Too few shares: 2 given, 3 of 5 needed"):
            KEYRING.unlock_with_shares(subset)


@pytest.mark.parametrize(("n", "k"), [(2, 2), (3, 2), (4, 4), (6, 3)])
def test_raw_shamir_k_rebuilds_and_k_minus_1_does_not(n: int, k: int) -> None:
    key = os.urandom(32)
    shares = split_key(key, n, k)
    assert [i for i, _ in shares] == list(range(1, n + 1))
    for subset in itertools.combinations(shares, k):
        assert combine_key(subset) == key
    for subset in itertools.combinations(shares, k - 1):
        if len(subset) >= 2:  # pycryptodome needs two points to interpolate at all
            assert combine_key(subset) != key


@given(
    index=st.integers(1, 9),
    k=st.integers(2, 9),
    slot=st.binary(min_size=7, max_size=7),
    value=st.binary(min_size=32, max_size=32),
)
def test_share_text_round_trip(index: int, k: int, slot: bytes, value: bytes) -> None:
    n = max(index, k)
    text = encode_share(index, k, n, slot, value)
    for variant in (text, text.upper(), text.replace("-", "-\n  ", 3)):
        share = decode_share(variant, 1)
        assert (share.index, share.threshold, share.total) == (index, k, n)
        assert (share.slot_id, share.value) == (slot, value)


@settings(max_examples=300)
@given(data=st.data())
def test_any_single_typo_is_caught_and_names_the_share(data: st.DataObject) -> None:
    text = SHARES[1]
    positions = [i for i, c in enumerate(text) if c != "-"]
    pos = data.draw(st.sampled_from(positions))
    alphabet = (
        string.ascii_lowercase + "234567"
        if text[pos].isalpha() or text[pos] in "234567"
        else string.digits
    )
    new = data.draw(st.sampled_from([c for c in alphabet if c != text[pos]]))
    typo = text[:pos] + new + text[pos + 1 :]
    with pytest.raises(UnlockError) as info:
        KEYRING.unlock_with_shares([SHARES[0], typo, SHARES[2]])
    assert "Share #2" in info.value.message


def test_swapped_neighbours_are_caught() -> None:
    text = SHARES[0]
    rng = random.Random(7)
    for _ in range(50):
        pos = rng.randrange(16, len(text) - 1)
        if "-" in text[pos : pos + 2] or text[pos] == text[pos + 1]:
            continue
        swapped = text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
        with pytest.raises(UnlockError, match="Share #3"):
            KEYRING.unlock_with_shares([SHARES[1], SHARES[2], swapped])


def test_duplicate_shares_are_named() -> None:
    with pytest.raises(UnlockError, match=r"Shares #1 and #3 .*custodian 2"):
        KEYRING.unlock_with_shares([SHARES[1], SHARES[0], SHARES[1].upper()])


def test_shares_from_another_archive_are_named(secrets: ArchiveSecrets) -> None:
    _, foreign = Keyring.create(secrets, custodians=(5, 3))
    with pytest.raises(UnlockError, match=r"Share #2 .*custodian 4.* another archive"):
        KEYRING.unlock_with_shares([SHARES[0], foreign[3], SHARES[2]])


def test_garbage_is_not_a_share() -> None:
    for junk in ["", "hello", "bw-share-x-3of5-aaaa-bbbb", "bw-share-1-3o5-aaaa-bbbb-cc"]:
        with pytest.raises(UnlockError, match="Share #1"):
            KEYRING.unlock_with_shares([junk, SHARES[1], SHARES[2]])


def test_a_forged_share_with_a_valid_checksum_does_not_unlock() -> None:
    real = decode_share(SHARES[0], 1)
    forged = encode_share(real.index, 3, 5, real.slot_id, bytes(32))
    with pytest.raises(UnlockError, match="do not unlock"):
        KEYRING.unlock_with_shares([forged, SHARES[1], SHARES[2]])


def test_a_share_claiming_another_threshold_is_refused() -> None:
    real = decode_share(SHARES[0], 1)
    relabelled = encode_share(real.index, 2, 5, real.slot_id, real.value)
    with pytest.raises(UnlockError, match="says 2of5"):
        KEYRING.unlock_with_shares([relabelled, SHARES[1]])
