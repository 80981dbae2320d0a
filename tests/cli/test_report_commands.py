"""`bearwitness report build` and `report verify` through the real command line."""

from __future__ import annotations

from pathlib import Path

from bearwitness.services.demo import DEMO_PASSPHRASE
from tests.cli.runner import Cli


def test_build_and_verify_a_report(cli: Cli, tmp_path: Path) -> None:
    archive, out = tmp_path / "demo", tmp_path / "report"
    cli("demo", archive)
    cli("lock", archive, ok=False)
    locked = cli("report", "build", archive, "--out", out, ok=False)
    assert locked.returncode == 5 and not out.exists()
    cli("unlock", archive, "--stdin", stdin=f"{DEMO_PASSPHRASE}\n")
    spec = tmp_path / "report.toml"
    spec.write_text('title = "FICTIONAL demo"\n[disclosure]\nk = 10\n')
    built = cli("report", "build", archive, "--spec", spec, "--out", out, "--lang", "ru")
    assert "cells hidden by disclosure control" in built.stdout
    assert "Задокументированные" in (out / "report.html").read_text()
    done = cli("report", "verify", archive, out)
    assert "Every figure verifies." in done.stdout and "log size" in done.stdout
    csv = out / "acts-by-month.csv"
    csv.write_text(csv.read_text().replace("2017-03,130", "2017-03,13"))
    failed = cli("report", "verify", archive, out, ok=False)
    assert failed.returncode == 8 and "acts-by-month" in failed.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[disclosure]\nk = 0\n")
    refused = cli("report", "build", archive, "--spec", bad, "--out", tmp_path / "x", ok=False)
    assert refused.returncode == 2 and "k must be" in refused.stderr
    assert "Everything verifies" in cli("verify", archive).stdout  # the report entry is fine
