"""`bearwitness consent …` and the exits that ask it, through the real command line."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.runner import Cli


def test_consent_from_the_command_line(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shares = re.findall(
        r"bw-share-\S+", cli("init", archive, "--custodians", "3", "--threshold", "2").stdout
    )
    cli("unlock", archive, "--shares", "--stdin", stdin="\n".join(shares[:2]) + "\n")
    cli("add", "person", archive, "--set", "full_name=FICTIONAL Consentova")
    cli("add", "event", archive, "--set", "title=FICTIONAL raid")
    cli("add", "act", archive, "--set", "event_id=E-0001", "--set", "victim_id=P-0001")
    cli("lock", archive)
    # taken while locked, through the inbox, and folded at the next unlock
    locked = cli(
        "consent",
        "add",
        archive,
        "P-0001",
        "--scopes",
        "aggregate_statistics",
        "--obtained-by",
        "FICTIONAL documenter",
        "--on",
        "2026-11-01",
    )
    assert "sealed into the inbox" in locked.stdout
    cli("unlock", archive, "--shares", "--stdin", stdin="\n".join(shares[1:]) + "\n")
    listed = cli("consent", "list", archive).stdout
    assert "CN-0001" in listed and "P-0001" in listed and "aggregate_statistics" in listed
    refused = cli("consent", "check", archive, "P-0001", "--purpose", "court_proceedings", ok=False)
    assert refused.returncode == 24 and "does not cover court proceedings" in refused.stderr
    proof = cli("prove", archive, "A-0001", "--out", tmp_path / "bundle", ok=False)
    assert proof.returncode == 24 and not (tmp_path / "bundle").exists()
    bad = cli("consent", "check", archive, "P-0001", "--purpose", "marketing", ok=False)
    assert bad.returncode == 2 and "not a purpose" in bad.stderr
    exported = cli(
        "export", archive, "--out", tmp_path / "out", "--purpose", "naming_in_publication"
    ).stdout
    assert "Left out (clear fields only): P-0001" in exported
    assert "Consentova" not in (tmp_path / "out" / "records.jsonl").read_text()
    ordered = cli(
        "consent",
        "court-order",
        archive,
        "P-0001",
        "--order",
        "FICTIONAL No. 7",
        "--on",
        "2026-11-30",
        "--stdin",
        stdin="\n".join(shares[::2]) + "\n",
    ).stdout
    assert "approved by custodians 1,3" in ordered
    cli("prove", archive, "A-0001", "--out", tmp_path / "bundle")
    cli("consent", "withdraw", archive, "CN-0001", "--on", "2026-12-01")
    assert (
        "withdrawn"
        in cli(
            "consent", "check", archive, "P-0001", "--purpose", "aggregate_statistics", ok=False
        ).stderr
    )
    assert "Everything verifies" in cli("verify", archive).stdout
