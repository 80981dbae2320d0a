"""Standard clients read our log: the Go checksum-database libraries and aics-tlog.

golang.org/x/mod/sumdb/{note,tlog} (Debian: golang-golang-x-mod-dev) is the
reference implementation the C2SP specs grew from. tests/tlog/interop/tlogcheck.go
maps its tiles to C2SP paths (no height element) and checks the checkpoint
signature, every tile it reads, every entry's inclusion and consistency with
older checkpoints. `make system-packages` installs them (Debian: `apt-get install
golang-go golang-golang-x-mod-dev`); without them the Go tests skip, and fail when
CI=true.

aics-tlog (PyPI, an independent Python C2SP implementation) is used both ways
when its `aics-tlog` command is on PATH or named by $AICS_TLOG. It declares
Python >= 3.12 but runs on 3.11; install it in a venv of its own, in a folder DIR
outside the repository: `python3 -m venv DIR && DIR/bin/pip install
--ignore-requires-python aics-tlog==0.2.1`, then `AICS_TLOG=DIR/bin/aics-tlog pytest
tests/tlog`. `make test` does not install it, so these tests may skip anywhere.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from bearwitness.tlog.checkpoint import Checkpoint, sign_checkpoint
from bearwitness.tlog.note import NoteSigner
from bearwitness.tlog.tiles import TileLog
from bearwitness.tlog.verify import verify_log

GOPATH = "/usr/share/gocode"
SOURCE = Path(__file__).parent / "interop" / "tlogcheck.go"
SIGNER = NoteSigner("archive.example.org/log", b"\x05" * 32)

AICS_TLOG = os.environ.get("AICS_TLOG") or shutil.which("aics-tlog")
needs_go = pytest.mark.needs(
    shutil.which("go") is not None and Path(GOPATH, "src/golang.org/x/mod/sumdb/tlog").is_dir(),
    reason=f"needs the `go` command and golang.org/x/mod under {GOPATH} (`make system-packages` "
    "or `apt-get install golang-go golang-golang-x-mod-dev` installs them)",
)
# Optional: `make test` does not install aics-tlog, so this one may skip anywhere.
needs_aics = pytest.mark.skipif(
    AICS_TLOG is None,
    reason="optional check against aics-tlog: its command is not on PATH and $AICS_TLOG is unset "
    "(install it as the docstring of tests/tlog/test_interop.py says)",
)


@pytest.fixture(scope="module")
def tlogcheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("go")
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": GOPATH, "GOCACHE": str(out / "cache")}
    subprocess.run(
        ["go", "build", "-o", str(out / "tlogcheck"), str(SOURCE)],
        check=True,
        env=env,
        capture_output=True,
        timeout=300,
    )
    return out / "tlogcheck"


@needs_go
def test_go_sumdb_client_verifies_our_directory(tlogcheck: Path, tmp_path: Path) -> None:
    olds = []
    with TileLog(tmp_path / "log") as log:
        for start in range(0, 70_500, 1_500):
            log.append([b"FICTIONAL entry %d" % i for i in range(start, start + 1_500)])
            if log.size in (1_500, 66_000, 70_500):
                note = sign_checkpoint(Checkpoint(SIGNER.name, log.size, log.root()), SIGNER)
                log.publish_checkpoint(note)
                if log.size < 70_500:
                    (tmp_path / f"old-{log.size}").write_bytes(note)
                    olds.append(str(tmp_path / f"old-{log.size}"))
    run = subprocess.run(
        [str(tlogcheck), str(tmp_path / "log"), SIGNER.verifier.vkey(), *olds],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.stdout.strip() == "ok size=70500 entries=70500 older=2", run.stdout + run.stderr


@needs_go
def test_go_client_rejects_a_changed_tile(tlogcheck: Path, tmp_path: Path) -> None:
    with TileLog(tmp_path / "log") as log:
        log.append([b"FICTIONAL entry %d" % i for i in range(1_000)])
        log.publish_checkpoint(
            sign_checkpoint(Checkpoint(SIGNER.name, log.size, log.root()), SIGNER)
        )
    tile = tmp_path / "log" / "tile/0/001"
    data = bytearray(tile.read_bytes())
    data[100] ^= 1
    tile.write_bytes(bytes(data))
    run = subprocess.run(
        [str(tlogcheck), str(tmp_path / "log"), SIGNER.verifier.vkey()],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1 and run.stdout.startswith("FAIL")


def _our_log(directory: Path, n: int) -> tuple[Path, Path]:
    """A log of n entries with a checkpoint at 1,500 saved aside; returns (vkey file, old)."""
    old = directory.parent / "old-checkpoint"
    with TileLog(directory) as log:
        for start in range(0, n, 1_500):
            log.append([b"FICTIONAL entry %d" % i for i in range(start, min(n, start + 1_500))])
            note = sign_checkpoint(Checkpoint(SIGNER.name, log.size, log.root()), SIGNER)
            if log.size == 1_500 or log.size == n:
                log.publish_checkpoint(note)
            if log.size == 1_500:
                old.write_bytes(note)
    vkey = directory.parent / "log.vkey"
    vkey.write_text(SIGNER.verifier.vkey() + "\n")
    return vkey, old


def _aics(*args: str) -> dict[str, object]:
    assert AICS_TLOG is not None
    run = subprocess.run([AICS_TLOG, *args], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    result: dict[str, object] = json.loads(run.stdout)
    return result


@needs_aics
def test_aics_tlog_verifies_our_directory(tmp_path: Path) -> None:
    vkey, old = _our_log(tmp_path / "log", 70_500)
    leaf = tmp_path / "leaf"
    leaf.write_bytes(b"FICTIONAL entry 12345")
    common = ["--tiles", str(tmp_path / "log"), "--vkey-file", str(vkey)]
    assert _aics("verify-checkpoint", *common)["tiles_ok"] is True
    assert _aics("verify-inclusion", *common, "--leaf", str(leaf), "--index", "12345")["ok"]
    assert _aics("verify-consistency", *common, "--old-checkpoint", str(old))["ok"]
    # Served as it is by a plain static file server, the directory reads the same.
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "log")
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        served = _aics(
            "verify-inclusion",
            "--tiles",
            url,
            "--vkey-file",
            str(vkey),
            "--leaf",
            str(leaf),
            "--index",
            "12345",
        )
        assert served["ok"] is True
    finally:
        server.shutdown()
        server.server_close()


@needs_aics
def test_our_verifier_reads_a_directory_aics_tlog_wrote(tmp_path: Path) -> None:
    n = 70_500
    leaves = tmp_path / "leaves"
    leaves.write_text("".join(f"FICTIONAL entry {i}\n" for i in range(n)))
    theirs = tmp_path / "theirs"
    built = _aics("build-tiles", "--leaves", str(leaves), "--out", str(theirs))
    root = base64.b64decode(str(built["root"]))
    note = sign_checkpoint(Checkpoint(SIGNER.name, n, root), SIGNER)
    seen: list[bytes] = []
    verify_log(theirs, SIGNER.verifier, checkpoint=note, on_entry=lambda i, e: seen.append(e))
    assert seen[12345] == b"FICTIONAL entry 12345" and len(seen) == n
    _our_log(tmp_path / "ours" / "log", n)
    paths = [
        "tile/0/274",
        "tile/1/000",
        "tile/1/001.p/19",
        "tile/2/000.p/1",
        "tile/entries/275.p/100",
    ]
    for path in paths:
        assert (theirs / path).read_bytes() == (tmp_path / "ours" / "log" / path).read_bytes()


@needs_go
def test_go_client_verifies_an_archives_log(tlogcheck: Path, tmp_path: Path) -> None:
    """The log folder of a real archive, as `bearwitness log checkpoint` leaves it."""
    from bearwitness.crypto.kdf import KdfParams
    from bearwitness.intake.importers import ImportRow
    from bearwitness.services import checkpoints, writing
    from bearwitness.services.archive import Archive

    archive, _ = Archive.create(
        tmp_path / "archive",
        passphrase="FICTIONAL passphrase",
        kdf_params=KdfParams.insecure_for_tests(),
    )
    with archive:
        rows = [
            ImportRow(n, {"type": "person", "role": "victim", "full_name": f"FICTIONAL {n}"})
            for n in range(1, 301)
        ]
        writing.write_records(archive, writing.resolve_rows(archive, rows, "test"))
        old = checkpoints.sign_new_checkpoint(archive)
        writing.write_records(archive, writing.resolve_rows(archive, rows, "test"))
        checkpoints.sign_new_checkpoint(archive)
        vkey = checkpoints.log_verifier(archive).vkey()
    run = subprocess.run(
        [str(tlogcheck), str(tmp_path / "archive" / "log"), vkey, str(old.path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.stdout.strip() == "ok size=600 entries=600 older=1", run.stdout + run.stderr
