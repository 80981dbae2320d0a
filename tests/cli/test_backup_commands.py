"""The backup commands end to end through the real CLI, and Debian's `age` opening a backup's
chunks with an offline recipient's identity alone: they are standard age files."""

from __future__ import annotations

import base64
import hmac
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bearwitness.services.demo import DEMO_PASSPHRASE
from tests.cli.runner import Cli

AGE = shutil.which("age")
AGE_KEYGEN = shutil.which("age-keygen")
NEEDS_AGE = pytest.mark.needs(
    AGE is not None and AGE_KEYGEN is not None,
    reason="the `age` command is not installed, so a backup's chunks are not opened with "
    "standard age (`make system-packages` or `apt-get install age` installs it)",
)


def _age_decrypt(identity: Path, path: Path) -> bytes:
    done = subprocess.run(
        [str(AGE), "--decrypt", "--identity", str(identity), str(path)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout


@NEEDS_AGE
def test_backup_verify_restore_and_age_opens_the_chunks(cli: Cli, tmp_path: Path) -> None:
    archive, place = tmp_path / "demo", tmp_path / "backups"
    cli("demo", archive)
    cli("unlock", archive, "--stdin", stdin=DEMO_PASSPHRASE + "\n")
    key = tmp_path / "partner.key"
    subprocess.run([str(AGE_KEYGEN), "-o", str(key)], check=True, capture_output=True)
    public = subprocess.run(
        [str(AGE_KEYGEN), "-y", str(key)], check=True, capture_output=True, text=True
    ).stdout.strip()
    cli("backup", "recipient", archive, public)
    made = cli("backup", archive, "--to", place)
    assert "1 offline recipient(s)" in made.stdout and "Logged as entry" in made.stdout
    cli("log", "export-checkpoint", archive, "--out", tmp_path / "old-checkpoint")

    # Standard age opens the snapshot and every chunk with the partner's identity, and each
    # chunk's name is the HMAC of what it holds under the key the snapshot carries.
    [snapshot] = (place / "snapshots").glob("*.age")
    body = json.loads(_age_decrypt(key, snapshot))
    name_key = base64.b64decode(body["name_key"])
    chunks = [p for p in (place / "chunks").rglob("*") if p.is_file()]
    assert chunks
    blobs = []
    for chunk in chunks:
        plain = _age_decrypt(key, chunk)
        assert hmac.new(name_key, plain, "sha256").hexdigest() == chunk.name
        if plain.startswith(b"age-encryption.org/v1"):
            blobs.append(chunk)  # a piece of an evidence file (itself an age file)

    checked = cli("backup", "verify", place, "--identity", key)
    assert "The backup is whole" in checked.stdout
    restored = cli("restore", place, "--to", tmp_path / "abroad", "--identity", key)
    assert "Restored" in restored.stdout and "at checkpoint" in restored.stdout
    assert "Everything verifies" in cli("verify", tmp_path / "abroad").stdout

    # A newer checkpoint kept by a partner: the old snapshot is a rollback, refused.
    cli("log", "checkpoint", archive, "--no-timestamp")
    newer = tmp_path / "newer-checkpoint"
    cli("log", "export-checkpoint", archive, "--out", newer)
    cli("backup", archive, "--to", place)
    first = cli("backup", "list", place).stdout.split()[0]
    refused = cli(
        "restore",
        place,
        "--to",
        tmp_path / "old",
        "--snapshot",
        first,
        "--against",
        newer,
        "--stdin",
        stdin=DEMO_PASSPHRASE + "\n",
        ok=False,
    )
    assert refused.returncode == 13 and "roll the archive back" in refused.stderr
    assert not (tmp_path / "old").exists()

    # A byte flipped in one chunk: both commands name it.
    victim = max(blobs, key=lambda p: p.stat().st_size)
    data = bytearray(victim.read_bytes())
    data[-100] ^= 0x01
    victim.write_bytes(bytes(data))
    named = victim.relative_to(place).as_posix()
    damaged = cli("backup", "verify", place, "--identity", key, ok=False)
    assert damaged.returncode == 12 and named in damaged.stderr
    failed = cli("restore", place, "--to", tmp_path / "r", "--identity", key, ok=False)
    assert failed.returncode == 12 and named in failed.stderr
    assert not (tmp_path / "r").exists()


def test_backup_usage_errors(cli: Cli, tmp_path: Path) -> None:
    missing = cli("backup", "verify", tmp_path / "nothing", "--identity", tmp_path / "x", ok=False)
    assert missing.returncode == 2 and "cannot read the identity file" in missing.stderr
    missing = cli("restore", tmp_path / "nothing", "--to", tmp_path / "r", ok=False)
    assert missing.returncode == 11 and "not a BearWitness backup" in missing.stderr
    assert "Traceback" not in missing.stderr
