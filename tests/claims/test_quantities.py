"""Counts with their qualifier, as the issue and ACLED code them."""

from __future__ import annotations

import pytest

from bearwitness.claims.quantities import find_counts, number_value


def _one(sentence: str) -> tuple[str, int | None, int | None, int | None]:
    counts = [c for c in find_counts(sentence) if not c.zero] or find_counts(sentence)
    assert counts, sentence
    count = counts[0]
    return (count.qualifier, count.value, count.low, count.high)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("over 40 people were detained", ("at_least", 41, 41, None)),
        ("more than 40 were arrested", ("at_least", 41, 41, None)),
        ("at least 40 men", ("at_least", 40, 40, None)),
        ("200 or more protesters", ("at_least", 200, 200, None)),
        ("nearly 40 people", ("at_most", 40, None, 40)),
        ("almost 40 people", ("at_most", 40, None, 40)),
        ("fewer than 10 people", ("at_most", 9, None, 9)),
        ("around 40 people", ("approx", 40, None, None)),
        ("about 40 people", ("approx", 40, None, None)),
        ("between 30 and 40 activists", ("range", None, 30, 40)),
        ("40 people were detained", ("exact", 40, 40, 40)),
        ("dozens of protesters were detained", ("approx", 12, None, None)),
        ("tens of people were detained", ("approx", 10, None, None)),
        ("hundreds of people were detained", ("approx", 100, None, None)),
        ("several people were detained", ("approx", 10, None, None)),
        ("many people were detained", ("approx", 10, None, None)),
        ("forty-two journalists", ("exact", 42, 42, 42)),
        ("at least 1,000 people", ("at_least", 1000, 1000, None)),
        ("около 40 человек", ("approx", 40, None, None)),
        ("не менее двух человек погибли", ("at_least", 2, 2, None)),
        ("более ста задержанных", ("at_least", 101, 101, None)),
        ("десятки человек задержаны", ("approx", 10, None, None)),
        ("сотни человек задержаны", ("approx", 100, None, None)),
        ("от 30 до 40 человек", ("range", None, 30, 40)),
        ("задержаны 1\u00a0200 человек", ("exact", 1200, 1200, 1200)),
        ("no one was detained", ("exact", 0, 0, 0)),
        ("никто не был задержан", ("exact", 0, 0, 0)),
        # a total that grew is exact, not "up to"
        ("the death toll rose to 13", ("exact", 13, 13, 13)),
        ("число погибших увеличилось до 13 человек", ("exact", 13, 13, 13)),
        ("задержаны до 13 человек", ("at_most", 13, None, 13)),
        ("«Погибших нет», — заявила она", ("exact", 0, 0, 0)),
        ("нет погибших", ("exact", 0, 0, 0)),
        ("he denied any protesters were killed", ("exact", 0, 0, 0)),
    ],
)
def test_qualifiers_follow_the_coding_rules(sentence: str, expected: tuple[object, ...]) -> None:
    assert _one(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "In 2019 the police changed its rules.",
        "a 25-year-old man was held for 15 days",
        "on 12 May the court met",
        "under Article 282 of the code",
        "a fine of 500 roubles",
        "turnout was 40 percent",
    ],
)
def test_years_ages_durations_money_are_not_counts(sentence: str) -> None:
    assert find_counts(sentence) == []


def test_any_is_zero_only_when_denied() -> None:
    assert find_counts("it is unclear whether any protesters were killed") == []


def test_number_words() -> None:
    assert number_value("twenty-one") == 21
    assert number_value("two hundred") == 200
    assert number_value("a dozen") == 12
    assert number_value("двадцати семи") == 27
    assert number_value("1.5 million") == 1_500_000
