"""Search over sealed text without a plaintext index: keyed Bloom filters, one key per record.

Each record carries a 2048-bit Bloom filter of the words in its sealed text.
The bit positions come from BLAKE2b keyed with the record's own filter key,
:func:`record_filter_key`: HMAC-SHA256 of the archive's search subkey over the
record's kind and id. The same word therefore sets unrelated bits in different
records, so whoever holds a locked archive cannot compare two records' filters
to tell whether they share a name or a word (without per-record keys they
could: the nearest filter of a person record on one list was the same person's
record on another list every time), nor test a guessed name against any
filter.

What a filter still shows without the key: how many of its 2048 bits are set,
which grows with the number of distinct words in the record's sealed text
(about 4 bits per word). Two records with about as many distinct words have
about as many bits set; that says how long they are, not what they say.

A search derives each record's filter key and hashes the query's words under
it (so its cost grows with the number of records), keeps the records whose
filters have every bit set, and the caller opens those records to drop false
positives (about 4 % per word for a 300-word record).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

BITS = 2048
HASHES = 4
_WORD = re.compile(r"\w\w+", re.UNICODE)  # two letters or more
# Domain separation: a record's filter key is used for nothing else.
_RECORD_KEY_LABEL = b"bearwitness/search-filter/v2/record\x00"


def words(text: str) -> set[str]:
    """The searchable words of ``text``: NFKC, case-folded, ё as е, two letters or more.

    The runs of word characters (``\\w``) in the case-folded NFKC text. Whitespace is
    never a word character, and case folding neither makes nor unmakes whitespace, so
    each distinct whitespace-separated token is folded and searched once, not the
    whole text (tests/crypto/test_blind_index.py checks both claims for every
    code point, and this against the plain definition).
    """
    found: set[str] = set()
    for token in set(unicodedata.normalize("NFKC", text).split()):
        folded = token.casefold().replace("ё", "е")
        if folded.isalnum():  # one run of word characters (\w is alnum or "_")
            if len(folded) > 1:
                found.add(folded)
        else:
            found.update(_WORD.findall(folded))
    return found


def record_filter_key(search_key: bytes, kind: str, record_id: str) -> bytes:
    """The key of one record's filter: HMAC-SHA256(search key, label ‖ kind ‖ 0 ‖ id).

    Kind and id are separated by a NUL byte, which neither may contain, so two
    records never share a key.
    """
    if "\x00" in kind or "\x00" in record_id:
        raise ValueError("a record kind or id never contains a NUL byte")
    message = _RECORD_KEY_LABEL + kind.encode() + b"\x00" + record_id.encode()
    return hmac.digest(search_key, message, "sha256")


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
    """The filter of every word in ``texts``, under one record's ``key`` (see
    :func:`record_filter_key`)."""
    bits = np.zeros(BITS, dtype=bool)
    bits[_positions(set().union(*(words(text) for text in texts)), key)] = True
    return np.packbits(bits, bitorder="little").tobytes()


def candidates(filters: Sequence[bytes], keys: Sequence[bytes], query: str) -> list[int]:
    """Indexes of the filters that may hold every word of ``query`` (none for an empty
    query); ``keys[i]`` is the record filter key of ``filters[i]``."""
    if len(filters) != len(keys):
        raise ValueError("one record filter key is needed per filter")
    query_words = sorted(words(query))
    if not query_words or not filters:
        return []
    matrix = np.frombuffer(b"".join(filters), dtype=np.uint8).reshape(len(filters), BITS // 8)
    alive = np.arange(len(filters))
    for word in query_words:
        # One word at a time, over the records still in: the first word leaves few, and
        # hashing under each record's key is what a search spends its time on.
        data = word.encode()
        digests = b"".join(
            [
                hashlib.blake2b(data, key=keys[i], digest_size=2 * HASHES).digest()
                for i in alive.tolist()
            ]
        )
        positions = (np.frombuffer(digests, dtype="<u2").reshape(len(alive), HASHES) % BITS).astype(
            np.intp
        )
        bits = matrix[alive[:, None], positions >> 3] >> (positions & 7)
        alive = alive[(bits & 1).all(axis=1)]
        if not len(alive):
            break
    return [int(index) for index in alive]


# Filters of the third form hold search terms (a word's stem, spelled in one script: see
# bearwitness.services.search_terms) instead of the words themselves. They are one byte
# longer than the words' filters, that byte saying which: a search tries the terms on the
# filters that hold terms, and the bare words on those an older release wrote (until
# `bearwitness reindex` gives them terms). The byte tells only the form, not the content.
TERMS_MARK = b"\x03"


def bloom_terms(terms: Iterable[str], key: bytes) -> bytes:
    """The filter of ``terms`` (already normalised; see :func:`bloom`) under one record's
    ``key``, marked as a filter of terms."""
    bits = np.zeros(BITS, dtype=bool)
    bits[_positions(set(terms), key)] = True
    return np.packbits(bits, bitorder="little").tobytes() + TERMS_MARK


def holds_terms(filter_: bytes) -> bool:
    """Whether a filter was made by :func:`bloom_terms` (else by :func:`bloom`)."""
    return len(filter_) == BITS // 8 + len(TERMS_MARK) and filter_.endswith(TERMS_MARK)


def candidates_any(
    filters: Sequence[bytes], keys: Sequence[bytes], groups: Sequence[Sequence[str]]
) -> list[int]:
    """Indexes of the filters that may hold, for every group of ``groups``, at least one
    of its tokens (none for no groups): :func:`candidates` for tokens already made (words,
    or the terms of filters of terms). Each filter's first ``BITS // 8`` bytes are its bits;
    ``keys[i]`` is the record filter key of ``filters[i]``."""
    if len(filters) != len(keys):
        raise ValueError("one record filter key is needed per filter")
    if not groups or not filters or not all(groups):
        return []
    width = BITS // 8
    matrix = np.frombuffer(b"".join(f[:width] for f in filters), dtype=np.uint8).reshape(
        len(filters), width
    )
    alive = np.arange(len(filters))
    for group in groups:
        held = np.zeros(len(alive), dtype=bool)
        for token in dict.fromkeys(group):
            data = token.encode()
            digests = b"".join(
                [
                    hashlib.blake2b(data, key=keys[i], digest_size=2 * HASHES).digest()
                    for i in alive.tolist()
                ]
            )
            positions = (
                np.frombuffer(digests, dtype="<u2").reshape(len(alive), HASHES) % BITS
            ).astype(np.intp)
            bits = matrix[alive[:, None], positions >> 3] >> (positions & 7)
            held |= (bits & 1).all(axis=1)
        alive = alive[held]
        if not len(alive):
            break
    return [int(index) for index in alive]
