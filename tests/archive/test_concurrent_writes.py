"""Writers that add records without ids at the same moment all succeed, with distinct ids."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from bearwitness.intake.importers import ImportRow
from bearwitness.services import checkpoints, reading, storing, writing
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry
from bearwitness.services.verification import verify_archive

WRITERS = 4
BATCHES = 5


@pytest.mark.parametrize("with_files", [False, True], ids=["records", "with-files"])
def test_concurrent_writers_without_ids_all_succeed(
    archive: Archive, tmp_path: Path, with_files: bool
) -> None:
    """Records alone race in the database; with files, for the file's name in blobs/ too."""
    writing.write_records(
        archive,
        writing.resolve_rows(
            archive,
            [ImportRow(1, {"type": "document", "id": "D-0001", "text": "FICTIONAL account"})],
            "t",
        ),
    )
    scans = []
    for number in range(WRITERS * BATCHES):
        scan = tmp_path / f"scan{number}.pdf"
        scan.write_bytes(b"%PDF FICTIONAL " + str(number).encode() * 200)
        scans.append(scan)
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            own = Archive.open(archive.folder, secrets=archive.require_secrets())
            try:
                start.wait()
                for batch in range(BATCHES):
                    scan = scans[number * BATCHES + batch]
                    entries = [
                        Entry(1, {"type": "person", "full_name": f"FICTIONAL {number}/{batch}"})
                    ]
                    if with_files:
                        entries.append(
                            Entry(2, {"type": "evidence", "document_id": "D-0001"}, scan)
                        )
                    storing.store(own, entries, f"writer {number}")
            finally:
                own.close()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for kind in ("person", "evidence") if with_files else ("person",):
        ids = Counter(view.id for view in reading.list_records(archive, kind))
        assert len(ids) == WRITERS * BATCHES and set(ids.values()) == {1}, (kind, ids)
    checkpoints.sign_new_checkpoint(archive)
    report = verify_archive(archive)
    assert report.problems == [] and report.leftover_files == []
    assert report.files_checked == (WRITERS * BATCHES if with_files else 0)


def test_new_ids_are_numbered_by_the_transaction_that_writes_them(
    archive: Archive, tmp_path: Path
) -> None:
    """A batch checked before another write commits is numbered after it: its references
    and its file follow its new ids, and nothing is refused."""
    scans = [tmp_path / "one.pdf", tmp_path / "two.pdf"]
    for number, scan in enumerate(scans):
        scan.write_bytes(b"%PDF FICTIONAL scan " + str(number).encode() * 100)

    def rows(scan: Path) -> list[ImportRow]:
        return [
            ImportRow(1, {"type": "document", "id": "D-new-1", "text": "FICTIONAL account"}),
            ImportRow(2, {"type": "evidence", "document_id": "D-new-1", "filename": "s.pdf"}, scan),
            ImportRow(3, {"type": "person", "full_name": "FICTIONAL Person"}),
        ]

    checked = writing.resolve_rows(archive, rows(scans[0]), "first")
    assert [record.id for record in checked] == ["D-new-1", "F-0001", "P-0001"]  # for now
    other = writing.resolve_rows(archive, rows(scans[1]), "second")  # committed in between
    assert writing.write_records(archive, other, {"F-0001": scans[1]}).ids == {
        "document": ["D-0001"],
        "evidence": ["F-0001"],
        "person": ["P-0001"],
    }
    written = writing.write_records(archive, checked, {"F-0001": scans[0]})
    assert written.ids == {"document": ["D-0002"], "evidence": ["F-0002"], "person": ["P-0002"]}
    evidence = reading.open_full(archive, "F-0002")
    assert evidence.document_id == "D-0002"  # type: ignore[attr-defined]
    assert (archive.blobs / "F-0002.age").exists()
    assert not [path for path in archive.blobs.iterdir() if path.name.startswith(".")]
    checkpoints.sign_new_checkpoint(archive)
    report = verify_archive(archive)
    assert report.problems == [] and report.leftover_files == [] and report.files_checked == 2


def test_rows_giving_one_id_twice_are_refused_by_row_whatever_the_way_in(
    archive: Archive,
) -> None:
    """An import file says so as it is read; the same rows from a form or the inbox, here."""
    from bearwitness.errors import ImportRejected

    rows = [
        Entry(1, {"type": "person", "id": "P-new-1", "full_name": "FICTIONAL A"}),
        Entry(2, {"type": "person", "id": "P-new-1", "full_name": "FICTIONAL B"}),
    ]
    with pytest.raises(ImportRejected, match="row 2: id P-new-1 is also used on row 1"):
        storing.store(archive, rows, "the form")
    assert reading.list_records(archive, "person") == []
