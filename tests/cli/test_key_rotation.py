"""`bearwitness keys rotate`: new keys for what is written after it, the old ones kept.

The attack it answers: someone kept an old copy of keyring.json and learnt the old
passphrase (or an old share). Re-sharing re-wraps the same keys, so that copy would read
every record written later; after a rotation it reads only what came before."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bearwitness.crypto.files import decrypt_bytes
from bearwitness.crypto.keyring import Keyring
from bearwitness.errors import TamperedError
from bearwitness.services.archive import KEYRING, Archive
from bearwitness.store.schema import log_entries
from bearwitness.tlog.entry import parse_entry
from tests.cli.runner import Cli

OLD = "a long and careful passphrase"
NEW = "another long passphrase, after rotation"


def test_an_old_keyring_and_passphrase_read_nothing_written_after_rotation(
    cli: Cli, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin=f"{OLD}\n")
    cli("unlock", archive, "--stdin", stdin=f"{OLD}\n")
    cli("add", "person", archive, "--set", "full_name=FICTIONAL Before Rotation")
    scan = tmp_path / "scan.bin"
    scan.write_bytes(b"FICTIONAL scan " * 100)
    cli("add", "evidence", archive, "--file", scan)
    cli("log", "checkpoint", archive)  # the log's signing key, sealed to the old key
    old_keyring = (archive / KEYRING).read_text()
    old_recipient = re.search(r"age1\w+", cli("status", archive).stdout)
    assert old_recipient is not None

    rotated = cli("keys", "rotate", archive, "--stdin", stdin=f"{NEW}\n").stdout
    assert "Rotated to key generation 2" in rotated
    assert old_recipient.group() not in rotated
    assert "(key generation 2)" in cli("status", archive).stdout
    # The agent now holds the new keys: writing goes on without a new unlock.
    cli("add", "person", archive, "--set", "full_name=FICTIONAL After Rotation")
    cli("add", "evidence", archive, "--file", scan)
    for person in ("P-0001", "P-0002"):
        assert "Rotation" in cli("show", "person", archive, person, "--reveal").stdout
    found = cli("search", archive, "rotation").stdout
    assert "P-0001" in found and "P-0002" in found
    cli("log", "checkpoint", archive)  # signed with the same key, now sealed to the new one
    assert "Everything verifies" in cli("verify", archive).stdout
    cli("lock", archive)
    assert "Everything verifies" in cli("verify", archive).stdout  # locked, as an auditor

    # Someone with the old keyring.json and the old passphrase, and a copy of the archive.
    seized = tmp_path / "seized"
    shutil.copytree(archive, seized)
    (seized / KEYRING).write_text(old_keyring)
    thief = Cli(tmp_path / "thief")
    thief("unlock", seized, "--stdin", stdin=f"{OLD}\n")
    assert "Before Rotation" in thief("show", "person", seized, "P-0001", "--reveal").stdout
    after = thief("show", "person", seized, "P-0002", "--reveal", ok=False)
    assert after.returncode != 0 and "After Rotation" not in after.stdout
    assert "key generation 2" in after.stderr
    out = tmp_path / "export"
    thief("export", seized, "--out", out, ok=False)
    assert not any(b"After Rotation" in p.read_bytes() for p in out.rglob("*") if p.is_file())
    thief("lock", seized)
    stolen = Keyring.from_json(old_keyring).unlock_with_passphrase(OLD)
    assert (
        decrypt_bytes(
            seized / "blobs" / "F-0001.age", stolen.identities, expected_sha256=None, what="F-0001"
        )
        == scan.read_bytes()
    )
    with pytest.raises(TamperedError):
        decrypt_bytes(
            seized / "blobs" / "F-0002.age", stolen.identities, expected_sha256=None, what="F-0002"
        )

    # The old passphrase no longer opens the archive itself; the new one opens everything.
    refused = cli("unlock", archive, "--stdin", stdin=f"{OLD}\n", ok=False)
    assert refused.returncode == 6 and "Wrong passphrase" in refused.stderr
    cli("unlock", archive, "--stdin", stdin=f"{NEW}\n")
    assert "Before Rotation" in cli("show", "person", archive, "P-0001", "--reveal").stdout
    assert "After Rotation" in cli("show", "person", archive, "P-0002", "--reveal").stdout
    cli("log", "checkpoint", archive)
    assert "Everything verifies" in cli("verify", archive).stdout
    opened = Archive.open(archive)
    with opened.engine.connect() as connection:
        kinds = [
            parse_entry(row.entry).kind for row in connection.execute(select(log_entries.c.entry))
        ]
    opened.close()
    assert kinds.count("rotate") == 1


def test_rotating_a_custodian_archive_prints_new_shares(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shares = re.findall(
        r"bw-share-\S+", cli("init", archive, "--custodians", "3", "--threshold", "2").stdout
    )
    cli("unlock", archive, "--stdin", stdin="\n".join(shares[:2]) + "\n")
    cli("add", "person", archive, "--set", "full_name=FICTIONAL Custodian Rotation")
    bad = cli("keys", "rotate", archive, "--custodians", "4", ok=False)
    assert bad.returncode == 2 and "go together" in bad.stderr
    rotated = cli("keys", "rotate", archive, "--custodians", "4", "--threshold", "3").stdout
    new = re.findall(r"bw-share-\S+", rotated)
    assert len(new) == 4 and "any 3 of 4 unlock" in rotated
    cli("lock", archive)
    old = cli("unlock", archive, "--stdin", stdin="\n".join(shares[:2]) + "\n", ok=False)
    assert old.returncode == 6
    cli("unlock", archive, "--stdin", stdin="\n".join(new[1:]) + "\n")
    assert "Custodian Rotation" in cli("show", "person", archive, "P-0001", "--reveal").stdout
    locked = Cli(tmp_path / "other")  # no unlocked session: nothing to rotate with
    refused = locked("keys", "rotate", archive, ok=False)
    assert refused.returncode != 0 and "locked" in refused.stderr.lower()
