"""The C2SP tlog-proof file for one entry."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bearwitness.errors import VerificationError
from bearwitness.tlog import merkle
from bearwitness.tlog.checkpoint import Checkpoint, sign_checkpoint
from bearwitness.tlog.note import NoteSigner
from bearwitness.tlog.proof import InclusionProof, format_proof, open_proof, parse_proof

SIGNER = NoteSigner("example.org/log", b"\x01" * 32)
ENTRIES = [b"first", b"second", b"third"]


def proof_file() -> bytes:
    hashes = [merkle.hash_leaf(e) for e in ENTRIES]
    note = sign_checkpoint(Checkpoint("example.org/log", 3, merkle.root(hashes)), SIGNER)
    path = merkle.inclusion_proof(2, 3, merkle.subtree_hasher(hashes))
    return format_proof(InclusionProof(2, tuple(path), note))


def test_format_is_the_c2sp_one_and_round_trips() -> None:
    data = proof_file()
    assert data.startswith(
        b"c2sp.org/tlog-proof@v1\nindex 2\n"
        b"OuW/pX/6dp2WNKhvOiYoaqaf1Q6gWF+AYfkCrV8DJ/c=\n"  # 3ae5bfa5…27f7, as in the spec notes
        b"\nexample.org/log\n3\n"
    )
    assert format_proof(parse_proof(data)) == data
    assert open_proof(data, b"third", SIGNER.verifier).checkpoint.size == 3


@pytest.mark.parametrize(
    ("change", "entry"),
    [
        (lambda d: d, b"second"),
        (lambda d: d.replace(b"index 2", b"index 1"), b"third"),
        (lambda d: d.replace(b"OuW/", b"OuX/"), b"third"),
        (lambda d: d.replace(b"\n3\n", b"\n4\n"), b"third"),
        (lambda d: d.replace(b"tlog-proof@v1", b"tlog-proof@v2"), b"third"),
        (lambda d: d.replace(b"index 2\n", b"index 02\n"), b"third"),
    ],
)
def test_changes_fail(change: Callable[[bytes], bytes], entry: bytes) -> None:
    with pytest.raises(VerificationError):
        open_proof(change(proof_file()), entry, SIGNER.verifier)


def test_a_checkpoint_signed_by_another_key_of_the_same_name_fails() -> None:
    """The library's check, as the bundle verifier's: only the given key counts."""
    forger = NoteSigner("example.org/log", b"\x02" * 32)
    proof = parse_proof(proof_file())
    forged = sign_checkpoint(
        Checkpoint("example.org/log", 3, merkle.root([merkle.hash_leaf(e) for e in ENTRIES])),
        forger,
    )
    data = format_proof(InclusionProof(proof.index, proof.hashes, forged))
    assert open_proof(data, b"third", forger.verifier).checkpoint.size == 3
    with pytest.raises(VerificationError, match="no signature by a known key"):
        open_proof(data, b"third", SIGNER.verifier)


def test_an_index_beyond_the_checkpoint_fails() -> None:
    data = proof_file().replace(b"index 2\n", b"index 3\n")
    with pytest.raises(VerificationError, match="not below tree size"):
        open_proof(data, b"third", SIGNER.verifier)
