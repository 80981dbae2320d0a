"""RFC 9162 tree hashing and proofs against the RFC 6962 vectors and by property."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bearwitness.errors import VerificationError
from bearwitness.tlog import merkle

LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
HASHES = [merkle.hash_leaf(x) for x in LEAVES]


def test_primitive_vectors() -> None:
    assert merkle.hash_leaf(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert merkle.hash_children(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )
    assert hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT


@pytest.mark.parametrize("size", range(9))
def test_roots_match_rfc6962_vectors(size: int) -> None:
    assert merkle.root(HASHES[:size]).hex() == ROOTS[size]


def _matches(proof: list[bytes], abbreviated: list[tuple[str, str]]) -> bool:
    return len(proof) == len(abbreviated) and all(
        p.hex().startswith(a) and p.hex().endswith(b)
        for p, (a, b) in zip(proof, abbreviated, strict=True)
    )


def test_inclusion_and_consistency_vectors() -> None:
    mth = merkle.subtree_hasher(HASHES)
    leaf0 = merkle.inclusion_proof(0, 8, mth)
    assert _matches(leaf0, [("96a296d2", "cfc7"), ("5f083f0a", "031e"), ("6b47aaf2", "f6e4")])
    leaf5 = merkle.inclusion_proof(5, 8, mth)
    assert _matches(leaf5, [("bc1a0643", "9e6b"), ("ca854ea1", "0ae0"), ("d37ee418", "14b7")])
    assert merkle.consistency_proof(1, 8, mth) == leaf0
    root8 = bytes.fromhex(ROOTS[8])
    merkle.verify_inclusion(HASHES[5], 5, 8, leaf5, root8)
    merkle.verify_consistency(1, 8, bytes.fromhex(ROOTS[1]), root8, leaf0)


def test_small_worked_example() -> None:
    hashes = [merkle.hash_leaf(x) for x in (b"first", b"second", b"third")]
    assert hashes[0].hex().startswith("a1af0302")
    r3 = merkle.root(hashes)
    assert r3.hex() == "c3651e541714c53d648ecc7baeca7fe2c36ef4fa65bcce24b1d71286437de566"
    mth = merkle.subtree_hasher(hashes)
    assert [p.hex()[:8] for p in merkle.inclusion_proof(2, 3, mth)] == ["3ae5bfa5"]
    assert merkle.consistency_proof(2, 3, mth) == [hashes[2]]


def test_tree_state_matches_root_and_edge_round_trips() -> None:
    hashes = [merkle.hash_leaf(i.to_bytes(4, "big")) for i in range(300)]
    state = merkle.TreeState()
    for n, h in enumerate(hashes, start=1):
        state.append(h)
        if n in (1, 2, 3, 255, 256, 257, 300):
            assert state.root() == merkle.root(hashes[:n])
            assert merkle.TreeState(n, state.edge).root() == state.root()
    with pytest.raises(VerificationError):
        merkle.TreeState(3, state.edge[:1])


def test_reduce_perfect_equals_root() -> None:
    hashes = [merkle.hash_leaf(bytes([i])) for i in range(128)]
    assert merkle.reduce_perfect(b"".join(hashes)) == merkle.root(hashes)


def test_edge_cases_of_consistency() -> None:
    r = merkle.root(HASHES[:4])
    merkle.verify_consistency(0, 4, merkle.EMPTY_ROOT, r, [])
    merkle.verify_consistency(4, 4, r, r, [])
    with pytest.raises(VerificationError, match="rolled back"):
        merkle.verify_consistency(5, 4, r, r, [])
    with pytest.raises(VerificationError):
        merkle.verify_consistency(0, 4, merkle.EMPTY_ROOT, r, [r])
    with pytest.raises(VerificationError):
        merkle.verify_consistency(4, 4, r, merkle.root(HASHES[:3]), [])
    with pytest.raises(VerificationError):
        merkle.verify_consistency(2, 4, merkle.root(HASHES[:2]), r, [])


def _leaves(n: int) -> list[bytes]:
    return [merkle.hash_leaf(b"entry %d" % i) for i in range(n)]


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.data())
def test_every_leaf_has_a_valid_proof_and_changes_fail(size: int, data: st.DataObject) -> None:
    hashes = _leaves(size)
    mth = merkle.subtree_hasher(hashes)
    r = mth(0, size)
    for index in range(size):
        merkle.verify_inclusion(
            hashes[index], index, size, merkle.inclusion_proof(index, size, mth), r
        )
    index = data.draw(st.integers(0, size - 1))
    proof = merkle.inclusion_proof(index, size, mth)
    with pytest.raises(VerificationError):
        merkle.verify_inclusion(merkle.hash_leaf(b"changed"), index, size, proof, r)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(hashes[index], index, size, bad, r)
        other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index))
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(hashes[index], other, size, proof, r)
    # The size is bound to the root by the signed checkpoint; a proof alone only
    # pins the shape of the path, so a wrong size fails wherever the shape differs.
    other_size = data.draw(st.integers(index + 1, size + 300).filter(lambda s: s != size))
    other_mth = merkle.subtree_hasher(_leaves(other_size))
    if len(merkle.inclusion_proof(index, other_size, other_mth)) != len(proof):
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(hashes[index], index, other_size, proof, r)
    with pytest.raises(VerificationError):
        merkle.verify_inclusion(hashes[index], index, index, proof, r)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.data())
def test_consistency_proofs_hold_and_changes_fail(new: int, data: st.DataObject) -> None:
    hashes = _leaves(new)
    mth = merkle.subtree_hasher(hashes)
    new_root = mth(0, new)
    for old in range(0, new + 1):
        old_root = mth(0, old) if old else merkle.EMPTY_ROOT
        merkle.verify_consistency(
            old, new, old_root, new_root, merkle.consistency_proof(old, new, mth)
        )
    old = data.draw(st.integers(1, new))
    proof = merkle.consistency_proof(old, new, mth)
    old_root = mth(0, old)
    # A history rewritten below the old size must not verify.
    rewritten = list(hashes)
    rewritten[data.draw(st.integers(0, old - 1))] = merkle.hash_leaf(b"rewritten")
    with pytest.raises(VerificationError):
        merkle.verify_consistency(old, new, old_root, merkle.root(rewritten), proof)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        with pytest.raises(VerificationError):
            merkle.verify_consistency(old, new, old_root, new_root, bad)
    if old < new:
        wrong_old = data.draw(st.integers(1, new).filter(lambda s: s != old))
        with pytest.raises(VerificationError):
            merkle.verify_consistency(wrong_old, new, old_root, new_root, proof)


def test_every_leaf_of_every_size_up_to_300_and_every_consistency_pair_up_to_100() -> None:
    hashes = _leaves(300)
    mth = merkle.subtree_hasher(hashes)
    for size in range(1, 301):
        r = mth(0, size)
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, mth)
            merkle.verify_inclusion(hashes[index], index, size, proof, r)
    for new in range(1, 101):
        for old in range(1, new + 1):
            proof = merkle.consistency_proof(old, new, mth)
            merkle.verify_consistency(old, new, mth(0, old), mth(0, new), proof)
