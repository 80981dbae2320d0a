"""The log commands end to end: checkpoint, timestamp, witness, export, verify and prove."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bearwitness.tlog.cosignature import CosignatureSigner
from tests.cli.runner import Cli
from tests.tlog.tsa import LocalTSA, make_tsa, serve_tsa

PASS = "a long and careful passphrase"
VERIFY_BUNDLE = Path(__file__).parents[2] / "tools" / "verify_bundle.py"


@pytest.fixture
def tsa_url(tmp_path: Path) -> Iterator[tuple[str, LocalTSA]]:
    """A local RFC 3161 authority (`openssl ts`) behind HTTP."""
    tsa = make_tsa(tmp_path / "tsa")
    with serve_tsa(tsa) as url:
        yield url, tsa


@pytest.fixture
def unlocked(cli: Cli, tmp_path: Path) -> Path:
    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin=f"{PASS}\n")
    testimony = tmp_path / "testimony.txt"
    testimony.write_text("FICTIONAL. They took my passport in Argun.", encoding="utf-8")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8FICTIONAL photo bytes" * 100)
    cli("add", "source", archive, "--set", "name=FICTIONAL network", "--set", "reliability=B")
    # Its id is given: one taken in locked would otherwise be random.
    cli(
        "add",
        "document",
        archive,
        "--set",
        "id=D-0001",
        "--file",
        testimony,
        "--source",
        "S-0001",
        "--attach",
        photo,
    )
    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    return archive


def test_checkpoint_timestamp_export_verify_and_prove(
    cli: Cli, unlocked: Path, tmp_path: Path, tsa_url: tuple[str, LocalTSA]
) -> None:
    url, tsa = tsa_url
    status = cli("log", "status", unlocked).stdout
    assert "none yet" in status
    cli("log", "configure", unlocked, "--timestamp-url", url, "--tsa-roots", tsa.root_pem)
    signed = cli("log", "checkpoint", unlocked).stdout
    assert "Signed checkpoint of size 4" in signed  # source, document, evidence, unlock
    assert "Timestamped" in signed
    size = 4
    tsr = unlocked / "checkpoints" / f"{size}.tsr"
    checked = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-data",
            unlocked / "checkpoints" / str(size),
            "-in",
            tsr,
            "-CAfile",
            tsa.root_pem,
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout

    kept = tmp_path / "partner" / "checkpoint"
    kept.parent.mkdir()
    cli("log", "export-checkpoint", unlocked, "--out", kept)
    assert kept.read_bytes() == (unlocked / "log" / "checkpoint").read_bytes()
    assert (
        kept.with_name("checkpoint.vkey").read_text().strip()
        == (unlocked / "log.vkey").read_text().strip()
    )

    verified = cli("verify", unlocked, "--against", kept).stdout
    assert "Everything verifies" in verified and "consistent with older" in verified
    assert "3 record version(s) and 1 evidence file(s)" in verified

    bundle = tmp_path / "bundle"
    proved = cli("prove", unlocked, "D-0001", "--out", bundle).stdout
    assert "They took my passport" in (bundle / "record.json").read_text()
    # prove prints the archive's key and a command that uses it, never the bundle's log.vkey
    vkey = (unlocked / "log.vkey").read_text().strip()
    assert f"--vkey '{vkey}'" in proved and "log.vkey" not in proved
    standalone = subprocess.run(
        [sys.executable, VERIFY_BUNDLE, bundle, "--vkey", vkey, "--tsa-ca", tsa.root_pem],
        capture_output=True,
        text=True,
    )
    assert standalone.returncode == 0, standalone.stdout + standalone.stderr
    assert "existed at" in standalone.stdout
    own_key = subprocess.run(
        [sys.executable, VERIFY_BUNDLE, bundle, "--vkey-file", bundle / "log.vkey"],
        capture_output=True,
        text=True,
    )
    assert own_key.returncode == 2 and "inside the bundle" in own_key.stdout

    file_bundle = tmp_path / "file-bundle"
    cli("prove", unlocked, "F-0001", "--file", "--out", file_bundle)
    assert (file_bundle / "F-0001.bin").read_bytes().startswith(b"\xff\xd8FICTIONAL")
    standalone = subprocess.run(
        [sys.executable, VERIFY_BUNDLE, file_bundle, "--vkey-file", unlocked / "log.vkey"],
        capture_output=True,
        text=True,
    )
    assert standalone.returncode == 0, standalone.stdout + standalone.stderr


def test_verify_fails_with_exit_8_naming_the_file(cli: Cli, unlocked: Path) -> None:
    cli("log", "checkpoint", unlocked)
    blob = unlocked / "blobs" / "F-0001.age"
    data = bytearray(blob.read_bytes())
    data[-5] ^= 0x01
    blob.write_bytes(bytes(data))
    failed = cli("verify", unlocked, ok=False)
    assert failed.returncode == 8
    assert "evidence file F-0001.age" in failed.stderr
    cli("lock", unlocked)
    locked = cli("verify", unlocked, ok=False)
    assert locked.returncode == 8 and "ciphertexts hashed" in locked.stdout
    assert "evidence file F-0001.age" in locked.stderr


def test_witness_cosignatures_are_required_then_accepted(
    cli: Cli, unlocked: Path, tmp_path: Path
) -> None:
    witness = CosignatureSigner("witness.example/FICTIONAL", b"\x21" * 32)
    cli("log", "checkpoint", unlocked)
    cli("log", "witness", "add", unlocked, witness.verifier.vkey(), "--quorum", "1")
    missing = cli("verify", unlocked, ok=False)
    assert missing.returncode == 8 and "1 are required" in missing.stderr

    request = tmp_path / "request"
    cli("log", "witness", "request", unlocked, "--out", request)
    note = request.read_bytes().split(b"\n\n", 1)[1]
    reply = tmp_path / "reply"
    reply.write_bytes(witness.cosign(note, 1_800_000_000)[len(note) :])
    cli("log", "witness", "accept", unlocked, reply)
    verified = cli("verify", unlocked).stdout
    assert "cosigned by witness.example/FICTIONAL" in verified

    stranger = CosignatureSigner("witness.example/stranger", b"\x22" * 32)
    reply.write_bytes(stranger.cosign(note, 1_800_000_000)[len(note) :])
    refused = cli("log", "witness", "accept", unlocked, reply, ok=False)
    assert refused.returncode == 8 and "no configured witness" in refused.stderr


def test_signing_needs_an_unlock_and_prove_says_so(
    cli: Cli, unlocked: Path, tmp_path: Path
) -> None:
    cli("lock", unlocked)
    refused = cli("log", "checkpoint", unlocked, ok=False)
    assert refused.returncode == 5
    refused = cli("prove", unlocked, "D-0001", "--out", tmp_path / "b", ok=False)
    assert refused.returncode == 5
    assert not (tmp_path / "b").exists()


def test_verify_says_an_interrupted_checkpoint_is_not_yet_published(
    cli: Cli, unlocked: Path
) -> None:
    cli("log", "checkpoint", unlocked)
    (unlocked / "log" / "checkpoint").unlink()  # as if killed before publishing it
    verified = cli("verify", unlocked).stdout
    assert "Everything verifies" in verified and "never published" in verified
    cli("log", "checkpoint", unlocked)
    assert "never published" not in cli("verify", unlocked).stdout


def test_verify_pins_the_log_key_against_a_replaced_one(
    cli: Cli, unlocked: Path, tmp_path: Path
) -> None:
    cli("log", "checkpoint", unlocked)
    published = tmp_path / "published"
    published.mkdir()
    cli("log", "export-checkpoint", unlocked, "--out", published / "checkpoint")
    original = (published / "checkpoint.vkey").read_text().strip()
    pinned = cli("verify", unlocked, "--vkey", original).stdout
    assert "Everything verifies" in pinned and f"the key you pinned: {original}" in pinned
    # Someone with the disk but no key makes their own log key and signs the log again.
    for name in ("log.vkey", "log-key.age"):
        (unlocked / name).unlink()
    shutil.rmtree(unlocked / "log")
    shutil.rmtree(unlocked / "checkpoints")
    cli("log", "checkpoint", unlocked)
    forged = (unlocked / "log.vkey").read_text().strip()
    # Checked with its own key it passes, and says so plainly, naming the key it trusted:
    own = cli("verify", unlocked).stdout
    assert "Everything verifies" in own and forged in own and "archive's own key" in own
    assert "--vkey" in own
    for pin in (["--vkey", original], ["--vkey-file", published / "checkpoint.vkey"]):
        failed = cli("verify", unlocked, *pin, ok=False)
        assert failed.returncode == 8 and "Everything verifies" not in failed.stdout
        assert f"log.vkey is {_name(forged)}, not the pinned key {_name(original)}" in failed.stderr
    # A checkpoint kept elsewhere catches it without a pin too.
    against = cli("verify", unlocked, "--against", published / "checkpoint", ok=False)
    assert against.returncode == 8
    # A key file inside the archive pins nothing; a malformed key is named.
    inside = cli("verify", unlocked, "--vkey-file", unlocked / "log.vkey", ok=False)
    assert inside.returncode != 8 and "inside the archive" in inside.stderr
    bad = cli("verify", unlocked, "--vkey", "not-a-key", ok=False)
    assert "--vkey: invalid verifier key" in bad.stderr


def _name(vkey: str) -> str:
    """A signed-note key's name and id, without the key (whose base64 may hold "+")."""
    return "+".join(vkey.split("+", 2)[:2])
