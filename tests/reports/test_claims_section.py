"""The claims section: per incident the original claimants, the denials and the figures they
support; a private person is named only with consent; verify names a changed claims row.
FICTIONAL data."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.reports import pdf
from bearwitness.reports.claims import act_of, public_name
from bearwitness.reports.spec import parse_spec
from bearwitness.services import consent, report_verification, reporting, storing
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry

PRIVATE = "FICTIONAL Zarema Private"
AGREED = "FICTIONAL Ruslan Agreed"
SPEC = 'sections = ["claims"]'


def test_the_demo_report_has_its_claims_and_denials(demo: Archive, tmp_path: Path) -> None:
    for lang in ("en", "ru"):
        reporting.build(demo, parse_spec(SPEC, lang=lang), tmp_path / lang)
        result = report_verification.verify(demo, tmp_path / lang)
        assert result.ok, result.problems
    manifest = json.loads((tmp_path / "en" / "manifest.json").read_bytes())
    second = next(f for f in manifest["figures"] if f["id"] == "claims-E-0002-arbitrary_detention")
    values = second["values"]
    assert [c["name"] for c in values["claimants"]] == ["FICTIONAL Northern Rights Network"]
    assert (
        values["claimants"][0]["counts"] == ["~40"] and values["claimants"][0]["reliability"] == "A"
    )
    assert [d["name"] for d in values["denials"]] == ["FICTIONAL regional press service"]
    assert values["most_conservative"] == 40 and values["independent"] is False
    rows = list(csv.DictReader(io.StringIO((tmp_path / "en" / "claims.csv").read_text())))
    assert {(r["figure"], r["stance"]) for r in rows} >= {
        ("claims-E-0002-arbitrary_detention", "asserts"),
        ("claims-E-0002-arbitrary_detention", "denies"),
        ("claims-E-0002-death_in_custody", "asserts"),
    }
    english = (tmp_path / "en" / "report.html").read_text()
    assert "Claims and denials" in english and "around 40" in english
    assert "Independently corroborated: no" in english
    russian = " ".join(pdf.text((tmp_path / "ru" / "report.pdf").read_bytes()).split())
    assert "Заявления и опровержения" in russian and "около 40" in russian
    assert "отрицает" in russian


@pytest.fixture(scope="module")
def claimed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """Two organisations and two private people claim one detention; one person agreed to
    be named in publication."""
    archive, _ = Archive.create(
        tmp_path_factory.mktemp("claims") / "archive",
        passphrase="correct horse battery staple",
        kdf_params=KdfParams.insecure_for_tests(),
    )
    rows = [
        {"type": "source", "id": "S-0001", "kind": "person", "name": PRIVATE},
        {"type": "source", "id": "S-0002", "kind": "person", "name": AGREED},
        {"type": "source", "id": "S-0003", "kind": "organisation", "reliability": "B",
         "name": "FICTIONAL Civic Watch"},
        {"type": "event", "id": "E-0001", "date": "2019-01", "title": "FICTIONAL raid"},
        {"type": "document", "id": "D-0001", "source_id": "S-0003", "event_ids": ["E-0001"]},
        {"type": "claim", "id": "C-0001", "document_id": "D-0001", "event_ids": ["E-0001"],
         "count": "~30", "statement": "FICTIONAL: about 30 people were detained.",
         "speaker": "FICTIONAL Civic Watch (Ivan Spokesman)"},
        {"type": "claim", "id": "C-0002", "document_id": "D-0001", "event_ids": ["E-0001"],
         "count": ">=25", "statement": "FICTIONAL: at least 25 were arrested.",
         "speaker": "FICTIONAL Memorial Group press release"},
        {"type": "claim", "id": "C-0003", "document_id": "D-0001", "event_ids": ["E-0001"],
         "count": "12", "statement": "FICTIONAL: they detained 12 of us.", "speaker": PRIVATE},
        {"type": "claim", "id": "C-0004", "document_id": "D-0001", "event_ids": ["E-0001"],
         "count": "20-40", "statement": "FICTIONAL: 20 to 40 were detained.", "speaker": AGREED},
        {"type": "claim", "id": "C-0005", "document_id": "D-0001", "event_ids": ["E-0001"],
         "count": "0", "stance": "denies", "statement": "FICTIONAL: nobody was detained.",
         "speaker": "FICTIONAL Ministry press service"},
    ]  # fmt: skip
    storing.store(archive, [Entry(i, row) for i, row in enumerate(rows, start=1)], "test")
    row = consent.consent_record(
        subject="S-0002",
        scopes=["naming_in_publication"],
        method="written",
        obtained_by="FICTIONAL documenter",
        obtained_on="2026-11-01",
    )
    storing.store(archive, [Entry(1, row)], "test")
    yield archive
    archive.close()


def test_a_private_person_is_named_only_with_consent(claimed: Archive, out: Path) -> None:
    reporting.build(claimed, parse_spec(SPEC), out, with_pdf=False)
    manifest = json.loads((out / "manifest.json").read_bytes())
    (figure,) = [f for f in manifest["figures"] if f["kind"] == "claims"]
    values = figure["values"]
    names = {c["name"] for c in values["claimants"]}
    assert names == {"FICTIONAL Civic Watch", "FICTIONAL Memorial Group", AGREED, None}
    assert values["independent"] is True  # four origins that do not relay one another
    assert values["most_conservative"] == 12 and values["low"] == 12 and values["high"] == 40
    assert [d["name"] for d in values["denials"]] == ["FICTIONAL Ministry press service"]
    civic = next(c for c in values["claimants"] if c["name"] == "FICTIONAL Civic Watch")
    assert civic["reliability"] == "B"  # the archive's grade of that source
    for name in ("report.html", "claims.csv", "manifest.json"):
        text = (out / name).read_text()
        assert PRIVATE not in text and "Ivan Spokesman" not in text and "S-0001" not in text
    assert "a private source (not named)" in (out / "report.html").read_text()
    assert report_verification.verify(claimed, out).ok


def test_a_changed_claims_row_fails_naming_its_figure(claimed: Archive, out: Path) -> None:
    reporting.build(claimed, parse_spec(SPEC), out, with_pdf=False)
    path = out / "claims.csv"
    path.write_text(path.read_text().replace(",~30,", ",~300,"))
    result = report_verification.verify(claimed, out)
    assert result.differing == ["claims-E-0001-arbitrary_detention"]


def test_claim_words_and_names() -> None:
    assert act_of("FICTIONAL: at least two people died in custody.") == "death_in_custody"
    assert act_of("FICTIONAL: около 40 человек задержали") == "arbitrary_detention"
    assert act_of("FICTIONAL: the weather was fine") == "other"
    assert public_name("«FICTIONAL Network» (Ivan Petrov)") == "FICTIONAL Network"
    assert public_name("FICTIONAL Civic Watch director Anna") == "FICTIONAL Civic Watch"
