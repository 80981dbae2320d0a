"""Partial dates in free text (Russian, English, French, German).

``parse_date`` turns "03.12.2018", "декабрь 2018", "late 2018", "3 December
2018", "Dezember 2018", "about 2018", "2017-2019" or "1990s" into a
:class:`PartialDate`: the earliest and latest day it can mean, its precision,
and whether the text called it approximate. Unreadable text gives None, so
that the caller can report it; nothing is guessed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from bearwitness.linkage.normalise.tables import load_table


@dataclass(frozen=True)
class PartialDate:
    """A date known to a day, a month, a year or a range of days."""

    lo: date
    hi: date
    precision: str  # "day", "month", "year" or "range"
    approximate: bool = False

    @property
    def midpoint(self) -> date:
        return date.fromordinal((self.lo.toordinal() + self.hi.toordinal()) // 2)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@cache
def _month_stems() -> list[tuple[str, int]]:
    stems = [
        (stem, int(month))
        for month, words in load_table("dates")["months"].items()
        for stem in words
    ]
    return sorted(stems, key=lambda item: -len(item[0]))


def month_of(word: str) -> int | None:
    """The month a word names (any case or abbreviation of the four languages)."""
    word = word.lower().strip(".")
    for stem, month in _month_stems():
        # Short Latin stems must be the whole word, so "mar" does not take
        # "marina"; Cyrillic stems take their case endings (июн: июня, июне).
        whole = len(stem) <= 3 and stem.isascii()
        if (whole and word == stem) or (not whole and word.startswith(stem)):
            return month
    return None


def _has_word(text: str, words: list[str]) -> str | None:
    for word in sorted(words, key=len, reverse=True):
        if re.search(r"(?<!\w)" + re.escape(word), text):
            return word
    return None


def _strip_approximate(text: str) -> tuple[str, bool]:
    words = load_table("dates")["approximate"]["words"]
    found = False
    for word in sorted(words, key=len, reverse=True):
        pattern = r"(?<!\w)" + re.escape(word) + (r"(?!\w)" if word[-1].isalnum() else "")
        text, count = re.subn(pattern, " ", text)
        found = found or count > 0
    return text, found


def _year(text: str) -> int | None:
    value = int(text)
    if len(text) == 2:
        value += 1900 if value >= 30 else 2000
    return value if 1850 <= value <= 2100 else None


def _day(year: int | None, month: int, day: int) -> date | None:
    if year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _parse(text: str, approximate: bool) -> PartialDate | None:
    text = re.sub(r"\b(г\.?|года?|гг\.?|year|jahr|année|an)\b", " ", text).strip(" .,")
    text = text.replace("mi-", "mid ")
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{4})(\d{2})(\d{2})", text):
        if m[4]:  # YYYYMMDD, as database exports write it
            d = _day(_year(m[4]), int(m[5]), int(m[6]))
            return PartialDate(d, d, "day", approximate) if d else None
        d = _day(_year(m[1]), int(m[2]), int(m[3]))
        return PartialDate(d, d, "day", approximate) if d else None
    if m := re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})", text):
        first, second = int(m[1]), int(m[2])
        day, month = (second, first) if second > 12 >= first else (first, second)
        d = _day(_year(m[3]), month, day)
        return PartialDate(d, d, "day", approximate) if d else None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})|(\d{1,2})[./](\d{4})", text):
        year, month = (_year(m[1]), int(m[2])) if m[1] else (_year(m[4]), int(m[3]))
        if year and 1 <= month <= 12:
            return PartialDate(date(year, month, 1), _month_end(year, month), "month", approximate)
        return None
    if m := re.fullmatch(
        r"(?:between\s+|от\s+|с\s+|entre\s+|zwischen\s+)?(\d{4})\s*"
        r"(?:-|–|—|to|and|по|до|et|à|und|bis)\s*(\d{4})",
        text,
    ):
        lo, hi = _year(m[1]), _year(m[2])
        if lo and hi and lo <= hi:
            return PartialDate(date(lo, 1, 1), date(hi, 12, 31), "range", approximate)
        return None
    if m := re.fullmatch(r"(\d{2,4})(?:s|'s|-е|-х|-ые|-ых| годы)", text):
        start = _year(m[1])
        if start and start % 10 == 0:
            return PartialDate(date(start, 1, 1), date(start + 9, 12, 31), "range", approximate)
        return None
    if m := re.fullmatch(r"(\d{4})", text):
        year = _year(m[1])
        if year is None:
            return None
        return PartialDate(date(year, 1, 1), date(year, 12, 31), "year", approximate)
    return _parse_words(text, approximate)


def _parse_words(text: str, approximate: bool) -> PartialDate | None:
    tokens = [t for t in re.split(r"[\s,]+", text) if t]
    years = [t for t in tokens if re.fullmatch(r"\d{4}", t)]
    if len(years) != 1 or (year := _year(years[0])) is None:
        return None
    months = [(i, m) for i, t in enumerate(tokens) if (m := month_of(t)) is not None]
    days = [int(t.strip(".")) for t in tokens if re.fullmatch(r"\d{1,2}\.?", t)]
    if len(months) == 1:
        month = months[0][1]
        if len(days) == 1:
            d = _day(year, month, days[0])
            return PartialDate(d, d, "day", approximate) if d else None
        if not days:
            return PartialDate(date(year, month, 1), _month_end(year, month), "month", approximate)
        return None
    if months or days:
        return None
    for part in load_table("dates")["parts"].values():
        if _has_word(text, part["words"]):
            first, last = part["months"]
            return PartialDate(date(year, first, 1), _month_end(year, last), "range", approximate)
    return None


def parse_date(text: str) -> PartialDate | None:
    """The partial date a free-text value names, or None when it cannot be read."""
    lowered = " ".join(text.lower().split())
    if not lowered:
        return None
    lowered, approximate = _strip_approximate(lowered)
    return _parse(" ".join(lowered.split()), approximate)


def parse_birth(text: str) -> PartialDate | None:
    """A date of birth: a date or year, with "born", "г.р.", "né", "geb." allowed."""
    lowered = text.lower()
    lowered = re.sub(
        r"(?<!\w)(born|b\.|род\.|родил(ся|ась)|г\.\s?р\.|гр\.|née?|geb\.|geboren|"
        r"in|en|im|в)(?!\w)",
        " ",
        lowered,
    )
    return parse_date(lowered)
