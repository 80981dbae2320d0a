"""Sentences with exact offsets: ``text[start:end]`` is the sentence, character for character.

A rule splitter of its own rather than a model's: it never changes the text (non-breaking
spaces stay), it knows the abbreviations of English and Russian news ("Mr.", "U.N.",
"г.", "т.е."), initials ("I. Kochetkov"), and closing quotation marks after the full stop,
and it runs at tens of thousands of words a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A sentence ends at . ! ? or … (and closing quotes or brackets after it), before spaces
# and a capital, a digit, an opening quote or a dash.
_END = re.compile(r"[.!?…]+[\"'”»’)\]]*(?=\s+[\"'“«„(\[—–-]?\s*[A-ZА-ЯЁ0-9])")
_LINE = re.compile(r"\n")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "sgt",
        "capt",
        "maj",
        "rev",
        "st",
        "sr",
        "jr",
        "inc",
        "ltd",
        "co",
        "corp",
        "vs",
        "etc",
        "no",
        "nos",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "approx",
        "est",
        "dept",
        "gov",
        "sen",
        "rep",
        "fig",
        "art",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "u.n",
        "a.m",
        "p.m",
        "г",
        "гг",
        "ул",
        "им",
        "т.е",
        "т.д",
        "т.п",
        "см",
        "др",
        "пр",
        "тыс",
        "млн",
        "млрд",
        "руб",
        "ст",
        "д",
        "с",
        "п",
        "пос",
        "обл",
        "р-н",
        "проф",
        "ген",
    ]
)
_INITIAL = re.compile(r"(?:^|[\s(])[A-ZА-ЯЁ]$")


def split(text: str, ranges: Iterable[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """The sentences of ``text`` (within ``ranges``, default the whole text) as
    ``(start, end)`` offsets, each trimmed of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    for low, high in ranges if ranges is not None else [(0, len(text))]:
        for line_start, line_end in _lines(text, low, high):
            spans += _split_block(text, line_start, line_end)
    return spans


def _lines(text: str, low: int, high: int) -> list[tuple[int, int]]:
    """A block cut at line breaks that end a sentence or a heading: after end punctuation,
    or after a short line with none (a title) before a capital."""
    pieces: list[tuple[int, int]] = []
    start = low
    for match in _LINE.finditer(text, low, high):
        before = text[start : match.start()].rstrip()
        after = text[match.end() : high].lstrip()
        if not before:
            start = match.end()
            continue
        ends = before[-1] in ".!?…:\"”»'’)"
        heading = len(before) < 70 and after[:1].isupper()
        if ends or heading:
            pieces.append((start, match.start()))
            start = match.end()
    pieces.append((start, high))
    return pieces


def _split_block(text: str, low: int, high: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = low
    for match in _END.finditer(text, low, high):
        if _is_abbreviation(text, start, match.start(), match.group()):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, high))
    return [trimmed for span in spans if (trimmed := _trim(text, *span)) is not None]


def _is_abbreviation(text: str, start: int, at: int, mark: str) -> bool:
    if not mark.startswith(".") or mark.startswith(".."):
        return False
    word = re.search(r"[\w.]+$", text[start:at])
    if word is None:
        return False
    token = word.group().lower().strip(".")
    if token in _ABBREVIATIONS:
        return True
    return bool(_INITIAL.search(text[max(start, at - 2) : at]))


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None
