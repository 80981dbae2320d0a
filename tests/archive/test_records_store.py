"""Records round-trip unchanged through sealed storage, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, update

from bearwitness.domain.records import Record, record_from_dict
from bearwitness.errors import IdTaken, InputError, LockedError, NotFound, TamperedError
from bearwitness.intake.importers import ImportRow
from bearwitness.services import _ledger, checkpoints, reading, verification, writing
from bearwitness.services.archive import Archive
from bearwitness.store import rows as store
from bearwitness.store.schema import RECORD_TABLES, metadata

ONE_OF_EACH = [
    {
        "type": "source",
        "id": "S-0001",
        "kind": "organisation",
        "reliability": "B",
        "name": "Правозащитная сеть",
        "contact": "secure@example.invalid",
    },
    {
        "type": "person",
        "id": "P-0001",
        "role": "victim",
        "sex": "male",
        "full_name": "Магомед Хасанов",
        "birth_date": "1990",
        "address": "ул. Ленина 1",
    },
    {
        "type": "event",
        "id": "E-0001",
        "date": "~2018-12..2019-02",
        "district": "Argun",
        "victims": "around 40",
        "title": "Вторая волна",
        "description": "Задержания",
    },
    {
        "type": "document",
        "id": "D-0001",
        "source_id": "S-0001",
        "kind": "testimony",
        "received": "2019-03",
        "event_ids": ["E-0001"],
        "title": "Показания",
        "text": "Меня задержали в декабре.",
        "language": "ru",
    },
    {
        "type": "act",
        "id": "A-0001",
        "event_id": "E-0001",
        "victim_id": "P-0001",
        "act_type": "seizure_of_documents",
        "date": "2019-01",
        "consequences": ["released", "fled"],
        "notes": "Паспорт не вернули",
    },
    {
        "type": "person_record",
        "id": "R-0001",
        "list_name": "partner_a",
        "full_name": "KHASANOV M.",
        "birth": "1990",
        "event_date": "декабрь 2018",
    },
    {
        "type": "claim",
        "id": "C-0001",
        "document_id": "D-0001",
        "event_ids": ["E-0001"],
        "count": "at least 2",
        "stance": "asserts",
        "statement": "at least two died",
    },
    {
        "type": "intervention",
        "id": "I-0001",
        "kind": "evacuation",
        "status": "done",
        "person_id": "P-0001",
        "date": "2019-03",
        "notes": "evacuated with family",
    },
]


def _write(archive: Archive, rows: list[dict[str, object]]) -> writing.WriteResult:
    import_rows = [ImportRow(n, dict(r)) for n, r in enumerate(rows, start=1)]
    return writing.write_records(archive, writing.resolve_rows(archive, import_rows, "test"))


def test_every_record_type_round_trips(archive: Archive) -> None:
    _write(archive, ONE_OF_EACH)
    for data in ONE_OF_EACH:
        expected = record_from_dict(data)
        assert reading.open_full(archive, expected.id) == expected
        shown = reading.get(archive, expected.id).fields
        assert set(shown) == set(expected.clear_fields())


def test_locked_archive_reads_clear_fields_only(archive: Archive) -> None:
    _write(archive, ONE_OF_EACH)
    locked = Archive.open(archive.folder)
    try:
        assert reading.get(locked, "E-0001").fields["victims"] == "~40"
        for attempt in (
            lambda: reading.get(locked, "P-0001", reveal=True),
            lambda: reading.search(locked, "Хасанов"),
            lambda: reading.open_full(locked, "D-0001"),
        ):
            with pytest.raises(LockedError):
                attempt()
    finally:
        locked.close()


def test_queries_by_act_and_period(archive: Archive) -> None:
    _write(archive, ONE_OF_EACH)
    found = reading.list_records(
        archive, "event", act_type="seizure_of_documents", since="2019-01-01"
    )
    assert [view.id for view in found] == ["E-0001"]
    assert reading.list_records(archive, "event", act_type="torture") == []
    assert reading.list_records(archive, "event", since="2019-03-01") == []


def test_search_finds_sealed_text_in_any_script(archive: Archive) -> None:
    _write(archive, ONE_OF_EACH)
    # the Cyrillic name finds the list's Latin spelling too (KHASANOV M.)
    assert {hit.id for hit in reading.search(archive, "хасанов")} == {"P-0001", "R-0001"}
    assert {hit.id for hit in reading.search(archive, "задержали декабре")} == {"D-0001"}
    assert reading.search(archive, "nowhere") == []


def test_changes_keep_history_and_tombstones(archive: Archive) -> None:
    _write(archive, ONE_OF_EACH)
    writing.change_record(archive, "person", "P-0001", {"notes": "moved abroad"})
    writing.change_record(archive, "claim", "C-0001", {}, delete=True)
    assert reading.open_full(archive, "P-0001").notes == "moved abroad"  # type: ignore[attr-defined]
    with archive.engine.connect() as connection:
        versions = list(store.fetch_versions(connection, "person", "P-0001"))
        assert [v.operation for v in versions] == ["create", "update"]
        assert versions[0].commitment != versions[1].commitment
        assert [v.operation for v in store.fetch_versions(connection, "claim")] == [
            "create",
            "delete",
        ]
    assert reading.list_records(archive, "claim") == []
    with pytest.raises(NotFound):
        writing.change_record(archive, "claim", "C-0001", {"statement": "x"})


def test_tampered_ciphertext_names_the_record(archive: Archive) -> None:
    _write(archive, ONE_OF_EACH)
    table = RECORD_TABLES["person"]
    with archive.engine.begin() as connection:
        sealed = connection.scalar(select(table.c.sealed).where(table.c.id == "P-0001"))
        flipped = bytes([sealed[0]]) + bytes([sealed[1] ^ 1]) + sealed[2:]
        connection.execute(update(table).where(table.c.id == "P-0001").values(sealed=flipped))
    with pytest.raises(TamperedError) as caught:
        reading.get(archive, "P-0001", reveal=True)
    assert "P-0001" in caught.value.message
    assert "Хасанов" not in caught.value.diagnostics()


def test_ciphertext_moved_to_another_record_fails(archive: Archive) -> None:
    _write(archive, [*ONE_OF_EACH, {"type": "person", "id": "P-0002", "full_name": "Другой"}])
    table = RECORD_TABLES["person"]
    with archive.engine.begin() as connection:
        sealed = connection.scalar(select(table.c.sealed).where(table.c.id == "P-0001"))
        connection.execute(update(table).where(table.c.id == "P-0002").values(sealed=sealed))
    with pytest.raises(TamperedError):
        reading.get(archive, "P-0002", reveal=True)


def test_bad_batch_writes_nothing(archive: Archive) -> None:
    _write(archive, ONE_OF_EACH[:2])
    with archive.engine.connect() as connection:
        before = {kind: store.count_records(connection, kind) for kind in RECORD_TABLES}
    with pytest.raises(InputError):
        _write(
            archive,
            [
                {"type": "event", "id": "E-0009", "title": "ok"},
                {"type": "act", "id": "A-0009", "event_id": "E-0404"},
            ],
        )
    with pytest.raises(InputError):
        _write(archive, [{"type": "person", "id": "P-0001", "full_name": "duplicate"}])
    with archive.engine.connect() as connection:
        assert {kind: store.count_records(connection, kind) for kind in RECORD_TABLES} == before


def test_migrations_build_exactly_the_declared_schema(archive: Archive) -> None:
    with archive.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def _with_file(archive: Archive, tmp_path: Path, person: str) -> list[Record]:
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(b"FICTIONAL image bytes " * 100)
    rows = [
        {"type": "document", "id": "D-0001", "title": "FICTIONAL"},
        {"type": "evidence", "id": "F-0001", "document_id": "D-0001", "filename": "scan.jpg"},
        {"type": "person", "id": person, "full_name": "FICTIONAL"},
    ]
    return writing.resolve_rows(
        archive,
        [
            ImportRow(n, r, scan if r["type"] == "evidence" else None)
            for n, r in enumerate(rows, start=1)
        ],
        "test",
    )


def test_a_file_stays_once_its_row_committed_whatever_the_sync_does(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = _with_file(archive, tmp_path, "P-0001")
    with monkeypatch.context() as patch:

        def full_disk(_: Archive, *, upto: int | None = None) -> int:
            raise OSError(28, "No space left on device (FICTIONAL)")

        patch.setattr(writing, "sync_log", full_disk)
        with pytest.raises(OSError, match="No space left"):
            writing.write_records(archive, records, {"F-0001": tmp_path / "scan.jpg"})
    assert (archive.blobs / "F-0001.age").exists()  # the row committed: its file stays
    assert reading.open_full(archive, "F-0001").id == "F-0001"
    _ledger.sync_log(archive)  # the next sync carries on
    checkpoints.sign_new_checkpoint(archive)
    report = verification.verify_archive(archive, against=[])
    assert report.ok, report.problems


def test_a_write_that_does_not_commit_leaves_no_file(archive: Archive, tmp_path: Path) -> None:
    _write(archive, [ONE_OF_EACH[1]])  # P-0001
    records = _with_file(archive, tmp_path, "P-0002")
    taken = [*records[:2], dataclasses.replace(records[2], id="P-0001")]  # as if a race lost
    with pytest.raises(IdTaken):
        writing.write_records(archive, taken, {"F-0001": tmp_path / "scan.jpg"})
    assert not (archive.blobs / "F-0001.age").exists()
    with archive.engine.connect() as connection:
        assert store.count_records(connection, "evidence") == 0
    assert writing.write_records(archive, records, {"F-0001": tmp_path / "scan.jpg"}).count == 3


def test_a_versions_payload_opens_to_the_record_it_commits_to(archive: Archive) -> None:
    """The payload is written from the record's canonical bytes: any text comes back."""
    from bearwitness.domain.records import Document
    from bearwitness.services._sealing import SEARCH_KEY_PURPOSE, open_version, seal_record
    from bearwitness.tlog.entry import commit

    text = 'FICTIONAL "quoted" \\ back\tslash \x01 ё 𝔘 \u2028 </script>'
    record = Document(id="D-0001", fictional=True, title=text, text=text)
    secrets = archive.require_secrets()
    item = seal_record(
        archive.sealer,
        secrets.subkey(SEARCH_KEY_PURPOSE),
        record,
        version=1,
        actor="U-test",
        at="2019-03-01T00:00:00Z",
        operation="create",
    )
    opened, salt = open_version(archive.sealer, item.version)
    assert opened == record and salt == item.salt
    assert commit(salt, item.canonical) == item.version.commitment
