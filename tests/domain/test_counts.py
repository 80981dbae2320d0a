import pytest
from hypothesis import given
from hypothesis import strategies as st

from bearwitness.domain.counts import QualifiedCount, Qualifier
from bearwitness.errors import InputError


@given(st.sampled_from(list(Qualifier)), st.integers(0, 10**6), st.integers(0, 10**6))
def test_text_round_trips(qualifier: Qualifier, a: int, b: int) -> None:
    low, high = sorted((a, b))
    count = QualifiedCount(qualifier, low, high if qualifier is Qualifier.RANGE else None)
    assert QualifiedCount.parse(str(count)) == count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40", "40"),
        ("around 40", "~40"),
        ("about 40", "~40"),
        ("около 40", "~40"),
        ("at least 2", ">=2"),
        ("не менее 2", ">=2"),
        ("200 or more", ">=200"),
        ("200+", ">=200"),
        ("more than 200", ">=201"),
        ("более 200", ">=201"),
        ("at most 5", "<=5"),
        ("fewer than 5", "<=4"),
        ("10-20", "10-20"),
        ("10 to 20", "10-20"),
    ],
)
def test_words_people_write(text: str, expected: str) -> None:
    assert str(QualifiedCount.parse(text)) == expected


def test_qualifiers_stay_different_facts() -> None:
    assert QualifiedCount.parse("~40") != QualifiedCount.parse("40")
    assert QualifiedCount.parse(">=2").describe() == "at least 2"
    assert QualifiedCount.parse("~40").describe("ru") == "около 40"
    assert QualifiedCount.parse("~40").lower_bound is None
    assert QualifiedCount.parse(">=2").lower_bound == 2


@pytest.mark.parametrize("text", ["many", "-3", "20-10", "~", ""])
def test_bad_counts_are_rejected(text: str) -> None:
    with pytest.raises(InputError):
        QualifiedCount.parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "²",
        "~²",
        ">=²",
        "2²",
        "1²-3",
        "٤٠",
        "5" * 5000,
        "~" + "9" * 400,
        "9007199254740992",
        "more than 9007199254740991",
    ],
)
def test_counts_are_ascii_digits_and_bounded(text: str) -> None:
    """isdigit() is true for '²' and int('²') fails; 5,000 digits exceed int()'s limit."""
    with pytest.raises(InputError) as caught:
        QualifiedCount.parse(text)
    assert len(caught.value.message) < 120  # a long value is cut, not echoed whole


def test_the_largest_count_is_kept() -> None:
    assert QualifiedCount.parse("9007199254740991").value == 2**53 - 1
