"""Proof bundles, checked by the standalone tools/verify_bundle.py as a subprocess."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from bearwitness.errors import InputError, VerificationError
from bearwitness.tlog.bundle import ProvenCheckpoint, write_bundle
from bearwitness.tlog.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint
from bearwitness.tlog.entry import LogEntry, canonical_json, commit
from bearwitness.tlog.note import NoteSigner
from bearwitness.tlog.proof import InclusionProof, format_proof, open_proof
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
    root_pem = setup[3]
    out = _genuine(setup)
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
    run = run_verifier(out, "--vkey", SIGNER.verifier.vkey(), "--tsa-ca", str(root_pem))
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
    root_pem = setup[3]
    out = _genuine(setup)
    data = bytearray((out / name).read_bytes())
    data[offset] = ord("0") if data[offset] != ord("0") else ord("1")
    (out / name).write_bytes(bytes(data))
    run = run_verifier(out, "--vkey", SIGNER.verifier.vkey(), "--tsa-ca", str(root_pem))
    assert run.returncode == 1, run.stdout
    assert message in run.stdout and "VERIFIED" not in run.stdout


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
    write_bundle(
        out,
        log=log,
        log_key=SIGNER.verifier,
        index=0,
        data=record,
        salt=SALT,
        checkpoints=[ProvenCheckpoint(note)],
        attachment=("scan.jpg", FILE),
    )
    run = run_verifier(out, "--vkey", SIGNER.verifier.vkey())
    assert run.returncode == 0, run.stdout
    assert "scan.jpg: SHA-256 matches the record's sha256" in run.stdout
    (out / "scan.jpg").write_bytes(FILE + b"x")
    run = run_verifier(out, "--vkey", SIGNER.verifier.vkey())
    assert run.returncode == 1 and "not the one the record names" in run.stdout + run.stderr
    with pytest.raises(VerificationError):
        write_bundle(
            tmp / "other",
            log=log,
            log_key=SIGNER.verifier,
            index=0,
            data=record,
            salt=SALT,
            checkpoints=[ProvenCheckpoint(note)],
            attachment=("scan.jpg", FILE + b"x"),
        )


# --- forgeries: each must fail, however consistent with itself the bundle is -------------


def _genuine(setup: tuple[Path, TileLog, list[ProvenCheckpoint], Path]) -> Path:
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
    return out


def _edit_manifest(out: Path, **changes: object) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    manifest.update(changes)
    (out / "manifest.json").write_text(json.dumps(manifest))


def _forge_record(out: Path) -> None:
    """A false record, its own salt and an entry.json whose commitment matches them."""
    forged = canonical_json({"type": "testimony", "note": "FICTIONAL forged statement"})
    salt = bytes(range(100, 132))
    entry_fields = json.loads((out / "entry.json").read_bytes())
    entry_fields["commitment"] = commit(salt, forged)
    (out / "record.json").write_bytes(forged)
    (out / "salt.hex").write_text(salt.hex() + "\n")
    (out / "entry.json").write_bytes(canonical_json(entry_fields))


def test_a_forged_record_without_a_checkpoint_fails(
    setup: tuple[Path, TileLog, list[ProvenCheckpoint], Path],
) -> None:
    out = _genuine(setup)
    _forge_record(out)
    _edit_manifest(out, checkpoints=[])
    run = run_verifier(out, "--vkey", SIGNER.verifier.vkey())
    assert run.returncode == 1, run.stdout
    assert "FAILED" in run.stdout and "no signed checkpoint" in run.stdout
    assert "VERIFIED" not in run.stdout
    _edit_manifest(out, checkpoints=None)
    assert run_verifier(out, "--vkey", SIGNER.verifier.vkey()).returncode == 1


def test_a_bundle_signed_with_its_own_key_fails(
    setup: tuple[Path, TileLog, list[ProvenCheckpoint], Path],
) -> None:
    """The forger builds a whole log around the false record and signs it with a new key."""
    tmp = setup[0]
    forger = NoteSigner(SIGNER.name, b"\x66" * 32)
    forged = canonical_json({"type": "testimony", "note": "FICTIONAL forged statement"})
    log = TileLog(tmp / "forged-log")
    log.append([entry(0, commitment=commit(SALT, forged))])
    note = sign_checkpoint(Checkpoint(forger.name, log.size, log.root()), forger)
    out = tmp / "forged"
    write_bundle(
        out,
        log=log,
        log_key=forger.verifier,
        index=0,
        data=forged,
        salt=SALT,
        checkpoints=[ProvenCheckpoint(note)],
    )
    no_key = run_verifier(out)
    assert no_key.returncode == 2 and "--vkey" in no_key.stdout
    assert "VERIFIED" not in no_key.stdout
    own_key = run_verifier(out, "--vkey-file", str(out / "log.vkey"))
    assert own_key.returncode == 2 and "inside the bundle" in own_key.stdout
    dotted = run_verifier(out, "--vkey-file", str(out / ".." / out.name / "log.vkey"))
    assert dotted.returncode == 2 and "inside the bundle" in dotted.stdout
    (tmp / "link").symlink_to(out)
    linked = run_verifier(out, "--vkey-file", str(tmp / "link" / "log.vkey"))
    assert linked.returncode == 2 and "inside the bundle" in linked.stdout
    real_key = run_verifier(out, "--vkey", SIGNER.verifier.vkey())
    assert real_key.returncode == 1 and "not signed by this log key" in real_key.stdout


def _proof_for(log: TileLog, index: int, size: int, note: bytes) -> bytes:
    return format_proof(InclusionProof(index, tuple(log.inclusion_proof(index, size)), note))


def _set_index(out: Path, index: object) -> None:
    _edit_manifest(out, index=index)
    for proof in out.glob("*.tlog-proof"):
        proof.write_bytes(proof.read_bytes().replace(b"index 300\n", f"index {index}\n".encode()))


def _proof_for_another_size(out: Path, log: TileLog) -> None:
    """A genuine proof for size 352, presented with the checkpoint of size 402."""
    note = (out / "checkpoint-402").read_bytes()
    (out / "proof-402.tlog-proof").write_bytes(_proof_for(log, 300, 352, note))


def _another_sizes_proof_file(out: Path, log: TileLog) -> None:
    (out / "proof-402.tlog-proof").write_bytes((out / "proof-352.tlog-proof").read_bytes())


def _manifest_size_not_the_checkpoints(out: Path, log: TileLog) -> None:
    listed = json.loads((out / "manifest.json").read_text())["checkpoints"]
    _edit_manifest(out, checkpoints=[{**item, "size": 999} for item in listed])


def _entry_of_another_index(out: Path, log: TileLog) -> None:
    """Entry 299 is genuine, and its data and salt are known; but it is not entry 300."""
    (out / "entry.json").write_bytes(log.read_entry(299))
    (out / "record.json").write_bytes(b"{}")
    (out / "salt.hex").write_text((299).to_bytes(32, "big").hex())


def _signed_by_another_key(out: Path, log: TileLog) -> None:
    forger = NoteSigner(SIGNER.name, b"\x66" * 32)
    for size in (352, 402):
        note = sign_checkpoint(parse_checkpoint((out / f"checkpoint-{size}").read_bytes()), forger)
        (out / f"checkpoint-{size}").write_bytes(note)
        (out / f"proof-{size}.tlog-proof").write_bytes(_proof_for(log, 300, size, note))


FORGERIES: dict[str, Callable[[Path, TileLog], object]] = {
    "proof for another size": _proof_for_another_size,
    "proof file of another size": _another_sizes_proof_file,
    "manifest size not the checkpoint's": _manifest_size_not_the_checkpoints,
    "another index in the manifest": lambda out, log: _edit_manifest(out, index=301),
    "another index in manifest and proofs": lambda out, log: _set_index(out, 301),
    "negative index": lambda out, log: _set_index(out, -1),
    "index given as true": lambda out, log: _edit_manifest(out, index=True),
    "the entry of another index": _entry_of_another_index,
    "a forged record, salt and commitment": lambda out, log: _forge_record(out),
    "checkpoints signed by another key": _signed_by_another_key,
    "record bundle without its salt": lambda out, log: _edit_manifest(out, salt=None),
    "kind neither record nor file": lambda out, log: _edit_manifest(out, kind="other"),
    "a proof file missing": lambda out, log: (out / "proof-352.tlog-proof").unlink(),
    "checkpoints not a list": lambda out, log: _edit_manifest(out, checkpoints={"a": 1}),
}


@pytest.mark.parametrize("forgery", FORGERIES)
def test_every_forged_bundle_fails(
    setup: tuple[Path, TileLog, list[ProvenCheckpoint], Path], forgery: str
) -> None:
    out = _genuine(setup)
    assert run_verifier(out, "--vkey", SIGNER.verifier.vkey()).returncode == 0
    FORGERIES[forgery](out, setup[1])
    run = run_verifier(out, "--vkey", SIGNER.verifier.vkey())
    assert run.returncode == 1, run.stdout
    assert "VERIFIED" not in run.stdout and "FAILED" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_timestamps_are_checked_only_against_roots_from_outside(
    setup: tuple[Path, TileLog, list[ProvenCheckpoint], Path],
) -> None:
    out = _genuine(setup)
    run = run_verifier(out, "--vkey", SIGNER.verifier.vkey())
    assert run.returncode == 0 and "existed at" not in run.stdout
    assert "checkpoint-352.tsr: not checked (give --tsa-ca" in run.stdout
    own_roots = run_verifier(
        out, "--vkey", SIGNER.verifier.vkey(), "--tsa-ca", str(out / "tsa-roots.pem")
    )
    assert own_roots.returncode == 2 and "inside the bundle" in own_roots.stdout


def _verifier_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_bundle", VERIFIER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_verdict_without_every_positive_check() -> None:
    tool = _verifier_module()
    with pytest.raises(tool.Failed, match="no inclusion proof"):
        tool.Checks().verdict()
    checks = tool.Checks()
    checks.require("commitment")
    checks.require("signature checkpoint-1")
    checks.require("inclusion proof-1.tlog-proof")
    checks.ok("commitment", "record.json")
    checks.ok("signature checkpoint-1", "checkpoint-1")
    with pytest.raises(tool.Failed, match="did not pass: inclusion proof-1"):
        checks.verdict()
    checks.ok("inclusion proof-1.tlog-proof", "proof-1.tlog-proof")
    checks.verdict()
    with pytest.raises(tool.Failed, match="never required"):
        checks.ok("something else", "x")
