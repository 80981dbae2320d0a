"""Free-text dates, ages, places and event types."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bearwitness.linkage.normalise import (
    ACT_TYPES,
    event_codes,
    parse_age,
    parse_birth,
    parse_date,
    place_key,
)


@pytest.mark.parametrize(
    ("text", "lo", "hi", "precision"),
    [
        ("03.12.2018", date(2018, 12, 3), date(2018, 12, 3), "day"),
        ("декабрь 2018", date(2018, 12, 1), date(2018, 12, 31), "month"),
        ("в декабре 2018 г.", date(2018, 12, 1), date(2018, 12, 31), "month"),
        ("late 2018", date(2018, 9, 1), date(2018, 12, 31), "range"),
        ("3 December 2018", date(2018, 12, 3), date(2018, 12, 3), "day"),
        ("December 3, 2018", date(2018, 12, 3), date(2018, 12, 3), "day"),
        ("Dezember 2018", date(2018, 12, 1), date(2018, 12, 31), "month"),
        ("3. Dezember 2018", date(2018, 12, 3), date(2018, 12, 3), "day"),
        ("3 décembre 2018", date(2018, 12, 3), date(2018, 12, 3), "day"),
        ("début 2019", date(2019, 1, 1), date(2019, 4, 30), "range"),
        ("конец 2018 года", date(2018, 9, 1), date(2018, 12, 31), "range"),
        ("лето 2019", date(2019, 6, 1), date(2019, 8, 31), "range"),
        ("2018-12-03", date(2018, 12, 3), date(2018, 12, 3), "day"),
        ("12/2018", date(2018, 12, 1), date(2018, 12, 31), "month"),
        ("2017-2019", date(2017, 1, 1), date(2019, 12, 31), "range"),
        ("1990s", date(1990, 1, 1), date(1999, 12, 31), "range"),
        ("2018", date(2018, 1, 1), date(2018, 12, 31), "year"),
    ],
)
def test_dates(text: str, lo: date, hi: date, precision: str) -> None:
    parsed = parse_date(text)
    assert parsed is not None
    assert (parsed.lo, parsed.hi, parsed.precision) == (lo, hi, precision)


def test_approximate_dates_say_so() -> None:
    parsed = parse_date("около 2018")
    assert parsed is not None and parsed.approximate
    assert not parse_date("2018").approximate  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["", "nonsense", "31.02.2019", "13.13.2019", "sometime"])
def test_unreadable_dates_are_none(text: str) -> None:
    assert parse_date(text) is None


_MONTHS = {
    "ru": [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
}


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(sorted(_MONTHS)),
)
def test_any_day_written_in_any_language_reads_back(day: date, language: str) -> None:
    text = f"{day.day} {_MONTHS[language][day.month - 1]} {day.year}"
    parsed = parse_date(text)
    assert parsed is not None and parsed.lo == parsed.hi == day
    numeric = parse_date(day.strftime("%d.%m.%Y"))
    assert numeric is not None and numeric.lo == day


def test_birth_forms() -> None:
    for text in ("1990", "born 1990", "1990 г.р.", "geb. 1990", "née en 1990"):
        parsed = parse_birth(text)
        assert parsed is not None and parsed.lo.year == 1990, text


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("25", 25, 25),
        ("aged 25", 25, 25),
        ("aged about 25", 23, 27),
        ("in his 20s", 20, 29),
        ("in her twenties", 20, 29),
        ("25-30", 25, 30),
        ("25 лет", 25, 25),
        ("около 25 лет", 23, 27),
        ("environ 25 ans", 23, 27),
        ("etwa 25 Jahre", 23, 27),
        ("la trentaine", 30, 39),
        ("early 30s", 30, 33),
    ],
)
def test_ages(text: str, lo: int, hi: int) -> None:
    parsed = parse_age(text)
    assert parsed is not None and (parsed.lo, parsed.hi) == (lo, hi)


@pytest.mark.parametrize("text", ["old man", "", "yes", "300"])
def test_unreadable_ages_are_none(text: str) -> None:
    assert parse_age(text) is None


def test_age_gives_birth_years_at_an_event() -> None:
    age, event = parse_age("25"), parse_date("2018")
    assert age is not None and event is not None
    assert age.birth_years(event) == (1992, 1993)


@pytest.mark.parametrize(
    "text",
    ["Грозный", "г. Грозный", "Groznyy", "Grosny", "Dzhokhar", "Джохар-Гала", "Grozny, Chechnya"],
)
def test_grozny_and_its_other_names(text: str) -> None:
    assert place_key(text) == "grozny"


def test_renamed_village() -> None:
    assert place_key("с. Ойсхара, Гудермесский р-н") == place_key("Novogroznensky") == "oiskhara"


def test_unknown_place_keeps_its_fold() -> None:
    assert place_key("Nowhere-upon-Sea") == place_key("Nowhere upon Sea")


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("detained and beaten", ("arbitrary_detention", "torture")),
        ("задержан, избит", ("arbitrary_detention", "torture")),
        ("enlevé, torturé", ("arbitrary_detention", "torture")),
        ("festgenommen und gefoltert", ("arbitrary_detention", "torture")),
        ("пропал без вести", ("enforced_disappearance",)),
        ("forced to sign blank forms", ("forced_signature",)),
        ("passport taken", ("seizure_of_documents",)),
        ("forced_outing", ("forced_outing",)),
        ("xyz", ()),
    ],
)
def test_event_types(text: str, codes: tuple[str, ...]) -> None:
    assert event_codes(text) == codes
    assert set(codes) <= set(ACT_TYPES)
