"""The rule layer alone (spacy.blank finds no entities): acts, counts, stance, claimants."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import spacy

from bearwitness.claims import lexicon
from bearwitness.claims.extract import Candidate, extract
from bearwitness.claims.models import SpacyEntities
from bearwitness.domain.vocabulary import ACT_TYPES

ARTICLE = (Path(__file__).parent / "data" / "fictional_article_en.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def found() -> list[Candidate]:
    return extract(
        ARTICLE,
        language="en",
        outlet="FICTIONAL Gazette",
        published=dt.date(2019, 2, 1),
        entities=SpacyEntities(spacy.blank("en")),
    )


def _row(c: Candidate) -> tuple[object, ...]:
    count = c.count.to_json() if c.count else None
    return (c.act, count and (count["value"], count["qualifier"]), c.stance, c.claimant)


def test_offsets_are_exact(found: list[Candidate]) -> None:
    assert found and all(ARTICLE[c.start : c.end] == c.sentence for c in found)


def test_two_claims_in_one_sentence_and_the_denials(found: list[Candidate]) -> None:
    rows = [_row(c) for c in found]
    network = "FICTIONAL Rights Network"
    assert rows == [
        ("arbitrary_detention", (12, "approx"), "assert", None),
        ("arbitrary_detention", (40, "approx"), "assert", network),
        ("death_in_custody", (2, "at_least"), "assert", network),
        ("arbitrary_detention", (40, "exact"), "assert", f"{network} (Ivan Petrov)"),
        ("death_in_custody", (2, "exact"), "assert", f"{network} (Ivan Petrov)"),
        ("arbitrary_detention", (40, "exact"), "deny", "spokesman for the authorities"),
        ("arbitrary_detention", None, "deny", "spokesman for the authorities"),
        ("seizure_of_documents", (10, "approx"), "assert", "FICTIONAL Watch"),
    ]
    assert found[-1].hedged and found[-1].via == "Daily Bugle"
    assert not any(c.hedged for c in found[:-1])
    assert found[1].when == "2019-01" and found[1].when_precision == "month"
    assert found[0].place == "Argun" and found[0].place_precision == "town"
    assert all(c.outlet == "FICTIONAL Gazette" for c in found)


def test_no_claim_from_comments_bylines_or_timestamps(found: list[Candidate]) -> None:
    assert not any("500" in c.sentence or "ago" in c.sentence for c in found)
    assert not any("Jane Doe" in c.sentence for c in found)


def test_russian_rules() -> None:
    text = (
        "По данным правозащитного центра «Мемориал», в Грозном были задержаны около 40 "
        "человек, не менее двух погибли под пытками. Власти назвали эти сообщения ложью. "
        "Никто не был задержан, заявил представитель МВД."
    )
    rows = [_row(c) for c in extract(text, language="ru")]
    assert rows == [
        ("arbitrary_detention", (40, "approx"), "assert", "правозащитного центра «Мемориал»"),
        ("death_in_custody", (2, "at_least"), "assert", "правозащитного центра «Мемориал»"),
        ("arbitrary_detention", None, "deny", "Власти"),
        ("arbitrary_detention", (0, "exact"), "deny", "представитель МВД"),
    ]


@pytest.mark.parametrize(
    ("language", "sentence", "expected"),
    [
        # a count of the injured is no act's, before or after its verb
        (
            "ru",
            "«В результате беспорядков пострадали 86 человек, погибли - 13», - сказал он.",
            [("killing", (13, "exact"), "assert", None)],
        ),
        # a list of victims keeps its count: "304 men, women and children who were killed"
        (
            "en",
            "Amnesty International has documented 304 men, women and children who were killed.",
            [("killing", (304, "exact"), "assert", "Amnesty International")],
        ),
        (
            "en",
            "A FICTIONAL government statement put the number of fatalities at eight.",
            [("killing", (8, "exact"), "assert", "FICTIONAL government statement")],
        ),
        (
            "en",
            "The FICTIONAL police chief denied any protesters were killed by security forces.",
            [("killing", (0, "exact"), "deny", "FICTIONAL police chief")],
        ),
        # "according to reports" names nobody; the speaker after it does
        (
            "en",
            "According to reports, FICTIONAL Watch said that police shot dead at least a "
            "dozen protesters.",
            [("killing", (12, "at_least"), "assert", "FICTIONAL Watch")],
        ),
        (
            "ru",
            "Число погибших увеличилось до 13 человек, сообщил на брифинге в воскресенье в "
            "Астане представитель FICTIONAL прокуратуры.",
            [("killing", (13, "exact"), "assert", "представитель FICTIONAL прокуратуры")],
        ),
    ],
)
def test_rules_learnt_from_the_first_held_out_set(
    language: str, sentence: str, expected: list[tuple[object, ...]]
) -> None:
    assert [_row(c) for c in extract(sentence, language=language)] == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # an age between commas, a time and legal articles are no counts
        (
            "en",
            "[NAME], 65, was tortured to death after being detained by FICTIONAL forces.",
            [("death_in_custody", None, "assert", None)],
        ),
        (
            "en",
            "FICTIONAL police arrested a protester at around 5.30pm on Sunday.",
            [("arbitrary_detention", None, "assert", None)],
        ),
        (
            "en",
            "Children as young as 9 have been reportedly tortured, the FICTIONAL Forum said.",
            [("torture", None, "assert", "FICTIONAL Forum")],
        ),
        (
            "en",
            "The FICTIONAL minister said that no forced disappearance cases have been recorded.",
            [("enforced_disappearance", (0, "exact"), "deny", "FICTIONAL minister")],
        ),
        # the shot are wounded unless "shot dead"
        (
            "en",
            "12 Confirmed Dead, 78 Shot In FICTIONAL Crackdown",
            [("killing", (12, "exact"), "assert", None)],
        ),
        (
            "en",
            "The FICTIONAL Commission (FCHR) has disclosed that 39 people have died.",
            [("killing", (39, "exact"), "assert", "FICTIONAL Commission (FCHR)")],
        ),
        (
            "ru",
            "Военные FICTIONAL признали гибель по меньшей мере 164 протестующих.",
            [("killing", (164, "at_least"), "assert", "Военные FICTIONAL")],
        ),
        # a headline's source after a dash; «Об этом сообщил X» names who said what came before
        (
            "ru",
            "В FICTIONAL городе похищен 21 человек, - СНБО",
            [("enforced_disappearance", (21, "exact"), "assert", "СНБО")],
        ),
        (
            "ru",
            "Более 3000 человек остаются пропавшими без вести. Об этом сообщила координатор "
            "программы FICTIONAL Мария Иванова.",
            [
                (
                    "enforced_disappearance",
                    (3001, "at_least"),
                    "assert",
                    "координатор программы FICTIONAL Мария Иванова",
                )
            ],
        ),
    ],
)
def test_rules_learnt_from_the_second_development_set(
    language: str, text: str, expected: list[tuple[object, ...]]
) -> None:
    assert [_row(c) for c in extract(text, language=language)] == expected


def test_every_act_is_a_vocabulary_id() -> None:
    assert {act for act, _ in lexicon.ACTS} <= set(ACT_TYPES.codes)
