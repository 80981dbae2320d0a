import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bearwitness.domain.dates import PartialDate, PartialDateRange, Precision
from bearwitness.errors import InputError


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    day = draw(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
    precision = draw(st.sampled_from(list(Precision)))
    return PartialDate(
        day.year,
        day.month if precision is not Precision.YEAR else None,
        day.day if precision is Precision.DAY else None,
        approximate=draw(st.booleans()),
    )


@given(partial_dates())
def test_text_round_trips(date: PartialDate) -> None:
    assert PartialDate.parse(str(date)) == date
    assert date.earliest <= date.latest


@given(partial_dates(), partial_dates())
def test_ranges_round_trip(a: PartialDate, b: PartialDate) -> None:
    start, end = sorted([a, b], key=lambda d: d.earliest)
    if end.latest < start.earliest:
        return
    period = PartialDateRange(start, end)
    assert PartialDateRange.parse(str(period)) == period


def test_month_precision_spans_the_month() -> None:
    december = PartialDate.parse("2018-12")
    assert december.precision is Precision.MONTH
    assert (december.earliest, december.latest) == (dt.date(2018, 12, 1), dt.date(2018, 12, 31))
    assert PartialDate.parse("~2019").approximate
    assert PartialDate.parse("2020-02").latest == dt.date(2020, 2, 29)


def test_overlap_compares_intervals() -> None:
    wave = PartialDateRange.parse("2018-12..2019-02")
    assert wave.overlaps(since=dt.date(2019, 1, 1))
    assert not wave.overlaps(since=dt.date(2019, 3, 1))
    assert PartialDateRange.parse("2018").overlaps(since=dt.date(2018, 12, 1))


@pytest.mark.parametrize(
    "text", ["2018-13", "2019-02-30", "18-12", "December", "2019-02..", "2019..2018", ""]
)
def test_bad_dates_say_what_to_write(text: str) -> None:
    with pytest.raises(InputError) as caught:
        PartialDateRange.parse(text)
    assert caught.value.hint


@pytest.mark.parametrize("text", ["٢٠١٨", "２０１８-12", "2018-1٢", "2018..٢٠١٩"])
def test_dates_are_ascii_digits(text: str) -> None:
    """Other scripts' digits would be stored as ASCII and not round-trip."""
    with pytest.raises(InputError):
        PartialDateRange.parse(text)
