"""Partial dates: year, month or day precision, possibly approximate, possibly a range.

Witnesses remember "December 2018" or "around 2017", not a day. A partial date
keeps exactly what was said, and knows the earliest and latest day it can mean,
so queries ("since 2018-12") compare by interval, not by pretending a day.

Text form (used in storage, import and export, and round-tripping unchanged):
``2018``, ``2018-12``, ``2018-12-03``, with a leading ``~`` when approximate
(``~2018-12``); a range is two of these joined by ``..`` (``2018-12..2019-02``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from bearwitness.domain.messages import quoted
from bearwitness.errors import InputError, Phrase

# ASCII digits only: \d also matches other scripts' digits, which would not round-trip.
_DATE = re.compile(r"(~)?([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


class Precision(StrEnum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"


@dataclass(frozen=True, order=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    def __post_init__(self) -> None:
        if not 1000 <= self.year <= 9999:
            raise InputError(
                Phrase("year %(year)s is out of range", year=self.year),
                hint=Phrase("Use a four-digit year."),
            )
        if self.month is None and self.day is not None:
            raise InputError(
                Phrase("a day needs a month"), hint=Phrase("Write YYYY-MM-DD, YYYY-MM or YYYY.")
            )
        if self.month is not None and not 1 <= self.month <= 12:
            raise InputError(
                Phrase("month %(month)s does not exist", month=self.month),
                hint=Phrase("Months run 01 to 12."),
            )
        if self.day is not None:
            assert self.month is not None
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise InputError(
                    Phrase(
                        "%(month)s has no day %(day)s",
                        month=f"{self.year}-{self.month:02d}",
                        day=self.day,
                    ),
                    hint=Phrase("Days in that month run 1 to %(last)s.", last=last),
                )

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        return Precision.MONTH if self.month is not None else Precision.YEAR

    @property
    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> dt.date:
        month = self.month or 12
        return dt.date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        match = _DATE.fullmatch(text.strip())
        if not match:
            raise InputError(
                Phrase("%(value)s is not a date", value=quoted(text)),
                hint=Phrase(
                    "Write YYYY, YYYY-MM or YYYY-MM-DD; prefix ~ when approximate (~2018-12)."
                ),
            )
        approx, year, month, day = match.groups()
        return cls(
            int(year),
            int(month) if month else None,
            int(day) if day else None,
            approximate=bool(approx),
        )

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return ("~" if self.approximate else "") + text


@dataclass(frozen=True)
class PartialDateRange:
    """A single partial date (``end is None``) or a range from ``start`` to ``end``."""

    start: PartialDate
    end: PartialDate | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end.latest < self.start.earliest:
            raise InputError(
                Phrase("the range %(range)s ends before it starts", range=self),
                hint=Phrase("Write the earlier date first: START..END."),
            )

    @property
    def earliest(self) -> dt.date:
        return self.start.earliest

    @property
    def latest(self) -> dt.date:
        return (self.end or self.start).latest

    def overlaps(self, since: dt.date | None = None, until: dt.date | None = None) -> bool:
        """True when some day this can mean lies within [since, until]."""
        return (since is None or self.latest >= since) and (until is None or self.earliest <= until)

    @classmethod
    def parse(cls, text: str) -> PartialDateRange:
        start, sep, end = text.strip().partition("..")
        if sep and not end.strip():
            raise InputError(
                Phrase("%(value)s is an open range", value=quoted(text)),
                hint=Phrase("Write START..END with both dates."),
            )
        return cls(PartialDate.parse(start), PartialDate.parse(end) if sep else None)

    def __str__(self) -> str:
        return f"{self.start}..{self.end}" if self.end is not None else str(self.start)
