"""Search terms: what a word of sealed text is filed under, so that a search finds its forms.

A word is filed under two terms, each a coarse key in one script (see
:func:`bearwitness.linkage.normalise.script.spelling_key`, built on the linkage's
transliteration tables), so that Cyrillic and Latin spellings meet:

- its **stem** (Snowball, Russian for Cyrillic words and English for Latin ones):
  «паспорта», «паспортов» and "passports" are all filed under ``s:pasport``;
- its **name form**, for words written with a capital: the key with a Russian
  surname's case and gender endings taken off (Snowball stems «Тагиров» to «тагир» but
  «Тагирова» to «тагиров», so stems alone do not bring a surname's forms together):
  «Тагиров», «Тагировой» and "Tagirova" are all filed under ``n:tagirov``, and «Руслана»
  and "Ruslan" under ``n:ruslan``.

A query word is looked for under both, and a record matches when each query word is
under one of its terms. Terms are only ever hashed into a record's keyed filter or
compared in memory: like the words, they are never written in the clear.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from bearwitness.crypto.blind_index import words
from bearwitness.linkage.normalise.script import has_cyrillic, spelling_key

_RUSSIAN = Stemmer.Stemmer("russian")
_ENGLISH = Stemmer.Stemmer("english")
# A surname's case and gender endings, in key space (spelling_key writes й, ы as i).
_SURNAME = re.compile(r"(ov|ev|in)(a|u|im|om|oi|e|ih|imi|oi|a?i)?$")
_ADJECTIVAL = re.compile(r"(sk|ck)(aia|ii|i|oi|ogo|omu|uiu|ih)$")
# A given name's case endings (Руслана, Руслану, Русланом; Амина, Амины, Аминой).
_CASE = re.compile(r"(?<=[a-zS]{3})(a|u|i|e|om|oi|oiu|ei|iu|ia)$")
_TOKEN = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=65_536)
def _stem_term(word: str) -> str:
    if any(c.isdigit() for c in word):  # a number, a document's number: found as written
        return "s:" + word
    stemmer = _RUSSIAN if has_cyrillic(word) else _ENGLISH
    return "s:" + (spelling_key(stemmer.stemWord(word)) or word)


@lru_cache(maxsize=65_536)
def _name_term(word: str) -> str:
    if any(c.isdigit() for c in word):
        return ""
    key = spelling_key(word)
    if not key:
        return ""
    key = _ADJECTIVAL.sub(r"\1i", key)
    surname = _SURNAME.sub(r"\1", key)
    return "n:" + (surname if surname != key else _CASE.sub("", key))


def forget() -> None:
    """Drop the terms kept from recent words (on lock: they came from sealed text)."""
    _stem_term.cache_clear()
    _name_term.cache_clear()


def word_terms(word: str, *, capital: bool) -> tuple[str, ...]:
    """The terms one folded word (see :func:`~bearwitness.crypto.blind_index.words`) is
    filed under; ``capital``: it was written with a capital letter."""
    stem = _stem_term(word)
    name = _name_term(word) if capital else ""
    return (stem, name) if name else (stem,)


def _capitalised(text: str) -> set[str]:
    r"""The folded words of ``text`` (NFKC already) written with a capital letter somewhere.

    Each distinct capitalised token is folded once: a testimony repeats its names. Read a
    whitespace-separated piece at a time, each distinct piece once: a run of word
    characters never holds whitespace, and a piece that is all letters and digits is one
    such run (``\w`` is what ``isalnum`` says, and "_"), so only the others are split."""
    found: set[str] = set()
    for piece in set(text.split()):
        if piece.isalnum():
            if piece[0].isupper():
                found.update(words(piece))
            continue
        for token in _TOKEN.findall(piece):
            if token[0].isupper():
                found.update(words(token))
    return found


def text_terms(texts: Iterable[str]) -> set[str]:
    """Every term of the words of ``texts``: what a record's filter holds."""
    texts = [unicodedata.normalize("NFKC", text) for text in texts if text]  # once per text
    capital = set().union(*(_capitalised(text) for text in texts)) if texts else set()
    found: set[str] = set()
    for word in set().union(*(words(text) for text in texts)) if texts else ():
        found.update(word_terms(word, capital=word in capital))
    return found


@dataclass(frozen=True)
class QueryWord:
    """One word of a query and the terms it is looked for under (any of them will do)."""

    word: str
    terms: tuple[str, ...]


def query_words(query: str) -> list[QueryWord]:
    """The words of a query, each with its terms; a query word is taken as a possible name
    whatever its case (people type names in lower case)."""
    return [QueryWord(word, word_terms(word, capital=True)) for word in sorted(words(query))]
