"""Proof bundles, checked by the standalone tools/verify_bundle.py as a subprocess."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bearwitness.errors import InputError, VerificationError
from bearwitness.tlog.bundle import ProvenCheckpoint, write_bundle
from bearwitness.tlog.checkpoint import Checkpoint, sign_checkpoint
from bearwitness.tlog.entry import LogEntry, canonical_json, commit
from bearwitness.tlog.note import NoteSigner
from bearwitness.tlog.proof import open_proof
from bearwitness.tlog.tiles import TileLog
from bearwitness.tlog.timestamp import request_timestamp
from tests.tlog.tsa import make_tsa

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_bundle.py"
SIGNER = NoteSigner("archive.example.org/log", b"\x09" * 32)
RECORD = canonical_json({"type": "testimony", "note": "FICTIONAL", "names": ["Жанна Тестова"]})
SALT = bytes(range(32))
FILE = b"FICTIONAL scan bytes " * 50
FILE_SALT = bytes(range(1, 33))


def entry(i: int, **changes: object) -> bytes:
    fields: dict[str, object] = dict(
        kind="create",
        record_type="document",
        record_id=f"D-{i:04d}",
        version=1,
        commitment=commit(i.to_bytes(32, "big"), b"{}"),
        actor="U-01",
        time="2026-01-31T12:00:00Z",
    )
    fields.update(changes)
    return LogEntry(**fields).to_bytes()  # type: ignore[arg-type]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, TileLog, list[ProvenCheckpoint], Path]:
    tsa = make_tsa(tmp_path / "tsa")
    log = TileLog(tmp_path / "log")
    log.append([entry(i) for i in range(300)])
    log.append([entry(300, commitment=commit(SALT, RECORD))])
    log.append(
        [
            entry(
                301,
                kind="evidence",
                record_type="evidence",
                commitment=commit(FILE_SALT, FILE),
                file_sha256=hashlib.sha256(FILE).hexdigest(),
            )
        ]
    )
    proven = []
    for _ in range(2):
        log.append([entry(i) for i in range(log.size, log.size + 50)])
        note = sign_checkpoint(Checkpoint(SIGNER.name, log.size, log.root()), SIGNER)
        log.publish_checkpoint(note)
        _, tsr = request_timestamp(note, tsa.stamp)
        proven.append(ProvenCheckpoint(note, (tsr,)))
    return tmp_path, log, proven, tsa.root_pem


def run_verifier(bundle: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(VERIFIER), str(bundle), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_record_bundle_verifies_standalone(
    setup: tuple[Path, TileLog, list[ProvenCheckpoint], Path],
) -> None:
    tmp, log, proven, root_pem = setup
    out = tmp / "bundle"
    write_bundle(
        out,
        log=log,
        log_key=SIGNER.verifier,
        index=300,
        data=RECORD,
        salt=SALT,
        checkpoints=proven,
        tsa_roots_pem=root_pem.read_bytes(),
    )
    assert {
        "README.txt",
        "manifest.json",
        "record.json",
        "salt.hex",
        "entry.json",
        "log.vkey",
        "checkpoint-352",
        "proof-352.tlog-proof",
        "checkpoint-352.tsr",
        "checkpoint-402",
        "tsa-roots.pem",
    } <= {p.name for p in out.iterdir()}
    run = run_verifier(out, "--vkey", SIGNER.verifier.vkey())
    assert run.returncode == 0, run.stdout + run.stderr
    assert "VERIFIED" in run.stdout
    assert "entry 300 is included in the log at size 402" in run.stdout
    assert run.stdout.count("checkpoint-352 existed at") == 1
    # The library reads the same proof file.
    signed = open_proof(
        (out / "proof-402.tlog-proof").read_bytes(),
        (out / "entry.json").read_bytes(),
        SIGNER.verifier,
    )
    assert signed.checkpoint.size == 402


def test_file_bundle_verifies_standalone(
    setup: tuple[Path, TileLog, list[ProvenCheckpoint], Path],
) -> None:
    tmp, log, proven, _ = setup
    out = tmp / "bundle"
    write_bundle(
        out,
        log=log,
        log_key=SIGNER.verifier,
        index=301,
        data=FILE,
        salt=FILE_SALT,
        checkpoints=proven[:1],
        file_name="scan.jpg",
    )
    run = run_verifier(out, "--vkey", SIGNER.verifier.vkey())
    assert run.returncode == 0, run.stdout
    assert "scan.jpg: SHA-256 matches" in run.stdout and "not checked" in run.stdout


@pytest.mark.parametrize(
    ("name", "offset", "message"),
    [
        ("record.json", 5, "salt and data do not give the logged commitment"),
        ("salt.hex", 0, "salt and data do not give the logged commitment"),
        ("entry.json", 30, "salt and data do not give the logged commitment"),
        ("checkpoint-402", 30, "differs from checkpoint-402"),
        ("proof-402.tlog-proof", 40, "does not lead to the checkpoint's root"),
        ("checkpoint-352.tsr", 60, "timestamp does not verify"),
    ],
)
def test_tampered_bundle_fails(
    setup: tuple[Path, TileLog, list[ProvenCheckpoint], Path], name: str, offset: int, message: str
) -> None:
    tmp, log, proven, root_pem = setup
    out = tmp / "bundle"
    write_bundle(
        out,
        log=log,
        log_key=SIGNER.verifier,
        index=300,
        data=RECORD,
        salt=SALT,
        checkpoints=proven,
        tsa_roots_pem=root_pem.read_bytes(),
    )
    data = bytearray((out / name).read_bytes())
    data[offset] = ord("0") if data[offset] != ord("0") else ord("1")
    (out / name).write_bytes(bytes(data))
    run = run_verifier(out, "--vkey", SIGNER.verifier.vkey())
    assert run.returncode == 1, run.stdout
    assert message in run.stdout


def test_wrong_key_and_resigned_checkpoint_fail(
    setup: tuple[Path, TileLog, list[ProvenCheckpoint], Path],
) -> None:
    tmp, log, proven, _ = setup
    out = tmp / "bundle"
    write_bundle(
        out,
        log=log,
        log_key=SIGNER.verifier,
        index=300,
        data=RECORD,
        salt=SALT,
        checkpoints=proven[1:],
    )
    other = NoteSigner(SIGNER.name, b"\x0a" * 32)
    run = run_verifier(out, "--vkey", other.verifier.vkey())
    assert run.returncode == 1 and "not signed by this log key" in run.stdout
    # Without --vkey the bundle's own key is used, and the output says what that is worth.
    run = run_verifier(out)
    assert run.returncode == 0 and "consistent with itself" in run.stdout


def test_write_bundle_refuses_what_does_not_fit(
    setup: tuple[Path, TileLog, list[ProvenCheckpoint], Path],
) -> None:
    tmp, log, proven, _ = setup
    with pytest.raises(VerificationError, match="entry 300"):
        write_bundle(
            tmp / "b1",
            log=log,
            log_key=SIGNER.verifier,
            index=300,
            data=RECORD,
            salt=bytes(32),
            checkpoints=proven,
        )
    with pytest.raises(VerificationError, match="SHA-256"):
        write_bundle(
            tmp / "b2",
            log=log,
            log_key=SIGNER.verifier,
            index=301,
            data=b"other",
            salt=None,
            checkpoints=proven,
            file_name="scan.jpg",
        )
    with pytest.raises(InputError):
        write_bundle(
            tmp / "b3",
            log=log,
            log_key=SIGNER.verifier,
            index=300,
            data=RECORD,
            salt=SALT,
            checkpoints=proven,
            file_name="../x",
        )
    shutil.rmtree(tmp / "b3", ignore_errors=True)


def test_verifier_refuses_a_manifest_pointing_outside_the_bundle(
    setup: tuple[Path, TileLog, list[ProvenCheckpoint], Path],
) -> None:
    tmp, log, proven, _ = setup
    out = tmp / "bundle"
    write_bundle(
        out,
        log=log,
        log_key=SIGNER.verifier,
        index=300,
        data=RECORD,
        salt=SALT,
        checkpoints=proven[1:],
    )
    manifest = (out / "manifest.json").read_text()
    (out / "manifest.json").write_text(manifest.replace('"record.json"', '"../record.json"'))
    run = run_verifier(out, "--vkey", SIGNER.verifier.vkey())
    assert run.returncode == 1 and "outside the bundle" in run.stdout


def test_a_record_bundle_carries_the_small_file_its_record_names(
    setup: tuple[Path, TileLog, list[ProvenCheckpoint], Path],
) -> None:
    tmp, _, _, _ = setup
    record = canonical_json({"id": "F-0001", "sha256": hashlib.sha256(FILE).hexdigest()})
    log = TileLog(tmp / "small")
    log.append([entry(0, commitment=commit(SALT, record))])
    note = sign_checkpoint(Checkpoint(SIGNER.name, log.size, log.root()), SIGNER)
    log.publish_checkpoint(note)
    out = tmp / "bundle"
    write_bundle(out, log=log, log_key=SIGNER.verifier, index=0, data=record, salt=SALT,
                 checkpoints=[ProvenCheckpoint(note)], attachment=("scan.jpg", FILE))
    run = run_verifier(out, "--vkey", SIGNER.verifier.vkey())
    assert run.returncode == 0, run.stdout
    assert "scan.jpg: SHA-256 matches the record's sha256" in run.stdout
    (out / "scan.jpg").write_bytes(FILE + b"x")
    run = run_verifier(out, "--vkey", SIGNER.verifier.vkey())
    assert run.returncode == 1 and "not the one the record names" in run.stdout + run.stderr
    with pytest.raises(VerificationError):
        write_bundle(tmp / "other", log=log, log_key=SIGNER.verifier, index=0, data=record,
                     salt=SALT, checkpoints=[ProvenCheckpoint(note)],
                     attachment=("scan.jpg", FILE + b"x"))
