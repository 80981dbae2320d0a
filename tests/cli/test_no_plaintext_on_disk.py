"""Nothing sealed is ever on disk in plaintext: not the database, its WAL, blobs, inbox or temp.

Every sealed field of every record type and an evidence file carry a unique
canary. A whole session runs through the real CLI (locked import, unlock and
fold, search in other forms and scripts, reindex, list, show, status, lock, no
export); then every file under the
archive, the temp dir, the agent's runtime dir and HOME is scanned for every
canary, in UTF-8 and UTF-16, in any case.
"""

from __future__ import annotations

import json
from pathlib import Path

from bearwitness.domain.records import RECORD_TYPES
from bearwitness.services.search_terms import text_terms
from tests.cli.runner import Cli

PASS = "canary test passphrase"
REFERENCES = {
    "source_id": "S-0001",
    "document_id": "D-0001",
    "event_id": "E-0001",
    "victim_id": "P-0001",
    "person_id": "P-0001",
}
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


# Sealed fields that hold a code or a date, not text: given a valid value (what they say is
# sealed all the same; a code cannot be a canary).
SEALED_CODED = {
    "document": {"triage_status": "in_review"},
    "claim": {"act": "torture", "hedged": True, "reliability": "B", "credibility": "2"},
    "intervention": {
        "response": "favourable",
        "impact": "positive",
        "priority": "urgent",
        "risk_level": "high",
        "risk_review": "2026-04",
        "documents_recovery": "seized",
    },
}


def _canary(kind: str, field: str) -> str:
    return f"Canary{kind.title().replace('_', '')}{field.title().replace('_', '')}Zx"


def test_no_canary_reaches_the_disk(cli: Cli, tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"  # the user's own plaintext: not scanned
    inputs.mkdir()
    canaries = []
    lines = []
    for kind in ORDER:
        cls = RECORD_TYPES[kind]
        row: dict[str, object] = {"type": kind, "id": f"{cls.PREFIX}-0001"}
        row.update({k: v for k, v in REFERENCES.items() if k in cls.clear_fields()})
        for field in cls.sealed_fields():
            if (kind, field) == ("evidence", "sha256"):
                continue  # the importer takes it from the file, and refuses another
            if field in REFERENCES:  # a sealed reference (a person record's person) is an id
                row[field] = REFERENCES[field]
                continue
            if field in SEALED_CODED.get(kind, {}):  # a sealed code or date: a valid value
                row[field] = SEALED_CODED[kind][field]
                continue
            if (kind, field) == ("intervention", "journey"):  # regions between a date
                row[field] = [f"2026-03 | {_canary(kind, field)} Мухаммад | Мухаммад"]
                canaries.append(_canary(kind, field))
                continue
            if (kind, field) == ("intervention", "funds"):
                row[field] = [f"2026-03 | -5 RUB | {_canary(kind, field)} Мухаммад"]
                canaries.append(_canary(kind, field))
                continue
            row[field] = f"{_canary(kind, field)} Мухаммад"
            canaries.append(_canary(kind, field))
        if kind == "evidence":
            evidence = inputs / "evidence.txt"
            evidence.write_text("CanaryEvidenceFileContentZx " * 50)
            canaries.append("CanaryEvidenceFileContentZx")
            row["file"] = evidence.name
        lines.append(json.dumps(row, ensure_ascii=False))
    (inputs / "all.jsonl").write_text("\n".join(lines), encoding="utf-8")

    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin=f"{PASS}\n")
    cli("import", archive, inputs / "all.jsonl")  # locked: sealed into the inbox
    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    found = cli("search", archive, _canary("person", "full_name")).stdout
    assert "P-0001" in found
    # Another form and the other script: found through the search terms, which like the
    # words go only into the keyed filters (and a reindex rewrites only those).
    assert "P-0001" in cli("search", archive, "Мухаммада").stdout
    assert "P-0001" in cli("search", archive, "Muhammad").stdout
    cli("reindex", archive, "--all")
    assert "Мухаммад" in cli("show", "person", archive, "P-0001", "--reveal").stdout
    for kind in ORDER:
        cli("list", kind, archive)
    cli("status", archive)
    cli("lock", archive)

    # The search terms of the canaries (stems and name forms, in one script) are canaries too.
    canaries += sorted(
        {term.split(":", 1)[1] for c in list(canaries) for term in text_terms([c.title()])}
    )
    canaries += [term.split(":", 1)[1] for term in text_terms(["Мухаммад"])]
    scanned = [archive, cli.home, cli.run_dir]
    files = [p for root in scanned for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "archive.db" for p in files)
    assert any(p.suffix == ".age" for p in files)
    leaks = []
    for path in files:
        data = path.read_bytes().lower()
        for canary in canaries:
            for form in (canary.lower().encode(), canary.lower().encode("utf-16-le")):
                if form in data:
                    leaks.append((str(path), canary))
    assert leaks == []
