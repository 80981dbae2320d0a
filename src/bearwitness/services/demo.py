"""Building the FICTIONAL demo archive."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bearwitness.crypto.kdf import KdfParams
from bearwitness.demo.generate import DISTRICTS, generate
from bearwitness.errors import ArchiveError
from bearwitness.intake.importers import ImportRow, sha256_file
from bearwitness.services import boundaries, checkpoints, writing
from bearwitness.services.archive import Archive

DEMO_PASSPHRASE = "FICTIONAL demo passphrase"  # nosec B105 # FICTIONAL
MARKER = "DEMO-FICTIONAL.txt"


@dataclass(frozen=True)
class DemoSummary:
    folder: Path
    counts: dict[str, int]
    acts_by_type: dict[str, int]
    events_by_wave: dict[str, int]
    claims: list[tuple[str, str, str]]  # (stance, count, speaker)
    victims_documented: int


def build_demo(
    folder: Path, *, kdf_params: KdfParams | None = None, database_url: str | None = None
) -> tuple[Archive, DemoSummary]:
    """Create (or re-create) the demo archive at ``folder``; it is returned unlocked.
    ``database_url``: an empty database for it (default: SQLite inside the folder)."""
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).is_file():
            raise ArchiveError(
                f"{folder} exists and is not a demo archive",
                hint="Give the demo a new folder: bearwitness demo PATH.",
            )
        shutil.rmtree(folder)
    archive, _ = Archive.create(
        folder,
        passphrase=DEMO_PASSPHRASE,
        kdf_params=kdf_params,
        actor="U-demo",
        database_url=database_url,
    )
    (folder / MARKER).write_text(
        "Everything in this archive is FICTIONAL, generated for a demo.\n"
        f"Its passphrase is: {DEMO_PASSPHRASE}\n"
    )
    data, files = generate()
    with tempfile.TemporaryDirectory(prefix="bearwitness-demo-") as scratch:
        rows = []
        for number, item in enumerate(data, start=1):
            item = dict(item)
            path = None
            if "file" in item:
                path = Path(scratch) / item.pop("file")
                path.write_bytes(next(f.content for f in files if f.name == path.name))
                item.update(filename=path.name, size=path.stat().st_size, sha256=sha256_file(path))
            rows.append(ImportRow(number, item, path))
        records = writing.resolve_rows(archive, rows, "demo data")
        sources = {r.id: row.file for row, r in zip(rows, records, strict=True) if row.file}
        writing.write_records(archive, records, sources, operation="import")
    boundaries.save(folder, boundaries.schematic(DISTRICTS))  # the dashboard's map: FICTIONAL
    checkpoints.sign_new_checkpoint(archive)  # so that `verify` and `prove` work at once
    kinds = Counter(str(item["type"]) for item in data)
    acts = Counter(str(item["act_type"]) for item in data if item["type"] == "act")
    waves = Counter(
        str(item["parent_id"]) for item in data if item["type"] == "event" and item.get("parent_id")
    )
    claims = [
        (str(i["stance"]), str(i["count"]), str(i["speaker"])) for i in data if i["type"] == "claim"
    ]
    victims = len({i["victim_id"] for i in data if i["type"] == "act"})
    return archive, DemoSummary(folder, dict(kinds), dict(acts), dict(waves), claims, victims)
