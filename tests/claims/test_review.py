"""The review queue and the incident page's computation, on a real archive (FICTIONAL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.domain.records import Claim, Document, Source
from bearwitness.errors import CaseChanged, InputError, LockedError
from bearwitness.intake.importers import ImportRow
from bearwitness.services import claim_review, claims, reading, verification, writing
from bearwitness.services.archive import Archive
from bearwitness.services.reporting import claim_inputs

PASSPHRASE = "FICTIONAL test passphrase"
ARTICLE = (
    "FICTIONAL. Around 40 people were detained in Argun in January 2019, the Fictional "
    "Rights Network said in a press release. At least two of them died under torture, the "
    'network said. A spokesman for the authorities denied it: "if even a single person '
    'were arrested, let alone 40, the entire public would have known."\n'
)
ROWS = [
    {"type": "event", "id": "E-0001", "date": "2019-01", "district": "Argun",
     "title": "FICTIONAL wave of detentions", "fictional": True},
    {"type": "event", "id": "E-0002", "date": "2015-05", "district": "Elsewhere",
     "title": "FICTIONAL other event", "fictional": True},
]  # fmt: skip


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    opened, _ = Archive.create(
        tmp_path / "archive", passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    rows = [ImportRow(n, dict(data)) for n, data in enumerate(ROWS, start=1)]
    writing.write_records(opened, writing.resolve_rows(opened, rows, "fixture"))
    return opened


def _add(archive: Archive) -> str:
    added = claims.add_bytes(archive, "pasted.txt", ARTICLE.encode(), outlet="FICTIONAL Herald")
    assert added.batch is None and added.candidates == 3
    return added.document_id


def test_the_queue_places_each_sentence_in_its_document(archive: Archive) -> None:
    document_id = _add(archive)
    pending = claim_review.queue(archive)
    assert [p.candidate["act"] for p in pending] == [
        "arbitrary_detention", "death_in_custody", "arbitrary_detention"
    ]  # fmt: skip
    first = pending[0]
    assert first.document_id == document_id and first.outlet == "FICTIONAL Herald"
    assert first.before + first.sentence + first.after == ARTICLE
    assert first.count is not None and (first.count.qualifier, first.count.value) == ("approx", 40)
    assert [s.event_id for s in first.suggested] == ["E-0001"]  # place and time


def test_decisions_are_versions_and_an_accepted_claim_is_a_record(archive: Archive) -> None:
    document_id = _add(archive)
    version = reading.get(archive, document_id).version
    accepted = claim_review.decide(
        archive, document_id, 0, "accept", version=version, event_id="E-0001",
        changes={"reliability": "B", "credibility": "2"},
    )  # fmt: skip
    assert accepted.verdict == "accepted" and accepted.claim_id
    with pytest.raises(CaseChanged):  # the version read before the first decision
        claim_review.decide(archive, document_id, 1, "reject", version=version)
    version += 1
    rejected = claim_review.decide(archive, document_id, 1, "reject", version=version)
    assert rejected.verdict == "rejected" and rejected.claim_id is None
    edited = claim_review.decide(
        archive, document_id, 2, "accept", version=version + 1, event_id="E-0001",
        changes={"claimant": "FICTIONAL regional press service",
                 "count": claim_review.qualified_count("none")},
    )  # fmt: skip
    assert [p.index for p in claim_review.queue(archive)] == []
    claim = reading.open_full(archive, accepted.claim_id)
    assert isinstance(claim, Claim)
    assert (claim.act, str(claim.count), claim.stance, claim.speaker) == (
        "arbitrary_detention", "~40", "asserts", "Fictional Rights Network"
    )  # fmt: skip
    assert claim.reliability == "B" and claim.event_ids == ("E-0001",)
    document = reading.open_full(archive, document_id)
    assert isinstance(document, Document) and reading.get(archive, document_id).version == 4
    assert '"decision": "rejected"' in document.claim_candidates
    decided = claim_review._lines(document)
    assert "edited" not in decided[0]  # the grades are the reviewer's own, not an edit
    assert decided[2]["edited"] == ["claimant", "count"]

    found = claim_review.incident(archive, "E-0001")
    assert found.act == "arbitrary_detention" and found.corroboration is not None
    assert found.corroboration.claimants == [("fictional rights network", "B", "2")]
    assert [d.claimant for d in found.corroboration.denials] == ["FICTIONAL regional press service"]
    assert found.corroboration.most_conservative == 40  # "around 40": its stated number
    assert found.corroboration.best == 40
    assert not found.corroboration.independent
    assert edited.claim_id in [c.id for c in found.claims]
    checked = verification.verify_archive(archive)  # every decision is in the log
    assert [p for p in checked.problems if "no log key yet" not in p] == []
    # 2 events, document, file, 3 decisions, 2 claims, the source graded B
    assert checked.versions_checked == checked.entries == 10


def test_a_claimant_is_graded_once_on_its_source_record(archive: Archive) -> None:
    document_id = _add(archive)
    claim_review.decide(
        archive, document_id, 0, "accept", version=1, event_id="E-0001",
        changes={"reliability": "B", "credibility": "2"},
    )  # fmt: skip
    [source] = reading.list_records(archive, "source")  # the claimant became a source
    graded = reading.open_full(archive, source.id)
    assert isinstance(graded, Source)
    assert (graded.name, graded.reliability) == ("Fictional Rights Network", "B")
    # The next claim of the same claimant shows its grade, and takes it when not regraded.
    again = _add(archive)
    second = next(p for p in claim_review.queue(archive) if p.document_id == again)
    assert second.source is not None and second.source.id == source.id
    claim_review.decide(archive, again, 0, "accept", version=1, event_id="E-0001")
    assert len(reading.list_records(archive, "source")) == 1
    taken = reading.open_full(archive, "C-0002")
    assert isinstance(taken, Claim) and taken.reliability == "B"
    # A grade changed while reviewing is a new version of the source, for all its claims.
    claim_review.decide(
        archive, again, 1, "accept", version=2, event_id="E-0001",
        changes={"claimant": "the Fictional Rights Network", "reliability": "C"},
    )  # fmt: skip
    assert reading.get(archive, source.id).version == 2
    found = claim_review.incident(archive, "E-0001")
    assert found.corroboration is not None
    assert found.corroboration.claimants == [("fictional rights network", "C", "2")]
    assert {c.reliability for c in found.claims} == {"C"}
    assert found.sources == {"fictional rights network": source.id}
    # The published report reads the same source for the same claimant.
    records = [reading.open_full(archive, r.id) for r in reading.list_records(archive, "claim")]
    inputs = claim_inputs([*records, reading.open_full(archive, source.id)])
    assert {(c.reliability, c.source_id) for c in inputs} == {("C", source.id)}


def test_a_person_corrects_an_echo_and_confirms_a_link(archive: Archive) -> None:
    document_id = _add(archive)
    first = claim_review.decide(archive, document_id, 0, "accept", version=1)
    assert first.claim_id
    suggested = claim_review.incident(archive, "E-0001").suggested
    assert [(s.id, s.suggested) for s in suggested] == [(first.claim_id, ("place", "time"))]
    claim_review.link_event(archive, first.claim_id, "E-0001", version=1)
    found = claim_review.incident(archive, "E-0001")
    assert [c.id for c in found.claims] == [first.claim_id] and found.suggested == []
    claim_review.correct_relay(archive, first.claim_id, "FICTIONAL Other Group", version=2)
    found = claim_review.incident(archive, "E-0001")
    assert found.corroboration is not None
    assert found.corroboration.claimants[0][0] == "fictional other group"
    history = reading.get(archive, first.claim_id)
    assert history.version == 3  # each correction a new version


def test_bad_edits_name_their_field_and_change_nothing(archive: Archive) -> None:
    document_id = _add(archive)
    with pytest.raises(InputError, match="count, low"):
        claim_review.qualified_count("at_least", low="４０")
    with pytest.raises(InputError, match="range needs"):
        claim_review.qualified_count("range", low="3")
    with pytest.raises(InputError, match="when"):
        claim_review.decide(
            archive, document_id, 0, "accept", version=1, changes={"when": "last Tuesday"}
        )
    with pytest.raises(InputError, match="not a known act type"):
        claim_review.decide(archive, document_id, 0, "accept", version=1, changes={"act": "x"})
    with pytest.raises(InputError, match="not a known source reliability"):
        claim_review.decide(
            archive, document_id, 0, "accept", version=1, changes={"reliability": "Z"}
        )
    assert reading.list_records(archive, "source") == []
    assert reading.get(archive, document_id).version == 1
    assert reading.list_records(archive, "claim") == []


def test_locked_a_paste_goes_to_the_inbox_and_review_waits(archive: Archive) -> None:
    folder = archive.folder
    archive.close()
    locked = Archive.open(folder)
    added = claims.add_bytes(locked, "pasted.txt", ARTICLE.encode())
    assert added.batch is not None
    with pytest.raises(LockedError):
        claim_review.queue(locked)
    with pytest.raises(InputError, match="empty"):
        claims.add_bytes(locked, "pasted.txt", b"  \n")
