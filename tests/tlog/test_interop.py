"""A standard client reads our log: the Go checksum-database libraries verify it.

golang.org/x/mod/sumdb/{note,tlog} (Debian: golang-golang-x-mod-dev) is the
reference implementation the C2SP specs grew from. tests/tlog/interop/tlogcheck.go
maps its tiles to C2SP paths (no height element) and checks the checkpoint
signature, every tile it reads, every entry's inclusion and consistency with
older checkpoints. Skipped where no Go toolchain is installed
(`apt-get install golang-go golang-golang-x-mod-dev`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bearwitness.tlog.checkpoint import Checkpoint, sign_checkpoint
from bearwitness.tlog.note import NoteSigner
from bearwitness.tlog.tiles import TileLog

GOPATH = "/usr/share/gocode"
SOURCE = Path(__file__).parent / "interop" / "tlogcheck.go"
SIGNER = NoteSigner("archive.example.org/log", b"\x05" * 32)

pytestmark = pytest.mark.skipif(
    shutil.which("go") is None or not Path(GOPATH, "src/golang.org/x/mod/sumdb/tlog").is_dir(),
    reason="needs Go and golang.org/x/mod (apt-get install golang-go golang-golang-x-mod-dev)",
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
