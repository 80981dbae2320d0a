"""Counting an archive end to end: demo lists, link, estimate from the newest link run."""

from __future__ import annotations

from pathlib import Path

from bearwitness.services.demo import DEMO_PASSPHRASE
from tests.cli.runner import Cli


def test_link_then_estimate_from_the_archive(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "demo"
    cli("demo", archive)
    refused = cli("estimate", "--archive", archive, ok=False)
    assert refused.returncode == 4 and "never linked" in refused.stderr
    cli("unlock", archive, "--stdin", stdin=f"{DEMO_PASSPHRASE}\n")
    cli("link", archive)
    done = cli("estimate", "--archive", archive, "--method", "loglinear")
    assert "Documented:" in done.stdout and "Kept as ES-0001" in done.stdout
    assert "linkage LR-0001" in cli("estimates", archive).stdout
    cli("log", "checkpoint", archive)
    assert "Everything verifies" in cli("verify", archive).stdout
