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


def _positions(word: str, key: bytes) -> list[int]:
    digest = hashlib.blake2b(word.encode(), key=key, digest_size=2 * HASHES).digest()
    return [int.from_bytes(digest[2 * i:2 * i + 2], "little") % BITS for i in range(HASHES)]


def bloom(texts: Iterable[str], key: bytes) -> bytes:
    """The keyed filter of every word in ``texts``."""
    bits = bytearray(BITS // 8)
    for word in set().union(*(words(text) for text in texts)):
        for position in _positions(word, key):
            bits[position >> 3] |= 1 << (position & 7)
    return bytes(bits)


def candidates(filters: Sequence[bytes], query: str, key: bytes) -> list[int]:
    """Indexes of the filters that may hold every word of ``query`` (none for an empty query)."""
    query_words = words(query)
    if not query_words or not filters:
        return []
    matrix = np.frombuffer(b"".join(filters), dtype=np.uint8).reshape(len(filters), BITS // 8)
    keep = np.ones(len(filters), dtype=bool)
    for word in query_words:
        for position in _positions(word, key):
            keep &= (matrix[:, position >> 3] & (1 << (position & 7))) != 0
    return [int(index) for index in np.flatnonzero(keep)]
