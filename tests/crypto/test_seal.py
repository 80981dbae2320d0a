from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bearwitness.crypto import (
    ArchiveSecrets,
    FieldSealer,
    create_secrets,
    open_with_identity,
    seal_for_recipient,
)
from bearwitness.crypto.seal import OVERHEAD
from bearwitness.errors import TamperedError

KEY = create_secrets()
SEALER = FieldSealer(KEY.data_key)
WHAT = "person P-0042, field name"


@given(plaintext=st.binary(max_size=4096), context=st.binary(max_size=64))
def test_seal_open_round_trip(plaintext: bytes, context: bytes) -> None:
    sealed = SEALER.seal(plaintext, context)
    assert len(sealed) == len(plaintext) + OVERHEAD
    assert SEALER.open(sealed, context, what=WHAT) == plaintext


def test_same_value_seals_differently_each_time() -> None:
    assert SEALER.seal(b"Zelimkhan", b"c") != SEALER.seal(b"Zelimkhan", b"c")


def test_wrong_context_fails_naming_the_record_not_the_plaintext() -> None:
    sealed = SEALER.seal(b"FICTIONAL Adam Testov", b"person:P-0042:name:v3")
    with pytest.raises(TamperedError) as info:
        SEALER.open(sealed, b"person:P-0043:name:v3", what=WHAT)
    assert WHAT in info.value.message
    assert "failed authentication" in info.value.message
    assert "Testov" not in info.value.diagnostics()


def test_wrong_key_fails() -> None:
    sealed = SEALER.seal(b"x", b"c")
    with pytest.raises(TamperedError, match="P-0042"):
        FieldSealer(create_secrets().data_key).open(sealed, b"c", what=WHAT)


@settings(max_examples=200)
@given(data=st.data())
def test_any_flipped_bit_is_detected(data: st.DataObject) -> None:
    sealed = bytearray(SEALER.seal(b"FICTIONAL narrative", b"doc:D-1:text:v1"))
    pos = data.draw(st.integers(0, len(sealed) - 1))
    bit = data.draw(st.integers(0, 7))
    sealed[pos] ^= 1 << bit
    with pytest.raises(TamperedError, match="D-1"):
        SEALER.open(bytes(sealed), b"doc:D-1:text:v1", what="document D-1, field text")


@pytest.mark.parametrize("cut", [0, 1, 10, OVERHEAD - 1])
def test_truncated_values_are_detected(cut: int) -> None:
    sealed = SEALER.seal(b"abc", b"c")
    with pytest.raises(TamperedError):
        SEALER.open(sealed[:cut], b"c", what=WHAT)


def test_sealer_needs_a_32_byte_key_and_hides_it() -> None:
    with pytest.raises(ValueError):
        FieldSealer(b"k" * 16)
    assert KEY.data_key.hex()[:8] not in repr(SEALER)


@given(plaintext=st.binary(max_size=2048))
@settings(max_examples=25)
def test_recipient_round_trip(plaintext: bytes) -> None:
    sealed = seal_for_recipient(plaintext, KEY.recipient)
    assert open_with_identity(sealed, KEY.identity, what="submission S-1") == plaintext


def test_recipient_sealed_value_needs_the_right_identity(secrets: ArchiveSecrets) -> None:
    sealed = seal_for_recipient(b"FICTIONAL submission", KEY.recipient)
    with pytest.raises(TamperedError, match="submission S-7"):
        open_with_identity(sealed, secrets.identity, what="submission S-7")
    damaged = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(TamperedError, match="submission S-7"):
        open_with_identity(damaged, KEY.identity, what="submission S-7")


def test_values_sealed_before_key_generations_existed_still_open() -> None:
    # The format before rotation: 0x01 || nonce || XChaCha20-Poly1305(ad = context alone).
    from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt

    nonce = bytes(range(24))
    legacy = (
        b"\x01"
        + nonce
        + crypto_aead_xchacha20poly1305_ietf_encrypt(
            b"FICTIONAL", b"person:P-1:v1:fields", nonce, KEY.data_key
        )
    )
    assert SEALER.open(legacy, b"person:P-1:v1:fields", what=WHAT) == b"FICTIONAL"
    rotated = FieldSealer.for_secrets(KEY.rotated())
    assert rotated.open(legacy, b"person:P-1:v1:fields", what=WHAT) == b"FICTIONAL"


def test_each_generation_opens_under_its_own_key_and_the_generation_is_authenticated() -> None:
    newer = KEY.rotated()
    sealer = FieldSealer.for_secrets(newer)
    old, new = SEALER.seal(b"old", b"c"), sealer.seal(b"new", b"c")
    assert (old[1:3], new[1:3]) == (b"\x00\x01", b"\x00\x02")
    assert sealer.open(old, b"c", what=WHAT) == b"old"
    assert sealer.open(new, b"c", what=WHAT) == b"new"
    with pytest.raises(TamperedError, match="generation 2, which this unlock does not hold"):
        SEALER.open(new, b"c", what=WHAT)
    relabelled = old[:1] + b"\x00\x02" + old[3:]  # claims the other generation
    with pytest.raises(TamperedError, match="failed authentication"):
        sealer.open(relabelled, b"c", what=WHAT)
    with pytest.raises(TamperedError, match="not a sealed value of a known format"):
        sealer.open(old[:1] + b"\x00\x00" + old[3:], b"c", what=WHAT)
