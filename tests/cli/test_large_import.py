"""A large import, sealed on worker processes by the real command, verifies and is found."""

from __future__ import annotations

import json
from pathlib import Path

from bearwitness.services._sealing_workers import MIN_RECORDS
from tests.cli.runner import Cli

PASS = "FICTIONAL correct horse battery staple"


def test_a_large_import_verifies_and_is_searchable(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin=f"{PASS}\n")
    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    count = MIN_RECORDS + 10  # enough for the write to use its workers
    rows = [
        {
            "type": "document",
            "title": f"FICTIONAL testimony {n}",
            "text": f"FICTIONAL. Задержали ночью; word{n} и паспорт",
            "fictional": True,
        }
        for n in range(1, count + 1)
    ]
    data = tmp_path / "documents.jsonl"
    data.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows))
    cli("import", archive, data)
    assert f"D-{count:04d}" in cli("search", archive, f"word{count}").stdout
    cli("log", "checkpoint", archive)
    assert "Everything verifies" in cli("verify", archive).stdout
