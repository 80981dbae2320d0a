"""Signed notes, checkpoints and cosignatures against the C2SP examples."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bearwitness.errors import InputError, VerificationError
from bearwitness.tlog import merkle
from bearwitness.tlog.checkpoint import (
    Checkpoint,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from bearwitness.tlog.cosignature import (
    CosignatureSigner,
    add_cosignatures,
    parse_witness_key,
    witness_request,
)
from bearwitness.tlog.note import (
    NoteSigner,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
    verify_note,
)

SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
).encode()
LOG_VKEY = "example.org/log+8f13f9e4+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c"
CHECKPOINT_EXAMPLE = (
    "example.org/log\n3\nw2UeVBcUxT1kjsx7rsp/4sNu9PplvM4ksdcShkN95WY=\n\n"
    "— example.org/log jxP55HIqYXD+QN+BoOOpKwpdVv2zE0x2s0rnr8zvPkgJ/pIYeGRe7ZXgHeMcahgnc60e6fRR"
    "L9zpqf+qLnxY+V1lcAI=\n"
).encode()
SIGNER = NoteSigner("example.org/log", b"\x01" * 32)


def test_spec_note_verifies_with_spec_vkey() -> None:
    verifier = parse_verifier_key(SPEC_VKEY)
    note, valid = verify_note(SPEC_NOTE, [verifier])
    assert note.text == b"This is an example message.\n" and valid == [verifier]
    assert verifier.vkey() == SPEC_VKEY


def test_checkpoint_example_byte_exact() -> None:
    assert SIGNER.verifier.vkey() == LOG_VKEY
    root = merkle.root([merkle.hash_leaf(x) for x in (b"first", b"second", b"third")])
    note = sign_checkpoint(Checkpoint("example.org/log", 3, root), SIGNER)
    assert note == CHECKPOINT_EXAMPLE
    signed = open_checkpoint(note, parse_verifier_key(LOG_VKEY))
    assert signed.checkpoint.size == 3 and signed.checkpoint.root_hash == root


def test_signer_key_text_round_trips() -> None:
    text = SIGNER.key_text()
    assert text.startswith("PRIVATE+KEY+example.org/log+8f13f9e4+")
    assert parse_signer_key(text) == SIGNER
    assert "PRIVATE" not in repr(SIGNER) and str(SIGNER.seed) not in repr(SIGNER)
    with pytest.raises(InputError):
        parse_signer_key(text.replace("8f13f9e4", "00000000"))
    with pytest.raises(InputError):
        parse_verifier_key(LOG_VKEY.replace("8f13f9e4", "8f13f9e5"))


def test_unknown_keys_ignored_bad_known_signature_rejects() -> None:
    other = NoteSigner("example.org/other", b"\x02" * 32)
    both = sign_note(b"hello\n", [other, SIGNER])
    _, valid = verify_note(both, [SIGNER.verifier])
    assert valid == [SIGNER.verifier]
    with pytest.raises(VerificationError, match="no signature by a known key"):
        verify_note(sign_note(b"hello\n", [other]), [SIGNER.verifier])
    # Same name, other key: its id differs, so it is "unknown", not a failure.
    impostor = NoteSigner("example.org/log", b"\x03" * 32)
    with pytest.raises(VerificationError, match="no signature by a known key"):
        verify_note(sign_note(b"hello\n", [impostor]), [SIGNER.verifier])
    tampered = both.replace(b"hello", b"hallo")
    with pytest.raises(VerificationError, match="does not verify"):
        verify_note(tampered, [SIGNER.verifier])


@pytest.mark.parametrize(
    "data",
    [
        CHECKPOINT_EXAMPLE.replace("—".encode(), b"-"),
        CHECKPOINT_EXAMPLE.replace(b"\n\n", b"\n"),
        CHECKPOINT_EXAMPLE.replace(b"\n", b"\r\n"),
        CHECKPOINT_EXAMPLE[:-1],
        CHECKPOINT_EXAMPLE.replace(b"jxP5", b"jx!5"),
    ],
)
def test_malformed_notes_rejected(data: bytes) -> None:
    with pytest.raises(VerificationError):
        verify_note(data, [SIGNER.verifier])


@pytest.mark.parametrize(
    "body",
    [
        b"example.org/log\n03\nw2UeVBcUxT1kjsx7rsp/4sNu9PplvM4ksdcShkN95WY=\n",
        b"example.org/log\n+3\nw2UeVBcUxT1kjsx7rsp/4sNu9PplvM4ksdcShkN95WY=\n",
        b"example.org/log\n3\nw2UeVBcUxT1kjsx7rsp_4sNu9PplvM4ksdcShkN95WY=\n",
        b"example.org/log\n3\nw2UeVBcUxT1kjsx7rsp/4sNu9PplvM4ksdcShkN95WY\n",
        b"example.org/log\n3\n",
        b"example.org/log\n3\nw2UeVBcUxT1kjsx7rsp/4sNu9PplvM4ksdcShkN95WY=\n\xff\n",
        b"example org/log\n3\nw2UeVBcUxT1kjsx7rsp/4sNu9PplvM4ksdcShkN95WY=\n",
        b"example.org/log\n3\nw2UeVBcUxT1kjsx7rsp/4sNu9PplvM4ksdcShkN95WY=",
    ],
)
def test_malformed_checkpoint_bodies_rejected(body: bytes) -> None:
    with pytest.raises(VerificationError):
        parse_checkpoint(body)


@given(
    st.integers(0, 2**63),
    st.binary(min_size=32, max_size=32),
    st.lists(st.from_regex(r"[a-z0-9 ]{0,8}[a-z0-9]", fullmatch=True), max_size=3),
)
def test_checkpoint_round_trip(size: int, root: bytes, extensions: list[str]) -> None:
    cp = Checkpoint("example.org/log", size, root, tuple(extensions))
    assert parse_checkpoint(cp.body()) == cp
    assert parse_checkpoint(sign_checkpoint(cp, SIGNER)) == cp


def test_checkpoint_wrong_origin_or_key_name_refused() -> None:
    cp = Checkpoint("example.org/log", 0, merkle.EMPTY_ROOT)
    with pytest.raises(InputError):
        sign_checkpoint(cp, NoteSigner("example.org/other", b"\x01" * 32))
    with pytest.raises(InputError):
        Checkpoint("example.org/my log", 0, merkle.EMPTY_ROOT)


def test_cosignatures_verify_and_quorum_is_enforced() -> None:
    note = sign_checkpoint(Checkpoint("example.org/log", 0, merkle.EMPTY_ROOT), SIGNER)
    w1 = CosignatureSigner("witness.example/one", b"\x11" * 32)
    w2 = CosignatureSigner("witness.example/two", b"\x12" * 32)
    assert parse_witness_key(w1.verifier.vkey()) == w1.verifier
    cosigned = w1.cosign(note, 1_700_000_000)
    sig = parse_note(cosigned).signatures[1]
    assert len(sig.signature) == 72 and sig.key_id == w1.verifier.key_id
    witnesses = (w1.verifier, w2.verifier)
    signed = open_checkpoint(cosigned, SIGNER.verifier, witnesses, quorum=1)
    assert signed.witnesses == ("witness.example/one",) and signed.witness_times == (1_700_000_000,)
    with pytest.raises(VerificationError, match="1 valid witness cosignatures; 2 are required"):
        open_checkpoint(cosigned, SIGNER.verifier, witnesses, quorum=2)
    both = w2.cosign(cosigned, 1_700_000_001)
    assert open_checkpoint(both, SIGNER.verifier, witnesses, quorum=2).witnesses == (
        "witness.example/one",
        "witness.example/two",
    )
    # A cosignature whose timestamp was changed no longer verifies.
    line = both.split(b"\n")[-2]
    raw = bytearray(base64.b64decode(line.split(b" ")[-1]))
    raw[11] ^= 1
    forged = both.replace(line, line.rsplit(b" ", 1)[0] + b" " + base64.b64encode(bytes(raw)))
    with pytest.raises(VerificationError, match=r"witness\.example/two"):
        open_checkpoint(forged, SIGNER.verifier, witnesses)
    # Without the log's own signature, cosignatures alone are not enough.
    only_cosig = note.split("—".encode())[0] + "—".encode() + cosigned.split("—".encode())[2]
    with pytest.raises(VerificationError, match="not signed by the log"):
        open_checkpoint(only_cosig, SIGNER.verifier, witnesses)


@given(st.binary(min_size=32, max_size=32))
def test_key_texts_round_trip_for_any_key(seed: bytes) -> None:
    signer = NoteSigner("example.org/log", seed)
    assert parse_signer_key(signer.key_text()) == signer
    assert parse_verifier_key(signer.verifier.vkey()) == signer.verifier
    witness = CosignatureSigner("witness.example/w", seed)
    assert parse_witness_key(witness.verifier.vkey()) == witness.verifier


def test_witness_request_and_adding_cosignature_lines() -> None:
    note = sign_checkpoint(Checkpoint("example.org/log", 0, merkle.EMPTY_ROOT), SIGNER)
    assert witness_request(0, [], note) == b"old 0\n\n" + note
    assert witness_request(2, [b"\x00" * 32], note).startswith(
        b"old 2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
    )
    w1 = CosignatureSigner("witness.example/one", b"\x11" * 32)
    stranger = CosignatureSigner("witness.example/stranger", b"\x13" * 32)
    reply = w1.cosign(note, 1_700_000_000)[len(note) :]
    merged = add_cosignatures(note, reply, (w1.verifier,))
    assert merged == note + reply
    assert add_cosignatures(merged, reply, (w1.verifier,)) == merged  # no duplicates
    assert open_checkpoint(merged, SIGNER.verifier, (w1.verifier,), quorum=1).witnesses
    with pytest.raises(VerificationError, match="no configured witness"):
        add_cosignatures(note, stranger.cosign(note, 1)[len(note) :], (w1.verifier,))
    other = sign_checkpoint(Checkpoint("example.org/log", 1, merkle.hash_leaf(b"x")), SIGNER)
    with pytest.raises(VerificationError, match="does not verify"):
        add_cosignatures(other, reply, (w1.verifier,))
