"""Errors keep their words apart from their values, so that a page can say them in its
reader's language; the CLI and the API print the same English as before."""

from __future__ import annotations

import pytest

from bearwitness.domain.dates import PartialDateRange
from bearwitness.domain.records import Event, field_message
from bearwitness.errors import ImportRejected, InputError, Phrase

RUSSIAN = {
    "field %(field)s: %(problem)s": "поле %(field)s: %(problem)s",
    "month %(month)s does not exist": "месяца %(month)s не существует",
    "Months run 01 to 12.": "Месяцы — от 01 до 12.",
    "%(problem)s. %(hint)s": "%(problem)s. %(hint)s",
}


def russian(text: str) -> str:
    return RUSSIAN.get(text, text)


def test_a_phrase_is_its_english_and_can_be_said_in_another_language() -> None:
    said = Phrase(
        "field %(field)s: %(problem)s", field="'date'", problem=Phrase("a day needs a month")
    )
    assert str(said) == "field 'date': a day needs a month"
    assert said.said(russian) == "поле 'date': a day needs a month"  # no entry: as written
    assert Phrase("%(n)s%% done", n=40).said(str) == "40% done"  # with values, % is %%
    assert Phrase("at 100%").said(russian) == "at 100%"  # no values: a bare % stays
    assert not Phrase("") and Phrase("x")


def test_values_are_put_in_as_they_are_never_translated() -> None:
    typed = "Months run 01 to 12."  # a user may type what happens to be a catalogue entry
    assert Phrase("month %(month)s does not exist", month=typed).said(russian) == (
        "месяца Months run 01 to 12. не существует"
    )


def test_a_record_check_says_its_field_its_problem_and_its_hint() -> None:
    with pytest.raises(InputError) as refused:
        Event.from_dict({"id": "E-0001", "date": "2019-13"})
    error = refused.value
    assert error.message == "field 'date': month 13 does not exist"
    assert error.hint == "Months run 01 to 12."
    assert error.phrases[0].said(russian) == "поле 'date': месяца 13 не существует"
    beside = field_message(error, "date")  # what the form shows beside the field
    assert beside.said(russian) == "месяца 13 не существует. Месяцы — от 01 до 12."


def test_an_import_refusal_keeps_the_row_and_the_reason_as_phrases() -> None:
    with pytest.raises(InputError) as bad:
        PartialDateRange.parse("2019-13")
    refused = ImportRejected("people.csv", 3, bad.value.phrases[0])
    assert refused.message == "people.csv, row 3: month 13 does not exist"
    assert refused.reason == "month 13 does not exist"
    assert refused.reason_phrase.said(russian) == "месяца 13 не существует"
