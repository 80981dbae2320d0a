import pytest

from bearwitness.domain import vocabulary as v
from bearwitness.domain.records import RECORD_TYPES, Act, Event, Person, record_from_dict
from bearwitness.errors import InputError

REQUIRED_ACTS = ["arbitrary_detention", "torture", "killing", "death_in_custody",
                 "enforced_disappearance", "seizure_of_documents", "forced_signature",
                 "threats_to_relatives", "coerced_disclosure", "obstruction_of_justice",
                 "restriction_of_movement", "extortion", "forced_outing"]


def test_vocabulary_covers_the_acts_with_both_languages() -> None:
    for code in REQUIRED_ACTS:
        term = v.ACT_TYPES[code]
        assert term.en and term.ru and term.ru != term.en
    for vocabulary in v.ALL:
        assert all(term.ru for term in vocabulary.terms)


def test_identifying_fields_are_sealed() -> None:
    assert {"full_name", "birth_date", "contact", "address", "identity_documents"} <= set(
        Person.sealed_fields())
    assert "text" in RECORD_TYPES["document"].sealed_fields()
    assert "act_type" in Act.clear_fields()


def test_dict_round_trip_keeps_dates_and_counts() -> None:
    event = record_from_dict({"type": "event", "id": "E-0001", "date": "~2018-12..2019-02",
                              "victims": "around 40", "title": "wave",
                              "related_ids": "E-0002;E-0003"})
    assert isinstance(event, Event)
    assert event.to_dict()["victims"] == "~40"
    assert Event.from_dict(event.to_dict()) == event
    assert event.related_ids == ("E-0002", "E-0003")


@pytest.mark.parametrize("data", [
    {"type": "act", "id": "A-1", "act_type": "beating"},
    {"type": "act", "id": "P-1"},
    {"type": "person", "id": "P-1", "favourite_colour": "red"},
    {"type": "event", "id": "E-1", "date": "2019-13"},
    {"type": "spaceship", "id": "X-1"},
])
def test_bad_records_are_rejected_with_a_hint(data: dict[str, str]) -> None:
    with pytest.raises(InputError) as caught:
        record_from_dict(data)
    assert caught.value.hint
