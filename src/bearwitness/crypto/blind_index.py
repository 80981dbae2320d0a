"""Search over sealed text without a plaintext index: keyed Bloom filters.

Each record carries a 2048-bit Bloom filter of the words in its sealed text,
the bit positions taken from BLAKE2b keyed with a search subkey of the archive.
Without the key the filter reveals nothing testable (not even whether a given
name is present); what it leaks is roughly how many distinct words a record
has. A query hashes its words the same way, keeps the records whose filters
have every bit set, and the caller opens those records to drop false positives
(about 4 % per word for a 300-word record).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

BITS = 2048
HASHES = 4
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> set[str]:
    """The searchable words of ``text``: NFKC, case-folded, ё as е, two letters or more."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return {word for word in _WORD.findall(folded) if len(word) > 1}


def _digests(words_: Iterable[str], key: bytes) -> bytes:
    keyed = hashlib.blake2b(key=key, digest_size=2 * HASHES)
    parts = []
    for word in words_:
        hasher = keyed.copy()  # cheaper than keying a new hasher for every word
        hasher.update(word.encode())
        parts.append(hasher.digest())
    return b"".join(parts)


def _positions(words_: Iterable[str], key: bytes) -> np.ndarray:
    """HASHES bit positions per word, from little-endian 16-bit slices of its keyed digest."""
    return np.frombuffer(_digests(words_, key), dtype="<u2") % BITS


def bloom(texts: Iterable[str], key: bytes) -> bytes:
    """The keyed filter of every word in ``texts``."""
    bits = np.zeros(BITS, dtype=bool)
    bits[_positions(set().union(*(words(text) for text in texts)), key)] = True
    return np.packbits(bits, bitorder="little").tobytes()


def candidates(filters: Sequence[bytes], query: str, key: bytes) -> list[int]:
    """Indexes of the filters that may hold every word of ``query`` (none for an empty query)."""
    query_words = words(query)
    if not query_words or not filters:
        return []
    matrix = np.frombuffer(b"".join(filters), dtype=np.uint8).reshape(len(filters), BITS // 8)
    keep = np.ones(len(filters), dtype=bool)
    for position in _positions(sorted(query_words), key):
        keep &= (matrix[:, position >> 3] & (1 << (position & 7))) != 0
    return [int(index) for index in np.flatnonzero(keep)]
