"""The search filter's words: the fast tokeniser gives exactly the plain definition's words."""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bearwitness.crypto.blind_index import bloom, words

_RUN = re.compile(r"\w+")


def plain_words(text: str) -> set[str]:
    """The definition: runs of word characters in the case-folded NFKC text, ё as е."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return {word for word in _RUN.findall(folded) if len(word) > 1}


SAMPLES = st.text(
    st.sampled_from(
        [
            *"aZ_ 1\t\n\u00a0\u2003\u3000.,-'ёЁЖжßﬁ\u0301\u2163\u00b2İı",
            "\U0001d400",
            "\u1680",
            "\x1c",
        ]
    )
)


@settings(max_examples=2000)
@given(st.text() | SAMPLES)
def test_words_equal_the_plain_definition(text: str) -> None:
    assert words(text) == plain_words(text)


def test_whitespace_is_never_a_word_character_and_folding_keeps_it_apart() -> None:
    # What lets words() fold and search each whitespace-separated token on its own.
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        if char.isspace():
            assert not _RUN.match(char)
            assert char.casefold().replace("ё", "е") == char
        else:
            assert not any(c.isspace() for c in char.casefold().replace("ё", "е"))


def test_filter_bytes_are_unchanged() -> None:
    # Made by the tokeniser before the fast path: stored filters must keep matching.
    texts = [
        "FICTIONAL. Ёлка, ёж_и ЖАННА  detained\u00a0Argun ﬁle x 42 \u2163 straße",
        "a b cd",
        "",
    ]
    digest = hashlib.sha256(bloom(texts, bytes(range(32)))).hexdigest()
    assert digest == "cfacd97821021f19cdfdfa8ed09f9318b2df3745c45033986d469757e495a0bb"
