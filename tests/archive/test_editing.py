"""Editing records through the service: one logged version per save, per-field refusals,
refused saves over a newer version, history and restore; the log still verifies."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from bearwitness.domain import vocabulary as v
from bearwitness.domain.dates import PartialDateRange
from bearwitness.domain.records import RECORD_TYPES, Intervention, clear, sealed
from bearwitness.errors import EditConflict, FieldsRejected, LockedError
from bearwitness.intake.importers import ImportRow
from bearwitness.services import checkpoints, editing, reading, verification, writing
from bearwitness.services.archive import Archive
from tests.conftest import PASSPHRASE

ROWS = [
    {"type": "source", "id": "S-0001", "name": "FICTIONAL network", "fictional": True},
    {"type": "event", "id": "E-0001", "date": "2019-01", "title": "FICTIONAL raid"},
    {"type": "event", "id": "E-0002", "date": "2019-02", "title": "FICTIONAL second raid"},
    {"type": "person", "id": "P-0001", "full_name": "FICTIONAL Ivan"},
    {"type": "person", "id": "P-0002", "role": "perpetrator", "full_name": "FICTIONAL officer"},
    {"type": "act", "id": "A-0001", "event_id": "E-0001", "victim_id": "P-0001"},
    {"type": "document", "id": "D-0001", "source_id": "S-0001", "title": "FICTIONAL"},
    {"type": "evidence", "id": "F-0001", "document_id": "D-0001", "filename": "a.txt"},
    {"type": "person_record", "id": "R-0001", "list_name": "FICTIONAL list"},
    {"type": "claim", "id": "C-0001", "document_id": "D-0001", "count": "~40"},
    {"type": "intervention", "id": "I-0001", "person_id": "P-0001"},
]
# One change per record type, to a field its form has.
CHANGES = {
    "source": {"reliability": "B", "notes": "FICTIONAL note"},
    "event": {"victims": ">=2", "related_ids": ["E-0002"]},
    "person": {"sex": "male", "address": "FICTIONAL street"},
    "act": {"act_type": "torture", "consequences": ["released", "fled"]},
    "document": {"received": "~2019-03", "event_ids": ["E-0001"]},
    "evidence": {"captured": "2019-01-05", "description": "FICTIONAL photo"},
    "person_record": {"surname": "FICTIONAL Petrov"},
    "claim": {"stance": "denies", "event_ids": ["E-0001", "E-0002"]},
    "intervention": {"status": "in_progress", "date": "2019-04..2019-05"},
}


@pytest.fixture
def filled(archive: Archive, tmp_path: Path) -> Archive:
    rows = [ImportRow(n, dict(row)) for n, row in enumerate(ROWS, 1)]
    scan = tmp_path / "a.txt"
    scan.write_bytes(b"FICTIONAL file")
    writing.write_records(
        archive, writing.resolve_rows(archive, rows, "test"), files={"F-0001": scan}
    )
    return archive


def _verified(archive: Archive) -> list[str]:
    checkpoints.sign_new_checkpoint(archive)
    return verification.verify_archive(archive).problems


def test_every_record_type_has_a_form_made_from_its_fields() -> None:
    for kind, cls in RECORD_TYPES.items():
        names = [spec.name for spec in editing.form_fields(kind)]
        assert names and "id" not in names, kind
        assert set(names) <= {*cls.clear_fields(), *cls.sealed_fields()}
    shapes = {spec.name: spec.shape for spec in editing.form_fields("act")}
    assert shapes["date"] == "date" and shapes["act_type"] == "choice"
    assert shapes["consequences"] == "choices" and shapes["perpetrator_ids"] == "refs"
    assert shapes["event_id"] == "ref" and shapes["notes"] == "long"
    assert "sha256" not in {spec.name for spec in editing.form_fields("evidence")}


def test_each_save_writes_one_logged_version_and_the_log_verifies(filled: Archive) -> None:
    for kind, change in CHANGES.items():
        record_id = next(row["id"] for row in ROWS if row["type"] == kind)
        saved = editing.save(filled, kind, record_id, change, based_on=1)
        assert saved.version == 2, kind
        assert {c.name for c in saved.changes} == set(change), kind
        history = editing.history(filled, kind, record_id, reveal=True)
        assert [entry.version for entry in history] == [2, 1]
        assert {c.name for c in history[0].changes or ()} == set(change)
    act = reading.open_full(filled, "A-0001")
    assert act.act_type == "torture" and act.consequences == ("released", "fled")  # type: ignore[attr-defined]
    assert _verified(filled) == []
    assert verification.verify_archive(filled).versions_checked == len(ROWS) + len(CHANGES)


def test_a_save_that_changes_nothing_writes_nothing(filled: Archive) -> None:
    saved = editing.save(filled, "act", "A-0001", {"act_type": "arbitrary_detention"}, based_on=1)
    assert saved.version == 1 and saved.changes == ()
    assert len(editing.history(filled, "act", "A-0001", reveal=False)) == 1


def test_bad_values_are_named_field_by_field_and_nothing_is_written(filled: Archive) -> None:
    with pytest.raises(FieldsRejected) as refused:
        editing.save(
            filled,
            "event",
            "E-0001",
            {
                "date": "2019-13",
                "victims": "lots",
                "parent_id": "E-0404",
                "related_ids": ["E-0001"],
                "title": "FICTIONAL ok",
            },
            based_on=1,
        )
    problems = refused.value.problems
    assert set(problems) == {"date", "victims"}  # the record's own rules come first
    assert "month 13" in problems["date"] and "lots" in problems["victims"]
    with pytest.raises(FieldsRejected) as refused:
        editing.save(
            filled,
            "event",
            "E-0001",
            {"parent_id": "E-0404", "related_ids": ["E-0001"]},
            based_on=1,
        )
    assert "no event E-0404" in refused.value.problems["parent_id"]
    assert "itself" in refused.value.problems["related_ids"]
    with pytest.raises(FieldsRejected) as refused:
        editing.save(filled, "act", "A-0001", {"act_type": "dancing"}, based_on=1)
    assert "not a known act type" in refused.value.problems["act_type"]
    with pytest.raises(FieldsRejected):
        editing.save(filled, "evidence", "F-0001", {"sha256": "0" * 64}, based_on=1)
    assert reading.get(filled, "E-0001").version == 1


def test_a_save_over_a_newer_version_is_refused_naming_what_changed(filled: Archive) -> None:
    editing.save(filled, "act", "A-0001", {"act_type": "torture"}, based_on=1)
    with pytest.raises(EditConflict) as conflict:
        editing.save(filled, "act", "A-0001", {"notes": "FICTIONAL mine"}, based_on=1)
    assert conflict.value.changed == ("act_type",)
    assert (conflict.value.opened, conflict.value.current) == (1, 2)
    assert "FICTIONAL" not in conflict.value.message  # names fields, never values
    assert reading.open_full(filled, "A-0001").notes == ""  # type: ignore[attr-defined]


def test_of_two_saves_at_once_on_one_version_exactly_one_is_written(filled: Archive) -> None:
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def edit(notes: str) -> None:
        start.wait()
        try:
            editing.save(filled, "act", "A-0001", {"notes": notes}, based_on=1)
            outcomes.append("saved")
        except EditConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=edit, args=(f"FICTIONAL {n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert reading.get(filled, "A-0001").version == 2


def test_restore_writes_the_older_version_as_a_new_one(filled: Archive) -> None:
    editing.save(filled, "person", "P-0001", {"full_name": "FICTIONAL Ivan P."}, based_on=1)
    with pytest.raises(EditConflict):
        editing.restore(filled, "person", "P-0001", 1, based_on=1)
    saved = editing.restore(filled, "person", "P-0001", 1, based_on=2)
    assert saved.version == 3
    assert reading.open_full(filled, "P-0001").full_name == "FICTIONAL Ivan"  # type: ignore[attr-defined]
    assert [
        e.version for e in editing.history(filled, "person", "P-0001", reveal=True, newest=1)
    ] == [3]
    newest = editing.history(filled, "person", "P-0001", reveal=False, newest=2)[0]
    assert newest.operation == "restore" and newest.restored_from == 1
    assert [(c.name, c.before, c.after) for c in newest.changes or ()] == [
        ("full_name", None, None)  # sealed: no value without reveal
    ]
    assert _verified(filled) == []


def test_locked_history_says_who_and_when_but_not_what(filled: Archive) -> None:
    editing.save(filled, "act", "A-0001", {"notes": "FICTIONAL"}, based_on=1)
    folder = filled.folder
    with Archive.open(folder) as locked:
        history = editing.history(locked, "act", "A-0001", reveal=True)
        assert [(e.version, e.changes) for e in history] == [(2, None), (1, None)]
        with pytest.raises(LockedError):
            editing.save(locked, "act", "A-0001", {"notes": "x"}, based_on=2)
        locked.unlock_with_passphrase(PASSPHRASE)
        assert editing.history(locked, "act", "A-0001", reveal=False)[0].changes


def test_a_field_added_to_a_record_type_appears_in_its_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    @dataclass(frozen=True, kw_only=True)
    class Wider(Intervention):
        priority: str = clear("planned", vocabulary=v.INTERVENTION_STATUSES)
        review: PartialDateRange | None = sealed(None)  # noqa: RUF009
        journey: tuple[str, ...] = sealed(())
        safety_plan: str = sealed()

    monkeypatch.setitem(RECORD_TYPES, "intervention", Wider)
    editing.form_fields.cache_clear()
    try:
        shapes = {spec.name: spec.shape for spec in editing.form_fields("intervention")}
    finally:
        editing.form_fields.cache_clear()
    assert shapes["priority"] == "choice" and shapes["review"] == "date"
    assert shapes["journey"] == "lines" and shapes["safety_plan"] == "long"
