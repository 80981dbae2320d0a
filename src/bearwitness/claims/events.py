"""Which event a claim is about: suggested from act type, place and overlapping time.

Only a suggestion, ranked, with its reasons: a person confirms the link (no claim is
linked to an event by this module). An event is seen through :class:`EventView` (its
acts' types, its district and location, its date range), so this stays pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bearwitness.domain.dates import PartialDate


@dataclass(frozen=True)
class EventView:
    id: str
    acts: frozenset[str]  # the act types of its acts
    places: tuple[str, ...]  # district, location
    earliest: dt.date | None
    latest: dt.date | None


class Claimed(Protocol):
    """What a suggestion reads of a claim: an extracted candidate or a reviewed claim."""

    @property
    def act(self) -> str: ...
    @property
    def place(self) -> str | None: ...
    @property
    def when(self) -> str | None: ...


@dataclass(frozen=True)
class Suggestion:
    event_id: str
    score: float
    reasons: tuple[str, ...]  # "act", "place", "time"


def _stem(word: str) -> str:
    """A place name without its case ending: «Грозном», «Грозный» and "Grozny" compare."""
    word = word.lower().strip(" .,")
    return word[:-2] if len(word) > 5 else word[: max(4, len(word) - 1)]


def _same_place(place: str, names: Iterable[str]) -> bool:
    wanted = {_stem(part) for part in place.replace(",", " ").split() if len(part) > 2}
    for name in names:
        if wanted & {_stem(part) for part in name.replace(",", " ").split() if len(part) > 2}:
            return True
    return False


def _overlaps(when: str, event: EventView) -> bool:
    if event.earliest is None and event.latest is None:
        return False  # an undated event is no match in time
    day = PartialDate.parse(when)
    return (event.latest is None or day.earliest <= event.latest) and (
        event.earliest is None or day.latest >= event.earliest
    )


def suggest_events(
    candidate: Claimed, events: Iterable[EventView], limit: int = 3
) -> list[Suggestion]:
    """The events ``candidate`` may be about, best first: the act type counts most, then
    the place, then the time; an event with none of the three is never suggested."""
    found: list[Suggestion] = []
    for event in events:
        reasons = []
        score = 0.0
        if candidate.act in event.acts:
            reasons.append("act")
            score += 0.5
        if candidate.place and _same_place(candidate.place, event.places):
            reasons.append("place")
            score += 0.3
        if candidate.when and _overlaps(candidate.when, event):
            reasons.append("time")
            score += 0.2
        if reasons:
            found.append(Suggestion(event.id, round(score, 2), tuple(reasons)))
    found.sort(key=lambda s: (-s.score, s.event_id))
    return found[:limit]
