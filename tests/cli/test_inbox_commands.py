"""`bearwitness inbox`: what could not be written in is listed, shown, retried or discarded."""

from __future__ import annotations

from pathlib import Path

from bearwitness.services._ledger import read_entries
from bearwitness.services.archive import Archive
from bearwitness.tlog.entry import LogEntry, parse_entry
from tests.cli.runner import Cli

PASS = "a long and careful passphrase"


def _stuck_archive(cli: Cli, tmp_path: Path) -> tuple[Path, str]:
    """A locked archive whose inbox holds a batch referring to a person nobody sent."""
    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin=f"{PASS}\n")
    # A reference found nowhere is taken in only while another batch waits (it might be
    # in there); this one is not, so the act's batch is stuck at the fold.
    cli("add", "source", archive, "--set", "name=FICTIONAL source", "--set", "reliability=B")
    cli("add", "act", archive, "--set", "victim_id=P-0404", "--set", "act_type=extortion")
    unlocked = cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    assert "stays in the inbox" in unlocked.stderr and "P-0404" in unlocked.stderr
    assert "Traceback" not in unlocked.stderr
    cli("lock", archive)
    batch = next(archive.joinpath("inbox").glob("*.batch.age")).name.removesuffix(".batch.age")
    return archive, batch


def test_a_stuck_batch_is_listed_locked_and_shown_unlocked(cli: Cli, tmp_path: Path) -> None:
    archive, batch = _stuck_archive(cli, tmp_path)
    listed = cli("inbox", "list", archive).stdout
    assert batch in listed and "stuck" in listed and "P-0404" not in listed  # sealed reason
    assert "1 stuck" in cli("status", archive).stdout
    verified = cli("verify", archive, ok=False)
    assert verified.returncode == 8 and batch in verified.stderr
    refused = cli("inbox", "show", archive, batch, ok=False)
    assert refused.returncode == 5  # locked

    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    assert "P-0404" in cli("inbox", "list", archive).stdout
    shown = cli("inbox", "show", archive, batch).stdout
    assert "act" in shown and "P-0404" in shown and "extortion" not in shown
    retried = cli("inbox", "retry", archive, batch, ok=False)
    assert retried.returncode == 3 and "P-0404" in retried.stderr


def test_retry_writes_a_batch_in_once_what_it_needs_is_there(cli: Cli, tmp_path: Path) -> None:
    archive, batch = _stuck_archive(cli, tmp_path)
    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    cli("add", "person", archive, "--set", "id=P-0404", "--set", "full_name=FICTIONAL")
    assert "1 record(s)" in cli("inbox", "retry", archive, batch).stdout
    assert "empty" in cli("inbox", "list", archive).stdout
    cli("log", "checkpoint", archive)
    assert "Everything verifies" in cli("verify", archive).stdout


def test_discard_is_logged_with_its_actor(cli: Cli, tmp_path: Path) -> None:
    archive, batch = _stuck_archive(cli, tmp_path)
    refused = cli("inbox", "discard", archive, batch, "--reason", "FICTIONAL test", ok=False)
    assert refused.returncode == 5  # locked: nobody removes what was taken in without keys
    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    assert cli("inbox", "discard", archive, batch, "--reason", " ", ok=False).returncode == 2
    done = cli("inbox", "discard", archive, batch, "--reason", "FICTIONAL: sent by mistake")
    assert "log entry" in done.stdout
    assert list((archive / "inbox").iterdir()) == []
    assert [
        (entry.record_type, entry.actor) for entry in _entries(archive) if entry.kind == "discard"
    ] == [("inbox_batch", "U-local")]
    missing = cli("inbox", "show", archive, batch, ok=False)
    assert missing.returncode == 4


def _entries(folder: Path) -> list[LogEntry]:
    archive = Archive.open(folder)
    try:
        with archive.engine.connect() as connection:
            return [parse_entry(entry) for _, entry in read_entries(connection)]
    finally:
        archive.close()
