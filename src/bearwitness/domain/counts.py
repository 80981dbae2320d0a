"""Qualified counts: "around 40", "at least 2" and "200 or more" are different facts.

A count keeps its qualifier from intake to report. Text form (storage, import,
export; round-trips unchanged): ``40``, ``~40``, ``>=2``, ``<=5``, ``10-20``.
Parsing also accepts the words people write ("around 40", "at least 2",
"200 or more", "около 40", "не менее 2", "более 200").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bearwitness.domain.messages import quoted
from bearwitness.errors import InputError, Phrase

# The largest whole number kept: the largest a JSON reader is sure to read back
# exactly (2**53 - 1), so that every committed record stays verifiable anywhere.
MAX_WHOLE = 2**53 - 1
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: "²".isdigit() is true, and int("²") fails


class Qualifier(StrEnum):
    EXACT = "exact"
    APPROXIMATELY = "approximately"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    RANGE = "range"


_PREFIXES: list[tuple[Qualifier, tuple[str, ...]]] = [
    (
        Qualifier.APPROXIMATELY,
        (
            "~",
            "about",
            "around",
            "approximately",
            "approx.",
            "approx",
            "some",
            "roughly",
            "около",
            "примерно",
            "приблизительно",
            "порядка",
        ),
    ),
    (
        Qualifier.AT_LEAST,
        (
            ">=",
            "≥",
            "at least",
            "no fewer than",
            "not less than",
            "не менее",
            "не меньше",
            "по меньшей мере",
            "как минимум",
        ),
    ),
    (Qualifier.AT_MOST, ("<=", "≤", "at most", "no more than", "up to", "не более", "до")),
]
# Strict comparisons become inclusive bounds: "more than 200" is at least 201.
_STRICT: list[tuple[Qualifier, int, tuple[str, ...]]] = [
    (Qualifier.AT_LEAST, 1, (">", "more than", "over", "более", "больше", "свыше")),
    (Qualifier.AT_MOST, -1, ("<", "fewer than", "less than", "under", "менее", "меньше")),
]
_SUFFIXES: list[tuple[Qualifier, tuple[str, ...]]] = [
    (Qualifier.AT_LEAST, ("+", "or more", "and more", "и более")),
    (Qualifier.AT_MOST, ("or fewer", "or less", "и менее")),
]
_RANGE = re.compile(r"^([0-9]+)\s*(?:-|–|—|to|до)\s*([0-9]+)$")


def whole_number(text: str) -> int | None:
    """``text`` as a whole number of ASCII digits, or None; InputError when above MAX_WHOLE."""
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        return None
    if len(text) > len(str(MAX_WHOLE)) or int(text) > MAX_WHOLE:
        raise InputError(
            Phrase("%(value)s is too large", value=quoted(text, 20)),
            hint=Phrase("Numbers go up to %(most)s.", most=f"{MAX_WHOLE:,}"),
        )
    return int(text)


@dataclass(frozen=True)
class QualifiedCount:
    qualifier: Qualifier
    value: int
    upper: int | None = None  # only for RANGE

    def __post_init__(self) -> None:
        for number in (self.value, self.upper):
            if number is not None and not 0 <= number <= MAX_WHOLE:
                raise InputError(
                    Phrase("a count of %(value)s is out of range", value=quoted(number)),
                    hint=Phrase("Counts run from 0 to %(most)s.", most=f"{MAX_WHOLE:,}"),
                )
        if (self.qualifier is Qualifier.RANGE) != (self.upper is not None):
            raise InputError(
                Phrase("only a range has an upper bound"), hint=Phrase("Write a range as 10-20.")
            )
        if self.upper is not None and self.upper < self.value:
            raise InputError(
                Phrase("the range %(range)s is reversed", range=f"{self.value}-{self.upper}"),
                hint=Phrase("Write the smaller first."),
            )

    @property
    def lower_bound(self) -> int | None:
        """The smallest number the statement allows, when it says one."""
        if self.qualifier in (Qualifier.EXACT, Qualifier.AT_LEAST, Qualifier.RANGE):
            return self.value
        return None

    @classmethod
    def parse(cls, text: str) -> QualifiedCount:
        raw = " ".join(text.strip().lower().split())
        for qualifier, words in _PREFIXES:
            for word in words:
                if raw.startswith(word) and (number := whole_number(raw[len(word) :])) is not None:
                    return cls(qualifier, number)
        for qualifier, step, words in _STRICT:
            for word in words:
                if raw.startswith(word) and (number := whole_number(raw[len(word) :])) is not None:
                    return cls(qualifier, max(0, number + step))
        for qualifier, words in _SUFFIXES:
            for word in words:
                if raw.endswith(word) and (number := whole_number(raw[: -len(word)])) is not None:
                    return cls(qualifier, number)
        if (number := whole_number(raw)) is not None:
            return cls(Qualifier.EXACT, number)
        match = _RANGE.match(raw)
        if match:
            low, high = whole_number(match[1]), whole_number(match[2])
            assert low is not None and high is not None  # the pattern matched digits
            return cls(Qualifier.RANGE, low, high)
        raise InputError(
            Phrase("%(value)s is not a count", value=quoted(text)),
            hint=Phrase("Write 40, ~40 (around), >=2 (at least), <=5 (at most) or 10-20 (range)."),
        )

    def __str__(self) -> str:
        return {
            Qualifier.EXACT: f"{self.value}",
            Qualifier.APPROXIMATELY: f"~{self.value}",
            Qualifier.AT_LEAST: f">={self.value}",
            Qualifier.AT_MOST: f"<={self.value}",
            Qualifier.RANGE: f"{self.value}-{self.upper}",
        }[self.qualifier]

    def describe(self, language: str = "en") -> str:
        """Words for a reader: "around 40", "не менее 2"."""
        words = {
            "en": {
                Qualifier.EXACT: "{v}",
                Qualifier.APPROXIMATELY: "around {v}",
                Qualifier.AT_LEAST: "at least {v}",
                Qualifier.AT_MOST: "at most {v}",
                Qualifier.RANGE: "{v} to {u}",
            },
            "ru": {
                Qualifier.EXACT: "{v}",
                Qualifier.APPROXIMATELY: "около {v}",
                Qualifier.AT_LEAST: "не менее {v}",
                Qualifier.AT_MOST: "не более {v}",
                Qualifier.RANGE: "от {v} до {u}",
            },
        }[language]
        return words[self.qualifier].format(v=self.value, u=self.upper)
