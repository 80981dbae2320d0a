"""`show --reveal` is written to the same audit trail as the workbench's Reveal."""

from __future__ import annotations

from pathlib import Path

from bearwitness.services import audit
from bearwitness.services.archive import Archive
from tests.cli.runner import Cli

PASS = "a long and careful passphrase"


def test_show_reveal_is_audited_under_the_cli_actor(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin=f"{PASS}\n")
    cli("add", "person", archive, "--set", "role=victim", "--set", "full_name=FICTIONAL Anna")
    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    cli("show", "person", archive, "P-0001")
    opened = Archive.open(archive)
    try:
        assert audit.recent(opened.engine, action="reveal") == []  # only --reveal is recorded
    finally:
        opened.close()
    assert "FICTIONAL Anna" in cli("show", "person", archive, "P-0001", "--reveal").stdout
    cli("lock", archive)
    refused = cli("show", "person", archive, "P-0001", "--reveal", ok=False)
    assert refused.returncode == 5
    opened = Archive.open(archive)
    try:
        revealed = audit.recent(opened.engine, action="reveal")
    finally:
        opened.close()
    assert [(e.actor, e.target) for e in revealed] == [("U-local", "P-0001")]  # not the refusal
