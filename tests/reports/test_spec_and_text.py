"""Report specs (what they may say, what is refused), and the Russian text being complete."""

from __future__ import annotations

import datetime as dt

import pytest

from bearwitness.domain.dates import PartialDateRange
from bearwitness.errors import InputError
from bearwitness.reports import render
from bearwitness.reports.figures import Figure, KeptEstimate, compute
from bearwitness.reports.i18n import translations
from bearwitness.reports.spec import SECTIONS, parse_spec, spec_from_dict
from bearwitness.reports.tables import age_band, birth_year, period_key
from tests.reports.conftest import RUN

SPEC = """
title = "FICTIONAL detentions"
lang = "ru"
sections = ["summary", "counts"]
[scope]
since = "2018-12"
until = "2019"
act_types = ["torture"]
[coarsening]
dates = "quarter"
age_bands = [18, 35, 60]
[disclosure]
k = 10
protect_zeros = true
[estimates]
runs = ["ES-0001"]
"""


def test_a_spec_round_trips_through_its_normal_form() -> None:
    spec = parse_spec(SPEC)
    assert spec.scope.since == dt.date(2018, 12, 1) and spec.scope.until == dt.date(2019, 12, 31)
    assert spec.settings.k == 10 and spec.settings.protect_zeros
    assert spec_from_dict(spec.as_dict()) == spec
    assert parse_spec(SPEC, lang="en").lang == "en"  # the command line wins
    assert parse_spec("").sections == SECTIONS


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("colour = 1", "unknown key 'colour'"),
        ("[disclosure]\nk = 0", "k must be"),
        ("[disclosure]\nk = true", "k must be"),
        ('lang = "de"', "lang must be"),
        ('sections = ["gossip"]', "unknown section"),
        ('[scope]\nsince = "soon"', "since"),
        ('[scope]\nact_types = ["shouting"]', "not a known act type"),
        ("[coarsening]\nage_bands = [30, 20]", "age_bands"),
        ('[coarsening]\ndates = "day"', "dates must be"),
        ("title = [", "not valid TOML"),
    ],
)
def test_a_bad_spec_is_refused_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(InputError, match=says):
        parse_spec(text)


def test_coarsening() -> None:
    assert period_key(PartialDateRange.parse("2019-01-17")) == "2019-01"
    assert period_key(PartialDateRange.parse("2019-01..2019-02")) == "2019"
    assert period_key(PartialDateRange.parse("2019-01..2019-02"), "quarter") == "2019-Q1"
    assert period_key(PartialDateRange.parse("2018-12..2019-01")) == "unknown"
    assert (
        period_key(None) == "unknown"
        and period_key(PartialDateRange.parse("2019"), "year") == "2019"
    )
    assert [age_band(a) for a in (None, 5, 18, 29, 30, 64, 99)] == [
        "unknown",
        "0-17",
        "18-29",
        "18-29",
        "30-39",
        "60+",
        "60+",
    ]
    assert birth_year("1988-03-02") == 1988 and birth_year("около 1990 г.") == 1990
    assert birth_year("1988 or 1989") is None and birth_year("") is None


def test_every_message_the_reports_ask_for_has_its_russian(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: set[str] = set()
    russian = translations("ru")

    def recording(language: str):  # type: ignore[no-untyped-def]
        def translate(message: str) -> str:
            asked.add(message)
            return russian.gettext(message)

        return translate

    monkeypatch.setattr(render, "translator", recording)
    computed = compute(
        [],
        [KeptEstimate("ES-0001", RUN), KeptEstimate("ES-0002", {"n_observed": 3})],
        parse_spec(""),
    )
    figures = [
        *computed.figures,
        Figure(
            "acts-by-month",
            "table",
            {
                "unit": "acts",
                "rows": ["period", ["2019-01"]],
                "columns": ["n", ["n"]],
                "cells": [["2019-01", "n", None], ["*", "n", 7]],
            },
        ),
        Figure(
            "victims-by-sex-and-age",
            "table",
            {
                "unit": "victims",
                "rows": ["sex", ["male"]],
                "columns": ["age_band", ["unknown"]],
                "cells": [
                    ["male", "unknown", 9],
                    ["male", "*", 9],
                    ["*", "unknown", 9],
                    ["*", "*", 9],
                ],
            },
        ),
        Figure(
            "estimate-ES-0003",
            "estimate",
            {
                **computed.figure("estimate-ES-0001").values,
                "median": None,
                "stratified_by": ["place"],
            },
        ),
    ]
    for dates in ("month", "quarter", "year"):
        for zeros in (False, True):
            context = render.Context(
                "RP-1", "", "ru", "o", 1, "00" * 32, "2026-01-01", 5, zeros, dates, SECTIONS
            )
            render.html(figures, context)
    for dimension in render.DIMENSIONS.values():
        asked.add(dimension)
    for title in render.TITLES.values():
        asked.add(title)
    missing = sorted(m for m in asked if russian.gettext(m) == m)
    assert not missing
