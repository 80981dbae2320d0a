"""The parts of an evacuation case that are written as lines: legs of the journey, funds.

A leg is ``DATE | FROM | TO``: a month or a year (``2026-03``, ``~2026-03``,
``2026-03..2026-04``) and two regions (a republic, an oblast, a country). A
leg never holds a live location: a day, or anything that looks like
coordinates (``43.31, 45.69``, ``43°18'N``, a map link, a plus code), is
refused, because a sealed archive can still be opened under duress, and a
person's path to safety must not be readable as a place to find them.

A funds line is ``DATE | AMOUNT CURRENCY | WHAT FOR``: ``2026-03 | -15000 RUB |
bus tickets`` (money out is negative, money in positive; whole units only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bearwitness.domain.dates import PartialDateRange, Precision
from bearwitness.domain.messages import quoted
from bearwitness.errors import InputError, Phrase

MAX_AMOUNT = 10**12
# Decimal degrees (two numbers with decimals), degrees/minutes/seconds, a map service's
# link or a geo: URI, and Open Location Codes ("8GHC+2X" or "9G7VCQ9P+GR").
_COORDINATES = (
    re.compile(r"-?\d{1,3}[.,]\d{2,}\s*°?\s*[NSEWСЮВЗ]?\s*[,; /]\s*-?\d{1,3}[.,]\d{2,}"),
    re.compile(r"\d{1,3}\s*°\s*\d{1,2}\s*['′]"),
    re.compile(r"\d{1,3}\s*°\s*[NSEWСЮВЗ]\b"),
    re.compile(r"\bgeo:|maps\.|yandex\.[a-z]+/maps|goo\.gl|openstreetmap|2gis", re.IGNORECASE),
    re.compile(r"\b[23456789CFGHJMPQRVWX]{4,8}\+[23456789CFGHJMPQRVWX]{2,3}\b"),
)
LEG_HINT = Phrase(
    "Write DATE | FROM | TO with a month or a year and two regions, "
    "for example 2026-03 | Chechnya | Moscow region."
)
NO_LIVE_LOCATION = Phrase(
    "Write regions only (a republic, an oblast, a country), never coordinates, "
    "an address or a map link: a leg must never tell where someone is."
)
FUNDS_HINT = Phrase(
    "Write DATE | AMOUNT CURRENCY | WHAT FOR, for example 2026-03 | -15000 RUB | tickets."
)


def looks_like_coordinates(text: str) -> bool:
    """Whether ``text`` looks like a position (coordinates, a map link, a plus code)."""
    return any(pattern.search(text) for pattern in _COORDINATES)


def _coarse_date(text: str, what: Phrase, hint: Phrase) -> PartialDateRange:
    try:
        date = PartialDateRange.parse(text)
    except InputError as error:
        raise InputError(
            Phrase("%(what)s: %(problem)s", what=what, problem=error.phrases[0]), hint=hint
        ) from None
    if any(part.precision is Precision.DAY for part in (date.start, date.end) if part):
        raise InputError(
            Phrase("%(what)s: %(value)s names a day", what=what, value=quoted(text)),
            hint=Phrase("Write a month or a year only."),
        )
    return date


@dataclass(frozen=True)
class Leg:
    """One leg of a journey: when (a month or coarser), from which region, to which."""

    date: PartialDateRange
    origin: str
    destination: str

    @classmethod
    def parse(cls, text: str) -> Leg:
        if looks_like_coordinates(text):
            raise InputError(
                Phrase("the leg %(value)s looks like a location", value=quoted(text)),
                hint=NO_LIVE_LOCATION,
            )
        parts = [part.strip() for part in text.split("|")]
        if len(parts) != 3 or not all(parts):
            raise InputError(
                Phrase("%(value)s is not a leg of a journey", value=quoted(text)), hint=LEG_HINT
            )
        for region in parts[1:]:
            if len(region) > 80 or any(ch.isdigit() for ch in region):
                raise InputError(
                    Phrase("%(value)s is not a region", value=quoted(region)),
                    hint=NO_LIVE_LOCATION,
                )
        date = _coarse_date(parts[0], Phrase("the leg's date"), LEG_HINT)
        return cls(date, parts[1], parts[2])

    def __str__(self) -> str:
        return f"{self.date} | {self.origin} | {self.destination}"


@dataclass(frozen=True)
class Funds:
    """One line of a case's small ledger: money in (positive) or out (negative)."""

    date: PartialDateRange
    amount: int
    currency: str
    purpose: str

    @classmethod
    def parse(cls, text: str) -> Funds:
        parts = [part.strip() for part in text.split("|")]
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise InputError(
                Phrase("%(value)s is not a line of the ledger", value=quoted(text)),
                hint=FUNDS_HINT,
            )
        match = re.fullmatch(r"([+-]?)(\d{1,13})\s*([A-Za-z]{3})", parts[1].replace(" ", ""))
        if not match or int(match[2]) > MAX_AMOUNT:
            raise InputError(
                Phrase("%(value)s is not an amount and a currency", value=quoted(parts[1])),
                hint=FUNDS_HINT,
            )
        amount = int(match[2]) * (-1 if match[1] == "-" else 1)
        if looks_like_coordinates(parts[2]):
            raise InputError(
                Phrase("the ledger line %(value)s looks like a location", value=quoted(text)),
                hint=NO_LIVE_LOCATION,
            )
        date = _coarse_date(parts[0], Phrase("the ledger line's date"), FUNDS_HINT)
        return cls(date, amount, match[3].upper(), parts[2][:200])

    def __str__(self) -> str:
        return f"{self.date} | {self.amount:+d} {self.currency} | {self.purpose}"


def balances(lines: tuple[str, ...]) -> dict[str, int]:
    """What is left in each currency: the sum of a case's ledger lines."""
    totals: dict[str, int] = {}
    for line in lines:
        funds = Funds.parse(line)
        totals[funds.currency] = totals.get(funds.currency, 0) + funds.amount
    return totals
