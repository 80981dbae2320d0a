"""The redaction check: with a canary in every sealed field of every record type, a report
is written only when no canary is in it; when one is, nothing is written, and the refusal
names the record and the field, never the value."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.domain.records import RECORD_TYPES
from bearwitness.errors import PublicationRefused
from bearwitness.intake.importers import ImportRow
from bearwitness.reports import pdf
from bearwitness.reports.spec import parse_spec
from bearwitness.services import redaction, reporting, writing
from bearwitness.services.archive import Archive
from tests.cli.test_no_plaintext_on_disk import SEALED_CODED

ORDER = [
    "source",
    "person",
    "event",
    "document",
    "evidence",
    "act",
    "person_record",
    "claim",
    "intervention",
]
REFERENCES = {
    "source_id": "S-0001",
    "document_id": "D-0001",
    "event_id": "E-0001",
    "victim_id": "P-0001",
    "person_id": "P-0001",
}
# Sealed lists of text (an evacuation's journey legs and funds), given values in their form;
# the redaction check looks for text values, and these two are never counted in a report.
LISTS = {("intervention", "journey"), ("intervention", "funds")}
FIELDS = [
    (kind, name)
    for kind in ORDER
    for name in RECORD_TYPES[kind].sealed_fields()
    if (kind, name) != ("evidence", "sha256")  # a file's hash: the file gives it
    and name not in REFERENCES  # a sealed reference (person_id) holds an id, not text
    and name not in SEALED_CODED.get(kind, {})  # a sealed code or date: a valid value
    and (kind, name) not in LISTS
]


def canary(kind: str, name: str) -> str:
    return f"Canary{kind.title().replace('_', '')}{name.title().replace('_', '')}Zx Мухаммад"


@pytest.fixture(scope="module")
def canaries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    tmp_path = tmp_path_factory.mktemp("canaries")
    archive, _ = Archive.create(
        tmp_path / "archive", passphrase="FICTIONAL", kdf_params=KdfParams.insecure_for_tests()
    )
    rows = []
    for number, kind in enumerate(ORDER, start=1):
        cls = RECORD_TYPES[kind]
        data: dict[str, object] = {"type": kind, "id": f"{cls.PREFIX}-0001", "fictional": True}
        fields = (*cls.clear_fields(), *cls.sealed_fields())
        data.update({k: v for k, v in REFERENCES.items() if k in fields})
        if kind == "event":
            data.update(date="2019-01", district="Argun")
        data.update(SEALED_CODED.get(kind, {}))
        data.update({name: canary(kind, name) for k, name in FIELDS if k == kind})
        if kind == "intervention":  # lists of text in a form of their own
            data["journey"] = [f"2026-03 | {canary(kind, 'journey')} | Мухаммад"]
            data["funds"] = [f"2026-03 | -5 RUB | {canary(kind, 'funds')}"]
        path = None
        if kind == "evidence":
            path = tmp_path / "evidence.txt"
            path.write_text("FICTIONAL evidence")
        rows.append(ImportRow(number, data, path))
    records = writing.resolve_rows(archive, rows, "canaries")
    files = {r.id: row.file for row, r in zip(rows, records, strict=True) if row.file}
    writing.write_records(archive, records, files)
    yield archive
    archive.close()


def test_a_report_of_an_archive_full_of_canaries_holds_none(
    canaries: Archive, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    reporting.build(canaries, parse_spec(""), out)
    texts = [p.read_text(encoding="utf-8") for p in out.iterdir() if p.suffix != ".pdf"]
    texts.append(pdf.text((out / "report.pdf").read_bytes()))
    assert "Documented acts" in texts[-1]  # the PDF's text was read, and scanned
    written = "".join(texts).casefold()
    assert "canary" not in written and "мухаммад" not in written


def test_a_sealed_value_in_a_report_refuses_it(canaries: Archive, tmp_path: Path) -> None:
    assert len(FIELDS) > 30
    for kind, name in FIELDS:
        out = tmp_path / f"{kind}-{name}"
        value = canary(kind, name)
        spec = parse_spec(f'title = "Report on {value.upper()}"')  # another case: still found
        with pytest.raises(PublicationRefused) as refused:
            reporting.build(canaries, spec, out, with_pdf=False)
        prefix = RECORD_TYPES[kind].PREFIX
        assert f"{kind} {prefix}-0001 {name}" in refused.value.message
        assert "canary" not in refused.value.diagnostics().casefold()
        assert not out.exists()


def test_the_check_reads_html_as_text_too() -> None:
    values = [redaction.SealedValue("person", "P-0009", "full_name", "Анна Ивановна К.")]
    assert redaction.redaction_hits({"report.html": "<p>Анна <b>Ивановна</b> К.</p>"}, values)
    assert redaction.redaction_hits({"report.html": "<p>Анна&nbsp;Ивановна К.</p>"}, values)
    assert not redaction.redaction_hits({"report.html": "<p>Анна И.</p>"}, values)
    short = [redaction.SealedValue("person_record", "R-0001", "age", "45")]
    assert not redaction.redaction_hits({"a.csv": "x,45\n"}, short)  # too short to tell
    place = [redaction.SealedValue("person_record", "R-0001", "event_place", "Argun")]
    assert not redaction.redaction_hits({"a.csv": "Argun,7\n"}, place, {"argun"})
    assert redaction.redaction_hits({"a.csv": "Argun,7\n"}, place)
