"""The evidence dossier: named only as consent allows, every shown file with a proof bundle
that the standalone checker accepts, a PDF in both languages. FICTIONAL data."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.errors import InputError, NotFound
from bearwitness.reports import pdf
from bearwitness.services import checkpoints, consent, dossier, storing, verification
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry

VERIFY_BUNDLE = Path(__file__).parents[2] / "tools" / "verify_bundle.py"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "dossier"
NAMED = "FICTIONAL Aslan Agreed"
UNNAMED = "FICTIONAL Hidden Person"
PERPETRATOR = "FICTIONAL Officer Known"
WITNESS = "FICTIONAL Witness Unasked"


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    archive, _ = Archive.create(
        tmp_path_factory.mktemp("dossier") / "archive",
        passphrase="correct horse battery staple",
        kdf_params=KdfParams.insecure_for_tests(),
    )
    rows = [
        {"type": "source", "id": "S-0001", "kind": "person", "name": WITNESS},
        {"type": "source", "id": "S-0002", "kind": "organisation", "name": "FICTIONAL Group"},
        {"type": "person", "id": "P-0001", "full_name": NAMED},
        {"type": "person", "id": "P-0002", "full_name": UNNAMED},
        {"type": "person", "id": "P-0003", "role": "perpetrator", "full_name": PERPETRATOR},
        {"type": "event", "id": "E-0001", "date": "2019-01", "title": "FICTIONAL raid"},
        {
            "type": "act",
            "id": "A-0001",
            "event_id": "E-0001",
            "victim_id": "P-0001",
            "act_type": "torture",
            "perpetrator_ids": ["P-0003"],
        },
        {"type": "act", "id": "A-0002", "event_id": "E-0001", "victim_id": "P-0002"},
        {
            "type": "document",
            "id": "D-0001",
            "source_id": "S-0002",
            "event_ids": ["E-0001"],
            "title": "FICTIONAL statement of the group",
        },
        {
            "type": "document",
            "id": "D-0002",
            "source_id": "S-0001",
            "event_ids": ["E-0001"],
            "title": "FICTIONAL testimony never agreed",
        },
    ]
    files = {
        "F-0001": (b"FICTIONAL photo bytes of the cell", "D-0001"),
        "F-0002": (b"FICTIONAL recording of the witness", "D-0002"),
    }
    entries = [Entry(i, row) for i, row in enumerate(rows, start=1)]
    for number, (evidence_id, (content, document_id)) in enumerate(files.items(), start=100):
        entries.append(
            Entry(
                number,
                {
                    "type": "evidence",
                    "id": evidence_id,
                    "document_id": document_id,
                    "media_type": "application/octet-stream",
                    "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "filename": f"{evidence_id}.bin",
                },
                content,
            )
        )
    storing.store(archive, entries, "test")
    row = consent.consent_record(
        subject="P-0001",
        scopes=["court_proceedings"],
        method="written",
        obtained_by="FICTIONAL lawyer",
        obtained_on="2026-11-01",
    )
    storing.store(archive, [Entry(1, row)], "test")
    yield archive
    archive.close()


def test_a_dossier_names_only_whom_consent_allows(case: Archive, tmp_path: Path) -> None:
    out = tmp_path / "en"
    built = dossier.build(case, ["E-0001"], out)
    page = (out / "dossier.html").read_text()
    assert NAMED in page and PERPETRATOR in page  # consent; a perpetrator, to a court
    assert UNNAMED not in page and WITNESS not in page
    assert "FICTIONAL testimony never agreed" not in page
    assert "P-0002" in page and "no consent is recorded for court proceedings" in page
    assert set(built.withheld) == {"P-0002", "S-0001", "D-0002", "F-0002"}
    assert built.bundles == 1 and not (out / "evidence" / "F-0002").exists()
    # the chain of custody: each item's logged versions, with their log entries
    assert "U-local" in page and "create" in page
    # the one shown file's bundle passes the standalone check, with the key given apart
    vkey = checkpoints.log_verifier(case).vkey()
    checked = subprocess.run(
        [sys.executable, VERIFY_BUNDLE, out / "evidence" / "F-0001", "--vkey", vkey],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    index = json.loads((out / "index.json").read_text())
    for name, digest in index["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    text = pdf.text((out / "dossier.pdf").read_bytes())
    assert "Agreed" in text and "Hidden" not in text
    assert verification.verify_archive(case).ok  # the dossier entry is logged and sound
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        first_page = ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1"]
        subprocess.run([*first_page, out / "dossier.pdf", ARTIFACTS / "dossier-en"], check=True)


def test_the_dossier_in_russian(case: Archive, tmp_path: Path) -> None:
    out = tmp_path / "ru"
    dossier.build(case, ["E-0001"], out, lang="ru", with_pdf=False)
    page = (out / "dossier.html").read_text()
    assert "Досье доказательств" in page and "пытки" in page
    assert "судебное разбирательство" in page


def test_bad_requests_write_nothing(case: Archive, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no event E-9999"):
        dossier.build(case, ["E-9999"], tmp_path / "x", with_pdf=False)
    assert not (tmp_path / "x").exists()
    with pytest.raises(InputError, match="not a purpose"):
        dossier.build(case, ["E-0001"], tmp_path / "y", purpose="gossip", with_pdf=False)
    with pytest.raises(InputError, match="no event"):
        dossier.build(case, [], tmp_path / "z")
