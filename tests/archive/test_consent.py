"""Consent, asked at every way out: the rules, and each exit (reports, the export, proof
bundles) refusing or leaving out what consent does not cover. FICTIONAL data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.domain.records import Act, Consent, Event, Person, Source
from bearwitness.errors import ConsentRefused, InputError, UnlockError
from bearwitness.services import (
    checkpoints,
    consent,
    exporting,
    proving,
    reporting,
    storing,
    writing,
)
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry
from bearwitness.tlog.checkpoint import open_checkpoint

NAME = "FICTIONAL Zarema Consentova"


def given(subject: str, *scopes: str, withdrawn: str = "", partner: str = "") -> Consent:
    return Consent(
        id=f"CN-{abs(hash((subject, scopes))) % 10_000}",
        person_id=subject,
        scopes=scopes,
        partner=partner,
        obtained_on="2026-11-01",
        withdrawn=withdrawn,
    )


# --- the rules ---------------------------------------------------------------------------


def test_without_a_consent_record_only_internal_work_and_statistics_are_allowed() -> None:
    rules = consent.Policy([])
    assert rules.refusal("P-1", "internal_casework") is None
    assert rules.refusal("P-1", "aggregate_statistics") is None
    for purpose in ("anonymised_quotation", "naming_in_publication", "court_proceedings"):
        refusal = rules.refusal("P-1", purpose)
        assert refusal is not None and "no consent is recorded" in refusal.reason


def test_a_consent_allows_what_it_names_and_nothing_else() -> None:
    rules = consent.Policy([given("P-1", "aggregate_statistics", "anonymised_quotation")])
    assert rules.refusal("P-1", "anonymised_quotation") is None
    named = rules.refusal("P-1", "naming_in_publication")
    assert named is not None and "does not cover naming in publication" in named.reason
    # a consent that exists but leaves internal casework out is a refusal of it
    assert rules.refusal("P-1", "internal_casework") is not None


def test_a_withdrawn_consent_leaves_the_person_out_even_of_statistics() -> None:
    rules = consent.Policy([given("P-1", "aggregate_statistics", withdrawn="2026-11-20")])
    refusal = rules.refusal("P-1", "aggregate_statistics")
    assert refusal is not None and "withdrawn (2026-11-20)" in refusal.reason
    assert str(refusal).startswith("P-1: ")


def test_sharing_is_with_the_named_partner_only() -> None:
    rules = consent.Policy([given("P-1", "partner_sharing", partner="Memorial  FICTIONAL")])
    assert rules.refusal("P-1", "partner_sharing", partner="memorial fictional") is None
    other = rules.refusal("P-1", "partner_sharing", partner="Another FICTIONAL group")
    assert other is not None and "not with this partner" in other.reason
    assert "Memorial" not in other.reason  # a refusal never repeats a sealed value


def test_an_unknown_purpose_is_refused_with_the_list() -> None:
    with pytest.raises(InputError, match="not a purpose") as caught:
        consent.Policy([]).refusal("P-1", "marketing")
    assert "court_proceedings" in (caught.value.hint or "")


def test_reports_leave_out_whoever_withdrew() -> None:
    records = [
        Person(id="P-1"),
        Person(id="P-2"),
        Act(id="A-1", victim_id="P-1"),
        Act(id="A-2", victim_id="P-2"),
        Event(id="E-1"),
        given("P-2", "aggregate_statistics", withdrawn="2026-11-20"),
    ]
    kept = consent.for_statistics(records)
    assert sorted(r.id for r in kept) == ["A-1", "E-1", "P-1"]


# --- the exits, on a real archive ----------------------------------------------------------


@pytest.fixture
def people(archive: Archive) -> Archive:
    rows = [
        {"type": "source", "id": "S-0001", "kind": "person", "name": "FICTIONAL witness"},
        {"type": "person", "id": "P-0001", "full_name": NAME, "fictional": True},
        {"type": "person", "id": "P-0002", "full_name": "FICTIONAL Other", "fictional": True},
        {"type": "event", "id": "E-0001", "title": "FICTIONAL raid"},
        {"type": "act", "id": "A-0001", "event_id": "E-0001", "victim_id": "P-0001"},
        {"type": "document", "id": "D-0001", "source_id": "S-0001", "text": "FICTIONAL story"},
    ]
    storing.store(archive, [Entry(i, row) for i, row in enumerate(rows, start=1)], "test")
    return archive


def add_consent(archive: Archive, subject: str, *scopes: str) -> str:
    row = consent.consent_record(
        subject=subject,
        scopes=scopes,
        method="written",
        obtained_by="FICTIONAL documenter",
        obtained_on="2026-11-01",
    )
    return storing.store(archive, [Entry(1, row)], "test").ids["consent"][0]


def test_a_consent_is_recorded_withdrawn_and_kept_in_history(people: Archive) -> None:
    consent_id = add_consent(people, "P-0001", "aggregate_statistics")
    assert consent.policy(people).refusal("P-0001", "aggregate_statistics") is None
    consent.withdraw(people, consent_id, on="2026-11-25")
    assert consent.policy(people).refusal("P-0001", "aggregate_statistics") is not None
    with pytest.raises(InputError, match="already withdrawn"):
        consent.withdraw(people, consent_id, on="2026-11-26")
    with people.engine.connect() as connection:
        from bearwitness.store import rows as store

        versions = list(store.fetch_versions(connection, "consent", consent_id))
    assert [v.version for v in versions] == [1, 2]  # the consent as given stays in history


def test_a_court_order_is_not_a_consent_anyone_can_type_in() -> None:
    with pytest.raises(InputError, match="court order"):
        consent.consent_record(
            subject="P-1",
            scopes=["court_proceedings"],
            method="court_order",
            obtained_by="x",
            obtained_on="2026-11-01",
        )


def test_a_proof_bundle_for_a_court_needs_the_victims_consent(
    people: Archive, tmp_path: Path
) -> None:
    with pytest.raises(ConsentRefused, match="P-0001: no consent is recorded"):
        proving.prove(people, "A-0001", tmp_path / "refused")
    assert not (tmp_path / "refused").exists()  # nothing written
    # the document falls under its source, a person who gave no consent either
    with pytest.raises(ConsentRefused, match="S-0001"):
        proving.prove(people, "D-0001", tmp_path / "refused")
    proving.prove(people, "E-0001", tmp_path / "event")  # an event is about no one
    add_consent(people, "P-0001", "court_proceedings")
    proving.prove(people, "A-0001", tmp_path / "allowed")
    assert (tmp_path / "allowed").exists()


def test_an_export_for_publication_withholds_who_did_not_agree(
    people: Archive, tmp_path: Path
) -> None:
    add_consent(people, "P-0002", "naming_in_publication")
    summary = exporting.export(people, tmp_path / "out", purpose="naming_in_publication")
    assert sorted(r.subject for r in summary.left_out) == ["P-0001", "S-0001"]
    written = (tmp_path / "out" / "records.jsonl").read_text()
    history = (tmp_path / "out" / "history.jsonl").read_text()
    assert NAME not in written and NAME not in history and "FICTIONAL story" not in written
    assert "FICTIONAL Other" in written  # P-0002 agreed to be named
    lines = [json.loads(line) for line in written.splitlines()]
    assert {"type": "person", "id": "P-0001"}.items() <= next(
        line for line in lines if line["id"] == "P-0001"
    ).items()  # still there, clear fields only, so that the act still refers to it
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["purpose"] == "naming_in_publication"
    assert {"subject": "P-0001", "why": "no consent is recorded for naming in publication"} in (
        manifest["left_out"]
    )
    assert "D-0001" in manifest["withheld"]  # the document of a withheld source


def test_the_internal_export_leaves_out_no_one_without_a_refusal(
    people: Archive, tmp_path: Path
) -> None:
    summary = exporting.export(people, tmp_path / "out")
    assert summary.left_out == () and NAME in (tmp_path / "out" / "records.jsonl").read_text()


def test_a_report_counts_at_its_checkpoint_without_who_withdrew(people: Archive) -> None:
    consent_id = add_consent(people, "P-0001", "aggregate_statistics")
    consent.withdraw(people, consent_id, on="2026-11-25")
    signed = checkpoints.sign_new_checkpoint(people)
    at = open_checkpoint(signed.note, checkpoints.log_verifier(people)).checkpoint
    opened = reporting.snapshot(people, at.size, at.root_hash)
    ids = {r.id for r in opened.records}
    assert "P-0001" not in ids and "A-0001" not in ids and "P-0002" in ids
    assert not any(isinstance(r, Consent) for r in opened.records)


def test_a_court_order_needs_k_custodians_and_a_forged_one_is_not_honoured(
    tmp_path: Path,
) -> None:
    archive, shares = Archive.create(
        tmp_path / "custodians", custodians=(3, 2), kdf_params=KdfParams.insecure_for_tests()
    )
    try:
        writing.write_records(archive, [Person(id="P-0001", full_name=NAME), Source(id="S-1")])
        forged = {
            "type": "consent",
            "method": "court_order",
            "scopes": ["court_proceedings"],
            "person_id": "P-0001",
            "approval": "1:" + "00" * 32,
        }
        storing.store(archive, [Entry(1, forged)], "forged import")
        with pytest.raises(ConsentRefused):
            proving.prove(archive, "P-0001", tmp_path / "b1")
        with pytest.raises(UnlockError):
            consent.record_court_order(
                archive, subject="P-0001", court_order="No. 1", on="2026-11-30", shares=shares[:1]
            )
        order = consent.record_court_order(
            archive,
            subject="P-0001",
            court_order="FICTIONAL No. 1",
            on="2026-11-30",
            shares=shares[1:],
        )
        assert order.approved_by == "2,3" and order.method == "court_order"
        proving.prove(archive, "P-0001", tmp_path / "b2")  # the court may now have it
        # ... and only the court: an order is no consent to name the person
        rules = consent.policy(archive)
        assert rules.refusal("P-0001", "naming_in_publication") is not None
    finally:
        archive.close()
