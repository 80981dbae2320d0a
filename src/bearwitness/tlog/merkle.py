"""RFC 9162 Merkle tree hashing, proofs and their verification.

The tree is the one of RFC 9162 §2.1 (unchanged from RFC 6962):

    leaf hash  = SHA-256(0x00 ‖ entry bytes)
    node hash  = SHA-256(0x01 ‖ left ‖ right)
    empty root = SHA-256("")
    MTH(D[0:n]) = node(MTH(D[0:k]), MTH(D[k:n])), k = largest power of two < n

Public API:

- :func:`hash_leaf`, :func:`hash_children`, :data:`EMPTY_ROOT`
- :func:`root` over a list of leaf hashes (fast, level by level)
- :func:`inclusion_proof` / :func:`consistency_proof`: built over any
  ``SubtreeHash`` callable ``(start, end) -> MTH(D[start:end])``, so the same
  code serves leaf lists in memory (:func:`subtree_hasher`) and tiles on disk
- :func:`verify_inclusion` / :func:`verify_consistency`: RFC 9162 §2.1.3.2 and
  §2.1.4.2; they raise :class:`~bearwitness.errors.VerificationError`, never
  return False
- :class:`TreeState`: the right edge of the tree (one hash per set bit of the
  size), for O(log n) appends and the root at any time
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from bearwitness.errors import VerificationError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

SubtreeHash = Callable[[int, int], bytes]
"""``(start, end) -> MTH(D[start:end])`` for a range the proof algorithms ask for."""

_sha256 = hashlib.sha256


def hash_leaf(entry: bytes) -> bytes:
    return _sha256(b"\x00" + entry).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """The split point k of RFC 9162: the largest power of two strictly less than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def reduce_perfect(hashes: bytes) -> bytes:
    """Root of a perfect subtree given its 2**h concatenated 32-byte child hashes."""
    level = hashes
    while len(level) > HASH_SIZE:
        # One list comprehension per level keeps Python overhead off the per-hash path.
        level = b"".join(
            [_sha256(b"\x01" + level[i : i + 64]).digest() for i in range(0, len(level), 64)]
        )
    return level


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes; the empty tree gives :data:`EMPTY_ROOT`."""
    state = TreeState()
    state.extend(leaf_hashes)
    return state.root()


def subtree_hasher(leaf_hashes: Sequence[bytes]) -> SubtreeHash:
    """A :data:`SubtreeHash` over leaf hashes held in memory."""

    cache: dict[tuple[int, int], bytes] = {}

    def mth(start: int, end: int) -> bytes:
        if end <= start:
            return EMPTY_ROOT
        if end - start == 1:
            return leaf_hashes[start]
        key = (start, end)
        if key not in cache:
            k = largest_power_of_two_below(end - start)
            cache[key] = hash_children(mth(start, start + k), mth(start + k, end))
        return cache[key]

    return mth


def inclusion_proof(index: int, size: int, mth: SubtreeHash) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf sibling first."""
    if not 0 <= index < size:
        raise VerificationError(
            f"no leaf {index} in a tree of size {size}",
            hint="Ask for an index below the tree size.",
        )
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = largest_power_of_two_below(end - start)
        if index < start + k:
            path.append(mth(start + k, end))
            end = start + k
        else:
            path.append(mth(start, start + k))
            start += k
    path.reverse()
    return path


def consistency_proof(old_size: int, new_size: int, mth: SubtreeHash) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1; empty when old is 0 or equal."""
    if not 0 <= old_size <= new_size:
        raise VerificationError(
            f"no consistency proof from size {old_size} to size {new_size}",
            hint="The older size must not be larger than the newer one.",
        )
    if old_size in (0, new_size):
        return []
    path: list[bytes] = []
    start, end, m, complete = 0, new_size, old_size, True
    while m != end - start:
        k = largest_power_of_two_below(end - start)
        if m <= k:
            path.append(mth(start + k, end))
            end = start + k
        else:
            path.append(mth(start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        path.append(mth(start, end))
    path.reverse()
    return path


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> None:
    """RFC 9162 §2.1.3.2; raises VerificationError when the proof does not hold."""
    if not 0 <= index < size:
        raise VerificationError(f"leaf index {index} is not below tree size {size}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if len(p) != HASH_SIZE or sn == 0:
            raise VerificationError(f"inclusion proof for leaf {index} has the wrong shape")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != expected_root:
        raise VerificationError(
            f"inclusion proof for leaf {index} in tree size {size} does not lead to the root"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2 plus the edge cases it leaves to callers (see tlog notes §1)."""
    what = f"consistency from size {old_size} to size {new_size}"
    if old_size > new_size or old_size < 0:
        raise VerificationError(f"{what}: the log shrank, which means it was rolled back")
    if old_size == 0:
        if proof:
            raise VerificationError(f"{what}: the proof from the empty tree must be empty")
        if old_root != EMPTY_ROOT:
            raise VerificationError(f"{what}: an empty tree must have the empty root")
        return
    if old_size == new_size:
        if proof or old_root != new_root:
            raise VerificationError(f"{what}: two roots for one size (history was rewritten)")
        return
    if not proof or any(len(p) != HASH_SIZE for p in proof):
        raise VerificationError(f"{what}: the proof has the wrong shape")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError(f"{what}: the proof is too long")
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise VerificationError(f"{what} does not hold: history was rewritten")


class TreeState:
    """The right edge of a Merkle tree: enough to append leaves and compute the root.

    ``edge[i]`` is the root of a perfect subtree; their sizes are the set bits of
    ``size`` from largest to smallest, so at most 64 hashes are kept.
    """

    __slots__ = ("_edge", "_size")

    def __init__(self, size: int = 0, edge: Iterable[bytes] = ()) -> None:
        self._size = size
        self._edge = list(edge)
        if len(self._edge) != size.bit_count():
            raise VerificationError(
                f"a tree of size {size} needs {size.bit_count()} edge hashes, not {len(self._edge)}"
            )

    @property
    def size(self) -> int:
        return self._size

    @property
    def edge(self) -> tuple[bytes, ...]:
        return tuple(self._edge)

    def append(self, leaf_hash: bytes) -> None:
        h = leaf_hash
        n = self._size
        edge = self._edge
        # Each trailing 1 bit of the old size is a perfect subtree that the new leaf completes.
        while n & 1:
            h = _sha256(b"\x01" + edge.pop() + h).digest()
            n >>= 1
        edge.append(h)
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for h in leaf_hashes:
            self.append(h)

    def root(self) -> bytes:
        if not self._edge:
            return EMPTY_ROOT
        h = self._edge[-1]
        for left in reversed(self._edge[:-1]):
            h = _sha256(b"\x01" + left + h).digest()
        return h

    def copy(self) -> TreeState:
        return TreeState(self._size, self._edge)
