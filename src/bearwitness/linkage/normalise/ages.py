"""Ages in free text: "25", "aged about 25", "in his 20s", "25-30", "около 25
лет", "environ 25 ans", "Mitte 20", "la trentaine".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bearwitness.linkage.normalise.dates import PartialDate, _strip_approximate
from bearwitness.linkage.normalise.tables import load_table

# An approximate single age ("about 25") is read as this many years either side.
APPROXIMATE_AGE_YEARS = 2


@dataclass(frozen=True)
class AgeRange:
    lo: int
    hi: int
    approximate: bool = False

    def birth_years(self, at: PartialDate) -> tuple[int, int]:
        """Birth years consistent with this age on a date known as ``at``."""
        return at.lo.year - self.hi - 1, at.hi.year - self.lo


def _decade(text: str) -> int | None:
    for decade, words in load_table("dates")["age"]["decades"].items():
        if any(re.search(r"(?<!\w)" + re.escape(w), text) for w in words):
            return int(decade)
    if m := re.search(r"\b(\d)0\s*(?:'?s|-е|-х)", text):
        return int(m[1]) * 10
    return None


def parse_age(text: str) -> AgeRange | None:
    """The age range a free-text value names, or None when it cannot be read."""
    lowered = " ".join(text.lower().split())
    if not lowered:
        return None
    lowered, approximate = _strip_approximate(lowered)
    if decade := _decade(lowered):
        first, last = decade, decade + 9
        if re.search(r"early|начал|début|anfang", lowered):
            last = decade + 3
        elif re.search(r"mid|середин|mitte|milieu", lowered):
            first, last = decade + 3, decade + 6
        elif re.search(r"late|конц|fin|ende", lowered):
            first = decade + 6
        return AgeRange(first, last, True)
    if m := re.search(r"(?:mitte|mid)\s*(\d)0\b", lowered):
        return AgeRange(int(m[1]) * 10 + 3, int(m[1]) * 10 + 6, True)
    numbers = [int(n) for n in re.findall(r"\d+", lowered)]
    rest = re.sub(r"\d+|[-–—/]|\b(to|до|à|bis|и|or|или|ou|oder)\b", " ", lowered)
    filler = load_table("dates")["age"]["filler"] + ["in his", "in her", "his", "her"]
    for word in sorted(filler, key=len, reverse=True):
        rest = re.sub(r"(?<!\w)" + re.escape(word) + r"(?!\w)", " ", rest)
    if rest.strip(" .,:;()") or not 1 <= len(numbers) <= 2 or any(n > 120 for n in numbers):
        return None
    if len(numbers) == 2:
        lo, hi = sorted(numbers)
        return AgeRange(lo, hi, True)
    age = numbers[0]
    if approximate:
        return AgeRange(max(0, age - APPROXIMATE_AGE_YEARS), age + APPROXIMATE_AGE_YEARS, True)
    return AgeRange(age, age)
