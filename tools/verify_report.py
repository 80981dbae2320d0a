#!/usr/bin/env python3
"""Check a BearWitness report folder without BearWitness and without the archive.

Needs Python 3.9+ and the `cryptography` package (pip install cryptography).

Usage:
    python3 verify_report.py REPORT_DIR --vkey 'origin+1234abcd+AQ...'
    python3 verify_report.py REPORT_DIR --vkey-file archive.vkey

The log key must come from somewhere other than the report folder (its own
log.vkey is never used, and a key file inside it is refused): the archive's
operator (`bearwitness log status`), or a checkpoint and key they published
(`bearwitness log export-checkpoint`).

Exit status 0 (VERIFIED) only when every check passed; 1 (FAILED, naming what
failed, and the figure when one differs) otherwise; 2 when no usable key was given.

What it checks:
  1. manifest.json.sig is a C2SP signed note by the log key whose text names
     the SHA-256 of manifest.json (so the manifest is the one the archive signed);
  2. the manifest's checkpoint is a signed note by the same key; its size and
     root hash are the manifest's (the archive state the figures come from);
  3. every file the manifest lists has the SHA-256 it gives;
  4. every figure's values have the SHA-256 the manifest gives (RFC 8785
     canonical JSON: the values hold only text, whole numbers, null, lists and
     objects with ASCII keys, for which sorted compact JSON is that form), and each
     table's CSV says exactly what its figure's values say.

It cannot recompute the figures from the records: that needs the archive
(`bearwitness report verify ARCHIVE REPORT_DIR`).
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "bearwitness-report/1"


class Failed(Exception):
    pass


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_vkey(vkey: str) -> tuple[str, bytes, bytes]:
    """name, 4-byte key id, 32-byte Ed25519 public key (signed-note type 0x01)."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise Failed("the log key is not <name>+<hex id>+<base64 key>")
    name, hex_id, b64 = parts
    raw = base64.b64decode(b64, validate=True)
    if len(raw) != 33 or raw[0] != 0x01:
        raise Failed("the log key is not an Ed25519 signed-note key")
    if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() != hex_id:
        raise Failed("the log key's id does not match its name and key")
    return name, bytes.fromhex(hex_id), raw[1:]


def note_text(note: bytes, key: tuple[str, bytes, bytes], what: str) -> str:
    """The text of a signed note, once the log key's signature on it is checked."""
    name, key_id, public = key
    cut = note.rfind(b"\n\n")
    if cut < 0 or not note.endswith(b"\n"):
        raise Failed(f"{what} is not a signed note")
    text, lines = note[: cut + 1], note[cut + 2 :].decode("utf-8").split("\n")[:-1]
    signed = False
    for line in lines:
        if not line.startswith("\u2014 "):
            raise Failed(f"{what}: a signature line does not start with an em dash")
        sig_name, b64 = line[2:].split(" ")
        raw = base64.b64decode(b64, validate=True)
        if sig_name != name or raw[:4] != key_id:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], text)
        except InvalidSignature:
            raise Failed(f"{what}: the log's signature is invalid") from None
        signed = True
    if not signed:
        raise Failed(f"{what} is not signed by this log key")
    return text.decode("utf-8")


def canonical(value: Any) -> bytes:
    def plain(item: Any) -> None:
        if isinstance(item, float):
            raise Failed("a figure holds a fraction: check it with BearWitness")
        if isinstance(item, dict):
            for key, inner in item.items():
                if not key.isascii():
                    raise Failed("a figure has a non-ASCII key: check it with BearWitness")
                plain(inner)
        elif isinstance(item, list):
            for inner in item:
                plain(inner)

    plain(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def csv_cells(text: str) -> dict[tuple[str, str], int | None]:
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    two_way = header[-1] == "total"
    columns = [*header[1:-1], "*"] if two_way else ["n"]
    cells: dict[tuple[str, str], int | None] = {}
    for line in body:
        row = "*" if line[0] == "total" else line[0]
        if len(line) != len(columns) + 1:
            raise Failed("a CSV row has the wrong number of cells")
        for column, value in zip(columns, line[1:]):  # noqa: B905 (Python 3.9 has no strict)
            cells[(row, column)] = None if value == "x" else int(value)
    return cells


def check(folder: Path, vkey: str) -> list[str]:
    key = parse_vkey(vkey)
    data = (folder / "manifest.json").read_bytes()
    manifest = json.loads(data)
    if manifest.get("format") != FORMAT:
        raise Failed(f"manifest.json is not a {FORMAT} manifest")
    done = []
    signed = note_text((folder / "manifest.json.sig").read_bytes(), key, "manifest.json.sig")
    expected = f"{FORMAT}\n{manifest['origin']}\n{manifest['report']}\nsha256:{sha256(data)}\n"
    if signed != expected:
        raise Failed("manifest.json is not the manifest the log key signed (changed)")
    done.append(f"ok      manifest signed by {key[0]}")
    lines = note_text(manifest["checkpoint"]["note"].encode(), key, "the checkpoint").split("\n")
    root = base64.b64decode(lines[2], validate=True).hex()
    if (
        lines[0] != key[0]
        or int(lines[1]) != manifest["checkpoint"]["size"]
        or (root != manifest["checkpoint"]["root_hash"])
    ):
        raise Failed("the manifest's checkpoint is not the one it names")
    done.append(f"ok      checkpoint: log size {lines[1]}, root {root}")
    if not manifest["files"] or not manifest["figures"]:
        raise Failed("the manifest lists no file or no figure: nothing to check")
    bad: list[str] = []
    for name, digest in sorted(manifest["files"].items()):
        path = folder / name
        if "/" in name or not path.is_file() or sha256(path.read_bytes()) != digest:
            bad.append(f"file {name}")
    for figure in manifest["figures"]:
        if sha256(canonical(figure["values"])) != figure["values_sha256"]:
            bad.append(f"figure {figure['id']} (its values)")
            continue
        path = folder / f"{figure['id']}.csv"
        if figure["kind"] == "table" and path.is_file():
            given = {(r, c): value for r, c, value in figure["values"]["cells"]}
            if csv_cells(path.read_text("utf-8")) != given:
                bad.append(f"figure {figure['id']} ({path.name})")
    if bad:
        raise Failed("these differ from the signed manifest: " + ", ".join(bad))
    done.append(f"ok      {len(manifest['files'])} files and {len(manifest['figures'])} figures")
    return done


def inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a BearWitness report folder.")
    parser.add_argument("report", type=Path)
    parser.add_argument("--vkey", help="the log's verifier key, from outside the folder")
    parser.add_argument("--vkey-file", type=Path, help="a file holding it, outside the folder")
    args = parser.parse_args(argv)
    try:
        if (args.vkey is None) == (args.vkey_file is None):
            raise Failed("give the log's key with either --vkey or --vkey-file")
        if args.vkey_file is not None and inside(args.vkey_file, args.report):
            raise Failed(f"{args.vkey_file} is inside the report folder: get the key elsewhere")
        vkey = args.vkey if args.vkey is not None else args.vkey_file.read_text("utf-8")
    except (Failed, OSError) as exc:
        print(f"FAILED  {exc}")
        return 2
    try:
        done = check(args.report, vkey)
    except Exception as exc:  # fail closed
        reason = str(exc) if isinstance(exc, (Failed, OSError)) else f"{type(exc).__name__}: {exc}"
        print(f"FAILED  {reason}")
        return 1
    for line in done:
        print(line)
    print("VERIFIED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
