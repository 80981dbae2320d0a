#!/usr/bin/env python3
"""Check a BearWitness proof bundle without BearWitness.

Needs Python 3.9+ and the `cryptography` package (pip install cryptography).
Optionally `openssl` on PATH, to check RFC 3161 timestamps.

Usage:
    python3 verify_bundle.py BUNDLE_DIR --vkey 'origin+1234abcd+AQ...'
    python3 verify_bundle.py BUNDLE_DIR --vkey-file archive.vkey [--tsa-ca roots.pem]

The log key must come from somewhere other than the bundle: the archive's
operator (`bearwitness log status` and `bearwitness prove` print it), a
checkpoint and key they published or gave a partner
(`bearwitness log export-checkpoint` writes CHECKPOINT and CHECKPOINT.vkey).
The bundle's own log.vkey is never used, and a key file inside the bundle is
refused: whoever forged a bundle would have written their own key. Likewise a
timestamp is checked only against --tsa-ca, never the bundle's tsa-roots.pem.

Exit status 0 (VERIFIED) only when every check the bundle calls for ran and
passed; 1 (FAILED, with the reason) otherwise; 2 when no usable key was given.

What it checks, using only published standards:
  1. the commitment: SHA-256(b"bearwitness/commitment/v1\\n" + salt + data)
     equals entry.json's "commitment"; for an evidence file, SHA-256(file)
     equals its "file_sha256" (and the salted commitment too, when a salt is given);
     a file attached to a record bundle must have the SHA-256 the record names;
  2. each checkpoint (at least one) is a C2SP signed note with a valid Ed25519
     signature by the given log key, whose name is the checkpoint's origin;
  3. each tlog-proof (c2sp.org/tlog-proof) is an RFC 9162 inclusion proof from
     SHA-256(0x00 + entry.json bytes) at the manifest's index to that
     checkpoint's root hash;
  4. each timestamp (.tsr) with `openssl ts -verify`, when openssl and --tsa-ca
     are given; otherwise it says it did not check them (a timestamp is extra
     evidence of time, not needed for VERIFIED).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

COMMITMENT_PREFIX = b"bearwitness/commitment/v1\n"
PROOF_HEADER = b"c2sp.org/tlog-proof@v1\n"


class Failed(Exception):
    pass


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def parse_vkey(vkey: str) -> tuple[str, bytes, bytes]:
    """name, 4-byte key id, 32-byte Ed25519 public key (signed-note type 0x01)."""
    parts = vkey.strip().split("+", 2)  # base64 may itself contain "+"
    if len(parts) != 3:
        raise Failed("the log key is not <name>+<hex id>+<base64 key>")
    name, hex_id, b64 = parts
    raw = base64.b64decode(b64, validate=True)
    if len(raw) != 33 or raw[0] != 0x01:
        raise Failed("the log key is not an Ed25519 signed-note key")
    key_id = sha256(name.encode() + b"\n" + raw)[:4]
    if key_id.hex() != hex_id:
        raise Failed("the log key's id does not match its name and key")
    return name, key_id, raw[1:]


def verify_checkpoint(note: bytes, name: str, key_id: bytes, public: bytes) -> tuple[int, bytes]:
    """Verify a signed checkpoint note; returns its (size, root hash)."""
    cut = note.rfind(b"\n\n")
    if cut < 0 or not note.endswith(b"\n"):
        raise Failed("not a signed note")
    text, sig_lines = note[: cut + 1], note[cut + 2 :].decode("utf-8").split("\n")[:-1]
    signed = False
    for line in sig_lines:
        if not line.startswith("\u2014 "):
            raise Failed("a signature line does not start with an em dash")
        sig_name, b64 = line[2:].split(" ")
        raw = base64.b64decode(b64, validate=True)
        if sig_name != name or raw[:4] != key_id:
            continue  # another key (e.g. a witness): not ours to judge
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], text)
        except InvalidSignature:
            raise Failed("the log's signature on the checkpoint is invalid") from None
        signed = True
    if not signed:
        raise Failed("the checkpoint is not signed by this log key")
    lines = text.decode("utf-8").split("\n")
    if len(lines) < 4 or lines[0] != name:
        raise Failed("the checkpoint's origin is not the log key's name")
    if not lines[1].isdigit() or (lines[1] != "0" and lines[1].startswith("0")):
        raise Failed("the checkpoint's size line is malformed")
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32:
        raise Failed("the checkpoint's root hash is not 32 bytes")
    return int(lines[1]), root


def verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> None:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        raise Failed("the entry index is beyond the checkpoint's size")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise Failed("the inclusion proof is too long")
        if fn % 2 == 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            if fn % 2 == 0:
                while fn != 0 and fn % 2 == 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = sha256(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise Failed("the inclusion proof does not lead to the checkpoint's root")


def parse_proof(data: bytes) -> tuple[int, list[bytes], bytes]:
    if not data.startswith(PROOF_HEADER):
        raise Failed("the proof file is not c2sp.org/tlog-proof@v1")
    head, sep, checkpoint = data[len(PROOF_HEADER) :].partition(b"\n\n")
    if not sep:
        raise Failed("the proof file has no blank line before its checkpoint")
    lines = head.decode("ascii").split("\n")
    if lines[0].startswith("extra "):
        lines = lines[1:]
    if not re.fullmatch(r"index (0|[1-9][0-9]{0,19})", lines[0]):
        raise Failed("the proof file has no 'index <n>' line")
    path = [base64.b64decode(x, validate=True) for x in lines[1:]]
    if any(len(h) != 32 for h in path):
        raise Failed("a proof hash is not 32 bytes")
    return int(lines[0][6:]), path, checkpoint


class Checks:
    """The positive checks a bundle calls for, and those that passed.

    VERIFIED comes only from :meth:`verdict`, and only when every required check
    passed: a check that was skipped, for whatever reason, can never count as one.
    """

    def __init__(self) -> None:
        self.required: list[str] = []
        self.passed: set[str] = set()
        self.lines: list[str] = []

    def require(self, name: str) -> None:
        self.required.append(name)

    def ok(self, name: str, line: str) -> None:
        if name not in self.required:
            raise Failed(f"internal error: {name} passed but was never required")
        self.passed.add(name)
        self.lines.append(f"ok  {line}")

    def note(self, line: str) -> None:
        self.lines.append(line)

    def verdict(self) -> None:
        if not any(name.startswith("inclusion ") for name in self.required):
            raise Failed("no inclusion proof in a signed checkpoint was checked")
        missing = [name for name in self.required if name not in self.passed]
        if missing:
            raise Failed(f"these checks did not pass: {', '.join(missing)}")


def load_manifest(bundle: Path) -> dict[str, Any]:
    """manifest.json, with every field the checks rely on of the right type."""
    manifest = json.loads((bundle / "manifest.json").read_text("utf-8"))
    if not isinstance(manifest, dict) or manifest.get("format") != "bearwitness-proof-bundle/1":
        raise Failed("manifest.json is not a bearwitness-proof-bundle/1")
    if manifest.get("kind") not in ("record", "file"):
        raise Failed("manifest.json: kind is neither 'record' nor 'file'")
    index = manifest.get("index")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise Failed("manifest.json: index is not a whole number >= 0")
    listed = manifest.get("checkpoints")
    if not isinstance(listed, list) or not listed:
        raise Failed(
            "the bundle holds no signed checkpoint, so nothing shows that its entry is in "
            "the log: ask the archive for a new bundle"
        )
    named = [manifest.get("data"), manifest.get("entry")]
    named += [manifest[k] for k in ("salt", "attachment") if manifest.get(k) is not None]
    for item in listed:
        if not isinstance(item, dict) or not isinstance(item.get("timestamps", []), list):
            raise Failed("manifest.json: a checkpoint item is malformed")
        named += [item.get("checkpoint"), item.get("proof"), *item.get("timestamps", [])]
    if any(
        not isinstance(n, str) or not n or "/" in n or "\\" in n or n.startswith(".") for n in named
    ):
        raise Failed("manifest.json names a file outside the bundle folder")
    return manifest


def check(bundle: Path, vkey: str, tsa_ca: Path | None, checks: Checks) -> None:
    """Run every check into ``checks``; raises Failed unless all of them passed."""
    manifest = load_manifest(bundle)
    kind, index, data_name = manifest["kind"], manifest["index"], manifest["data"]
    if kind == "record" and not manifest.get("salt"):
        raise Failed("a record bundle needs its salt")
    if kind == "file":
        checks.require("file hash")
    if manifest.get("salt"):
        checks.require("commitment")
    if manifest.get("attachment"):
        checks.require("attachment")
    for item in manifest["checkpoints"]:
        checks.require(f"signature {item['checkpoint']}")
        checks.require(f"inclusion {item['proof']}")

    data = (bundle / data_name).read_bytes()
    entry_bytes = (bundle / manifest["entry"]).read_bytes()
    entry = json.loads(entry_bytes)
    if not isinstance(entry, dict):
        raise Failed(f"{manifest['entry']} is not a log entry")
    if kind == "file":
        if hashlib.sha256(data).hexdigest() != entry.get("file_sha256"):
            raise Failed(f"{data_name}: its SHA-256 is not the file_sha256 in the entry")
        checks.ok("file hash", f"{data_name}: SHA-256 matches the logged file_sha256")
    if manifest.get("salt"):
        salt = bytes.fromhex((bundle / manifest["salt"]).read_text().strip())
        if hashlib.sha256(COMMITMENT_PREFIX + salt + data).hexdigest() != entry.get("commitment"):
            raise Failed(f"{data_name}: salt and data do not give the logged commitment")
        checks.ok("commitment", f"{data_name}: salted commitment matches the log entry")
    if manifest.get("attachment"):
        attached = (bundle / manifest["attachment"]).read_bytes()
        named = json.loads(data).get("sha256") if kind == "record" else None
        if hashlib.sha256(attached).hexdigest() != named:
            raise Failed(f"{manifest['attachment']}: its SHA-256 is not the one the record names")
        checks.ok("attachment", f"{manifest['attachment']}: SHA-256 matches the record's sha256")

    name, key_id, public = parse_vkey(vkey)
    leaf = sha256(b"\x00" + entry_bytes)
    for item in manifest["checkpoints"]:
        proof_index, path, note = parse_proof((bundle / item["proof"]).read_bytes())
        if proof_index != index:
            raise Failed(f"{item['proof']}: proves index {proof_index}, not {index}")
        if note != (bundle / item["checkpoint"]).read_bytes():
            raise Failed(f"{item['proof']}: its checkpoint differs from {item['checkpoint']}")
        size, root = verify_checkpoint(note, name, key_id, public)
        if item.get("size", size) != size:
            raise Failed(f"{item['checkpoint']}: manifest.json gives another size than its {size}")
        checks.ok(
            f"signature {item['checkpoint']}",
            f"{item['checkpoint']}: signed by {name}, size {size}",
        )
        verify_inclusion(leaf, index, size, path, root)
        checks.ok(
            f"inclusion {item['proof']}",
            f"{item['proof']}: entry {index} is included in the log at size {size}",
        )
        for tsr in item.get("timestamps", []):
            checks.note(check_timestamp(bundle, item["checkpoint"], tsr, tsa_ca))
    checks.verdict()


def check_timestamp(bundle: Path, checkpoint: str, tsr: str, tsa_ca: Path | None) -> str:
    if tsa_ca is None:
        return (
            f"--  {tsr}: not checked (give --tsa-ca with the TSA's root certificate, "
            "from the TSA itself: the bundle's tsa-roots.pem only says which TSA)"
        )
    if shutil.which("openssl") is None:
        return f"--  {tsr}: not checked (needs openssl on PATH)"
    run = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-data",
            str(bundle / checkpoint),
            "-in",
            str(bundle / tsr),
            "-CAfile",
            str(tsa_ca),
        ],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise Failed(f"{tsr}: the RFC 3161 timestamp does not verify over {checkpoint}")
    text = subprocess.run(
        ["openssl", "ts", "-reply", "-in", str(bundle / tsr), "-text"],
        capture_output=True,
        text=True,
    ).stdout
    when = next(
        (ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("Time stamp:")),
        "?",
    )
    return f"ok  {tsr}: {checkpoint} existed at {when} (RFC 3161, TSA in {tsa_ca.name})"


KEY_SOURCES = (
    "Get the log's key from somewhere other than the bundle: from the archive's operator "
    "(`bearwitness log status` prints it), or the CHECKPOINT.vkey they published or gave a "
    "partner with a checkpoint."
)


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is in ``folder``, as written or once links are followed."""
    pairs = (
        (Path(os.path.abspath(path)), Path(os.path.abspath(folder))),
        (path.resolve(), folder.resolve()),
    )
    return any(p == f or f in p.parents for p, f in pairs)


def read_key(args: argparse.Namespace) -> str:
    """The log key the user gave; raises Failed when there is none from outside the bundle."""
    if (args.vkey is None) == (args.vkey_file is None):
        raise Failed(f"give the log's key with either --vkey or --vkey-file. {KEY_SOURCES}")
    if args.vkey is not None:
        return str(args.vkey)
    if inside(args.vkey_file, args.bundle):
        raise Failed(
            f"{args.vkey_file} is inside the bundle, and a forger would write their "
            f"own key there. {KEY_SOURCES}"
        )
    return str(args.vkey_file.read_text("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a BearWitness proof bundle.")
    parser.add_argument("bundle", type=Path)
    parser.add_argument(
        "--vkey", help="the log's verifier key, from a source other than the bundle"
    )
    parser.add_argument(
        "--vkey-file", type=Path, help="a file holding the verifier key, outside the bundle"
    )
    parser.add_argument(
        "--tsa-ca", type=Path, help="PEM root certificates of trusted TSAs, outside the bundle"
    )
    args = parser.parse_args(argv)
    try:
        vkey = read_key(args)
        if args.tsa_ca is not None and inside(args.tsa_ca, args.bundle):
            raise Failed(
                f"{args.tsa_ca} is inside the bundle: get the TSA's root "
                "certificate from the TSA itself"
            )
    except (Failed, OSError, ValueError) as exc:
        print(f"FAILED  {exc}")
        return 2
    checks = Checks()
    try:
        check(args.bundle, vkey, args.tsa_ca, checks)
    except Exception as exc:  # fail closed: whatever went wrong, it did not verify
        for line in checks.lines:
            print(line)
        reason = str(exc) if isinstance(exc, (Failed, OSError)) else f"{type(exc).__name__}: {exc}"
        print(f"FAILED  {reason}")
        return 1
    for line in checks.lines:
        print(line)
    print("VERIFIED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
