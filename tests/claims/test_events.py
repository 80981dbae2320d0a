"""Suggested events for a claim: act, place (in any case ending) and overlapping time."""

from __future__ import annotations

import datetime as dt

from bearwitness.claims.events import EventView, suggest_events
from bearwitness.claims.extract import extract


def test_the_matching_event_comes_first_with_its_reasons() -> None:
    [claim] = extract(
        "В Грозном в январе 2019 года были задержаны около 40 человек.", language="ru"
    )
    events = [
        EventView("E-0001", frozenset({"arbitrary_detention"}), ("Грозный",),
                  dt.date(2019, 1, 1), dt.date(2019, 2, 28)),
        EventView("E-0002", frozenset({"arbitrary_detention"}), ("Argun",),
                  dt.date(2017, 3, 1), dt.date(2017, 4, 30)),
        EventView("E-0003", frozenset({"killing"}), ("Shali",), None, None),
    ]  # fmt: skip
    suggested = suggest_events(claim, events)
    assert claim.when == "2019-01"
    assert [(s.event_id, s.reasons) for s in suggested] == [
        ("E-0001", ("act", "place", "time")),
        ("E-0002", ("act",)),
    ]
