#!/usr/bin/env python3
"""Check a BearWitness proof bundle without BearWitness.

Needs Python 3.9+ and the `cryptography` package (pip install cryptography).
Optionally `openssl` on PATH, to check RFC 3161 timestamps.

Usage:
    python3 verify_bundle.py BUNDLE_DIR --vkey 'origin+1234abcd+AQ...'
    python3 verify_bundle.py BUNDLE_DIR --vkey-file log.vkey [--tsa-ca roots.pem]

Exit status 0 only when every check passes; 1 when one fails; 2 on bad usage.

What it checks, using only published standards:
  1. the commitment: SHA-256(b"bearwitness/commitment/v1\\n" + salt + data)
     equals entry.json's "commitment"; for an evidence file, SHA-256(file)
     equals its "file_sha256" (and the salted commitment too, when a salt is given);
     a file attached to a record bundle must have the SHA-256 the record names;
  2. each checkpoint is a C2SP signed note with a valid Ed25519 signature by
     the given log key, whose name is the checkpoint's origin;
  3. each tlog-proof (c2sp.org/tlog-proof) is an RFC 9162 inclusion proof from
     SHA-256(0x00 + entry.json bytes) to that checkpoint's root hash;
  4. each timestamp (.tsr) with `openssl ts -verify`, when openssl and the TSA
     root certificates are available; otherwise it says it did not check them.

Give the log key from a source you trust. Without --vkey the key inside the
bundle is used, which only shows that the bundle is consistent with itself.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

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
    if index >= size:
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
    head, _, checkpoint = data[len(PROOF_HEADER) :].partition(b"\n\n")
    lines = head.decode("ascii").split("\n")
    if lines[0].startswith("extra "):
        lines = lines[1:]
    if not lines[0].startswith("index "):
        raise Failed("the proof file has no index line")
    path = [base64.b64decode(x, validate=True) for x in lines[1:]]
    if any(len(h) != 32 for h in path):
        raise Failed("a proof hash is not 32 bytes")
    return int(lines[0][6:]), path, checkpoint


def check(bundle: Path, vkey: str, tsa_ca: Path | None) -> list[str]:
    """Run every check; returns lines to print, raises Failed on the first failure."""
    report = []
    manifest = json.loads((bundle / "manifest.json").read_text("utf-8"))
    if manifest.get("format") != "bearwitness-proof-bundle/1":
        raise Failed("manifest.json is not a bearwitness-proof-bundle/1")
    named = [manifest["data"], manifest["entry"], manifest.get("salt") or "x",
             manifest.get("attachment") or "x"]
    for item in manifest["checkpoints"]:
        named += [item["checkpoint"], item["proof"], *item.get("timestamps", [])]
    if any(not isinstance(n, str) or "/" in n or "\\" in n or n.startswith(".") for n in named):
        raise Failed("manifest.json names a file outside the bundle folder")
    data = (bundle / manifest["data"]).read_bytes()
    entry_bytes = (bundle / manifest["entry"]).read_bytes()
    entry = json.loads(entry_bytes)
    index = manifest["index"]

    salt = None
    if manifest.get("salt"):
        salt = bytes.fromhex((bundle / manifest["salt"]).read_text().strip())
    if manifest["kind"] == "file":
        if hashlib.sha256(data).hexdigest() != entry.get("file_sha256"):
            raise Failed(f"{manifest['data']}: its SHA-256 is not the file_sha256 in the entry")
        report.append(f"ok  {manifest['data']}: SHA-256 matches the logged file_sha256")
    elif salt is None:
        raise Failed("a record bundle needs its salt")
    if salt is not None:
        if hashlib.sha256(COMMITMENT_PREFIX + salt + data).hexdigest() != entry.get("commitment"):
            raise Failed(f"{manifest['data']}: salt and data do not give the logged commitment")
        report.append(f"ok  {manifest['data']}: salted commitment matches the log entry")
    if manifest.get("attachment"):
        attached = (bundle / manifest["attachment"]).read_bytes()
        if manifest["kind"] != "record" or \
                hashlib.sha256(attached).hexdigest() != json.loads(data).get("sha256"):
            raise Failed(f"{manifest['attachment']}: its SHA-256 is not the one the record names")
        report.append(f"ok  {manifest['attachment']}: SHA-256 matches the record's sha256")

    name, key_id, public = parse_vkey(vkey)
    leaf = sha256(b"\x00" + entry_bytes)
    for item in manifest["checkpoints"]:
        proof_index, path, note = parse_proof((bundle / item["proof"]).read_bytes())
        if proof_index != index:
            raise Failed(f"{item['proof']}: proves index {proof_index}, not {index}")
        if note != (bundle / item["checkpoint"]).read_bytes():
            raise Failed(f"{item['proof']}: its checkpoint differs from {item['checkpoint']}")
        size, root = verify_checkpoint(note, name, key_id, public)
        report.append(f"ok  {item['checkpoint']}: signed by {name}, size {size}")
        verify_inclusion(leaf, index, size, path, root)
        report.append(f"ok  {item['proof']}: entry {index} is included in the log at size {size}")
        for tsr in item.get("timestamps", []):
            report.append(check_timestamp(bundle, item["checkpoint"], tsr, tsa_ca, manifest))
    return report


def check_timestamp(
    bundle: Path, checkpoint: str, tsr: str, tsa_ca: Path | None, manifest: dict[str, object]
) -> str:
    if tsa_ca is None and isinstance(manifest.get("tsa_roots"), str):
        tsa_ca = bundle / str(manifest["tsa_roots"])
    if shutil.which("openssl") is None or tsa_ca is None:
        return f"--  {tsr}: not checked (needs openssl and the TSA's root certificate)"
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a BearWitness proof bundle.")
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--vkey", help="the log's verifier key, from a source you trust")
    parser.add_argument("--vkey-file", type=Path, help="a file holding the verifier key")
    parser.add_argument("--tsa-ca", type=Path, help="PEM root certificates of trusted TSAs")
    args = parser.parse_args(argv)
    vkey = args.vkey or (args.vkey_file.read_text() if args.vkey_file else None)
    if vkey is None:
        vkey = (args.bundle / "log.vkey").read_text()
        print(
            "!!  no --vkey given: using the key inside the bundle, which shows only that "
            "the bundle is consistent with itself"
        )
    try:
        for line in check(args.bundle, vkey, args.tsa_ca):
            print(line)
    except (Failed, OSError, ValueError, KeyError) as exc:
        print(f"FAILED  {exc}")
        return 1
    print("VERIFIED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
