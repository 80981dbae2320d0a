"""Journey legs never hold a live location; the funds ledger adds up per currency."""

from __future__ import annotations

import pytest

from bearwitness.domain.casework import Funds, Leg, balances, looks_like_coordinates
from bearwitness.domain.records import Intervention
from bearwitness.errors import InputError


@pytest.mark.parametrize(
    "text",
    [
        "43.3169, 45.6815",
        "43,3169 45,6815",
        "43°18'30\"N 45°41'E",
        "43° N",
        "https://maps.google.com/?q=x",
        "geo:43.3,45.6",
        "https://yandex.ru/maps/-/x",
        "8GHC+2X",
    ],
)
def test_positions_are_recognised(text: str) -> None:
    assert looks_like_coordinates(text)
    with pytest.raises(InputError, match="looks like a location"):
        Leg.parse(f"2026-03 | Chechnya | {text}")


def test_regions_and_coarse_dates_are_kept_in_one_written_form() -> None:
    assert not looks_like_coordinates("Moscow region")
    assert (
        str(Leg.parse(" 2026-03|Chechnya |  Moscow region")) == "2026-03 | Chechnya | Moscow region"
    )
    for bad in ("2026-03-02 | A | B", "2026-03 | A", "2026-03 | House 12 | B"):
        with pytest.raises(InputError):
            Leg.parse(bad)


def test_the_ledger() -> None:
    assert str(Funds.parse("2026-03 | -15 000 rub | bus")) == "2026-03 | -15000 RUB | bus"
    lines = ("2026-03 | +20000 RUB | grant", "2026-03 | -15000 RUB | bus", "2026-04 | -100 EUR | x")
    assert balances(lines) == {"RUB": 5000, "EUR": -100}
    with pytest.raises(InputError, match="not an amount"):
        Funds.parse("2026-03 | lots | bus")


def test_an_intervention_names_the_field_that_is_wrong() -> None:
    with pytest.raises(InputError, match="field 'journey'"):
        Intervention(id="I-0001", journey=("2026-03 | 43.31, 45.69 | abroad",))
    with pytest.raises(InputError, match="priority"):
        Intervention(id="I-0001", priority="whenever")
    case = Intervention(id="I-0001", funds=("2026-03|-5 rub|tea",), risk_level="high")
    assert Intervention.from_dict(case.to_dict()) == case
