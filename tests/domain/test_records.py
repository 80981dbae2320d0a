import pytest

from bearwitness.domain import vocabulary as v
from bearwitness.domain.records import (
    RECORD_TYPES,
    Act,
    Document,
    Event,
    Person,
    is_provisional,
    provisional_id,
    record_from_dict,
)
from bearwitness.errors import InputError

REQUIRED_ACTS = [
    "arbitrary_detention",
    "torture",
    "killing",
    "death_in_custody",
    "enforced_disappearance",
    "seizure_of_documents",
    "forced_signature",
    "threats_to_relatives",
    "coerced_disclosure",
    "obstruction_of_justice",
    "restriction_of_movement",
    "extortion",
    "forced_outing",
]


def test_vocabulary_covers_the_acts_with_both_languages() -> None:
    for code in REQUIRED_ACTS:
        term = v.ACT_TYPES[code]
        assert term.en and term.ru and term.ru != term.en
    for vocabulary in v.ALL:
        assert all(term.ru for term in vocabulary.terms)


def test_identifying_fields_are_sealed() -> None:
    assert {"full_name", "birth_date", "contact", "address", "identity_documents"} <= set(
        Person.sealed_fields()
    )
    assert "text" in RECORD_TYPES["document"].sealed_fields()
    assert "act_type" in Act.clear_fields()


def test_dict_round_trip_keeps_dates_and_counts() -> None:
    event = record_from_dict(
        {
            "type": "event",
            "id": "E-0001",
            "date": "~2018-12..2019-02",
            "victims": "around 40",
            "title": "wave",
            "related_ids": "E-0002;E-0003",
        }
    )
    assert isinstance(event, Event)
    assert event.to_dict()["victims"] == "~40"
    assert Event.from_dict(event.to_dict()) == event
    assert event.related_ids == ("E-0002", "E-0003")


@pytest.mark.parametrize(
    "data",
    [
        {"type": "act", "id": "A-1", "act_type": "beating"},
        {"type": "act", "id": "P-1"},
        {"type": "person", "id": "P-1", "favourite_colour": "red"},
        {"type": "event", "id": "E-1", "date": "2019-13"},
        {"type": "spaceship", "id": "X-1"},
    ],
)
def test_bad_records_are_rejected_with_a_hint(data: dict[str, str]) -> None:
    with pytest.raises(InputError) as caught:
        record_from_dict(data)
    assert caught.value.hint


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"type": "evidence", "id": "F-1", "size": "²"}, "'size'"),
        ({"type": "evidence", "id": "F-1", "size": "5" * 5000}, "'size'"),
        ({"type": "evidence", "id": "F-1", "size": -1}, "'size'"),
        ({"type": "evidence", "id": "F-1", "size": "-1"}, "'size'"),
        ({"type": "evidence", "id": "F-1", "size": 2**53}, "'size'"),
        ({"type": "evidence", "id": "F-1", "size": 2.5}, "'size'"),
        ({"type": "person", "id": "P-1\x00"}, "not a person id"),
        ({"type": "person", "id": "P-../../keyring"}, "not a person id"),
        ({"type": "person", "id": "P-<script>"}, "not a person id"),
        ({"type": "person", "id": "P-" + "1" * 63}, "not a person id"),
        ({"type": "person", "id": "P-²"}, "not a person id"),
        (
            {"type": "act", "id": "A-1", "victim_id": "E-0001"},
            "'victim_id': 'E-0001' is not a person",
        ),
        ({"type": "act", "id": "A-1", "victim_id": "P-1/.."}, "'victim_id'"),
        ({"type": "document", "id": "D-1", "event_ids": "E-1;E-<2>"}, "'event_ids'"),
        ({"type": "document", "id": "D-1", "event_ids": [["E-1"]]}, "'event_ids'"),
        ({"type": "event", "id": "E-1", "district": "x" * 201}, "longer than 200"),
        ({"type": "event", "id": "E-1", "district": "Argun\x00"}, "NUL"),
        ({"type": "event", "id": "E-1", "title": "half a pair \ud800"}, "surrogate"),
        ({"type": "event", "id": "E-1", "title": {"nested": 1}}, "'title'"),
        ({"type": ["event"], "id": "E-1"}, "type"),
    ],
)
def test_a_record_checks_everything_it_can_alone(data: dict[str, object], says: str) -> None:
    """What a locked intake can check without keys, the record checks itself (issue 16, 10)."""
    with pytest.raises(InputError) as caught:
        record_from_dict(data)
    assert says in caught.value.message
    assert caught.value.hint and len(caught.value.message) < 200


def test_unknown_fields_are_named_briefly() -> None:
    data: dict[str, object] = {"type": "person", "id": "P-1"}
    data.update({f"column{n}": "x" for n in range(100_000)})
    with pytest.raises(InputError) as caught:
        record_from_dict(data)
    message = caught.value.message
    assert message.startswith("100000 unknown person fields: column0, column1")
    assert "(99,995 more)" in message and len(message) < 200


def test_well_formed_ids_and_references_are_kept() -> None:
    act = record_from_dict(
        {
            "type": "act",
            "id": "A-list.2019_07-x",
            "victim_id": "P-7f3a",
            "perpetrator_ids": "P-1; P-2",
        }
    )
    assert act.references() == [
        ("victim_id", "person", "P-7f3a"),
        ("perpetrator_ids", "person", "P-1"),
        ("perpetrator_ids", "person", "P-2"),
    ]


def test_a_renamed_record_changes_its_id_and_every_reference_to_a_new_one() -> None:
    document = Document(
        id="D-new-1", source_id="S-new-1", event_ids=("E-0007", "E-new-2"), text="FICTIONAL"
    )
    ids = {("document", "D-new-1"): "D-0042", ("event", "E-new-2"): "E-0008"}
    renamed = document.renamed(ids)
    assert (renamed.id, renamed.source_id, renamed.event_ids) == (
        "D-0042",
        "S-new-1",
        ("E-0007", "E-0008"),
    )
    assert renamed.text == "FICTIONAL" and document.id == "D-new-1"  # a new record
    assert document.renamed({("person", "P-new-1"): "P-0001"}) is document  # nothing to change
    with pytest.raises(InputError, match="is not a document id"):
        document.renamed({("document", "D-new-1"): "P-0001"})
    assert is_provisional("D-new-1") and not is_provisional("D-0001")
    assert provisional_id("P", 3) == "P-new-3"
