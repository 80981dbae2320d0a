"""The fault-injection suite, bounded for CI (`bench/faults.py` faults every step).

Each scenario (`tests/fault_scenarios.py`: import unlocked and locked, a web entry, the fold
at unlock, `link`, `estimate --archive`, `log checkpoint`, record edits, web and field
submissions, backup and restore) is killed with SIGKILL at a spread of its steps, and has
its disk fill up at some: after each, the archive verifies (no false alarm), every
acknowledged item is there or folds in from the inbox, and the same command run again
works with no manual fix. Then a real full disk (a small tmpfs) and a read-only archive
folder through the real CLI, and PostgreSQL connections killed mid-transaction.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import base
from sqlalchemy.exc import DBAPIError

from bearwitness.crypto.kdf import KdfParams
from bearwitness.errors import ArchiveError, StorageError
from bearwitness.services import checkpoints, storing
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry
from bearwitness.services.verification import verify_archive
from bearwitness.store import rows as store
from tests.conftest import PASSPHRASE
from tests.fault_scenarios import SCENARIOS, Scenario, Tally, run_scenario, summary
from tests.faults import FULL, KILL
from tests.postgres import fresh_database, server_url

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() to kill work")

KILL_POINTS = {"link": 1, "estimate": 1}  # each run links for seconds: the rest in bench/
FULL_DISK = ("import", "import-locked", "fold", "backup", "restore")
REPO = Path(__file__).resolve().parents[2]


def _judge(tally: Tally) -> None:
    print(f"\n{summary([tally])}")
    assert tally.problems == []
    assert (tally.lost, tally.false_alarms) == (0, 0)
    assert tally.injected > 0 and tally.survived == tally.injected


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_killed_at_its_steps(scenario: Scenario, tmp_path: Path, kdf: KdfParams) -> None:
    most = KILL_POINTS.get(scenario.name, 4)
    _judge(run_scenario(scenario, tmp_path, kdf, mode=KILL, most=most))


@pytest.mark.parametrize("name", FULL_DISK)
def test_disk_full_at_its_steps(name: str, tmp_path: Path, kdf: KdfParams) -> None:
    (scenario,) = [s for s in SCENARIOS if s.name == name]
    _judge(run_scenario(scenario, tmp_path, kdf, mode=FULL, most=3))


def test_an_oserror_is_a_clear_message() -> None:
    full = StorageError.of(OSError(28, "No space left on device", "/FICTIONAL/inbox/x.age"))
    assert "No space left on device" in full.message and "/FICTIONAL/inbox" in full.message
    assert "Free space" in full.hint
    assert "read-only" in StorageError.of(OSError(30, "Read-only file system")).hint


# --- a real full disk and a read-only folder: root, in a mount namespace of the test's own ---

_CHILD = textwrap.dedent(
    """
    import json, os, shutil, subprocess, sys
    from pathlib import Path
    from bearwitness.crypto.kdf import KdfParams
    from bearwitness.services import checkpoints
    from bearwitness.services.archive import Archive
    from bearwitness.services.verification import verify_archive

    work, disk, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    passphrase = sys.argv[4]
    cli = [sys.executable, "-m", "bearwitness.cli.main"]
    env = {**os.environ, "HOME": str(work), "TMPDIR": str(work), "XDG_RUNTIME_DIR": str(work)}
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], check=True)
    folder = disk / "archive"
    archive, _ = Archive.create(folder, passphrase=passphrase,
                                kdf_params=KdfParams.insecure_for_tests())
    checkpoints.sign_new_checkpoint(archive)
    archive.close()
    rows = work / "rows.jsonl"
    scan = work / "scan.pdf"
    scan.write_bytes(os.urandom(600_000))
    rows.write_text(json.dumps({"type": "document", "id": "D-0001", "text": "FICTIONAL"})
                    + "\\n" + json.dumps({"type": "evidence", "id": "F-0001",
                                          "document_id": "D-0001", "file": "scan.pdf"}) + "\\n")
    before = sorted(p.name for p in (folder / "inbox").iterdir())
    if mode == "full":
        with open(disk / "filler", "wb") as filler:
            try:
                while True:
                    filler.write(b"\\0" * 65536)
                    filler.flush()
            except OSError:
                pass
        # Room for the database to open and a little more, not for the evidence file.
        os.truncate(disk / "filler", os.path.getsize(disk / "filler") - 200_000)
    else:
        subprocess.run(["mount", "--bind", str(disk), str(disk)], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", str(disk)], check=True)
    refused = subprocess.run(cli + ["import", str(folder), str(rows)], env=env,
                             capture_output=True, text=True, cwd=work)
    after = sorted(p.name for p in (folder / "inbox").iterdir())
    if mode == "full":
        (disk / "filler").unlink()
    else:
        subprocess.run(["umount", str(disk)], check=True)
    again = subprocess.run(cli + ["import", str(folder), str(rows)], env=env,
                           capture_output=True, text=True, cwd=work)
    opened = Archive.open(folder)
    opened.unlock_with_passphrase(passphrase)
    from bearwitness.services import inbox
    folded = inbox.fold(opened)
    checkpoints.sign_new_checkpoint(opened)
    report = verify_archive(opened)
    print(json.dumps({
        "code": refused.returncode, "stderr": refused.stderr, "before": before,
        "after": after, "again": again.returncode, "again_err": again.stderr,
        "folded": folded.records, "problems": report.problems,
        "leftover": report.leftover_files,
    }))
    """
)


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="mounting a small tmpfs needs root (CI runs as root); the simulated full disk "
    "above covers the same steps",
)
@pytest.mark.parametrize("mode", ["full", "read-only"])
def test_a_real_full_or_read_only_disk(tmp_path: Path, mode: str) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(
        ["unshare", "--mount", sys.executable, "-c", _CHILD, tmp_path, disk, mode, PASSPHRASE],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])},
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    # A clear message and the disk's exit code, no traceback; nothing half-written.
    assert "Traceback" not in found["stderr"]
    if mode == "full":
        assert found["code"] == 22, found
        assert "No space left on device" in found["stderr"]
        assert "run the command again" in found["stderr"]
    else:  # SQLite cannot even open its journal there: refused before anything is written
        assert found["code"] in (3, 22), found
        assert "Read-only file system" in found["stderr"] or "cannot reach" in found["stderr"]
    assert found["after"] == found["before"]
    # The same command again, once there is room: it works, and the import is folded whole.
    assert found["again"] == 0, found["again_err"]
    assert found["folded"] == 2 and found["problems"] == [] and found["leftover"] == []


# --- PostgreSQL: the connection killed mid-transaction ----------------------------------------


def _terminate(pid: int) -> None:
    with psycopg.connect(server_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.mark.postgres
def test_postgres_connection_killed_mid_write(tmp_path: Path, kdf: KdfParams) -> None:
    """pg_terminate_backend before each statement of an import's transaction in turn, and
    before its commit: the import is whole or absent, and the next one works."""
    with fresh_database() as url:
        archive, _ = Archive.create(
            tmp_path / "archive", passphrase=PASSPHRASE, database_url=url, kdf_params=kdf
        )
        checkpoints.sign_new_checkpoint(archive)
        scan = tmp_path / "scan.pdf"
        scan.write_bytes(b"%PDF FICTIONAL " * 100)
        target: dict[str, int | None] = {"at": None, "seen": 0}

        def before_statement(conn: object, cursor: object, *_: object) -> None:
            target["seen"] = (target["seen"] or 0) + 1
            if target["seen"] == target["at"]:
                _terminate(cursor.connection.info.backend_pid)  # type: ignore[attr-defined]

        event.listen(archive.engine, "before_cursor_execute", before_statement)
        commit = base.Connection._commit_impl
        killed = 0
        try:
            for at in range(1, 80):
                rows = [
                    Entry(1, {"type": "document", "id": f"D-{at:04d}", "text": "FICTIONAL"}),
                    Entry(
                        2,
                        {"type": "evidence", "id": f"F-{at:04d}", "document_id": f"D-{at:04d}"},
                        scan,
                    ),
                ]
                wanted = [("document", f"D-{at:04d}"), ("evidence", f"F-{at:04d}")]
                target.update(at=at, seen=0)
                try:
                    storing.store(archive, rows, "scans.csv", "import")
                except (DBAPIError, ArchiveError):  # the connection was lost: nothing written
                    killed += 1
                target["at"] = None
                with archive.engine.connect() as connection:
                    present = [bool(store.existing_ids(connection, k, [i])) for k, i in wanted]
                assert len(set(present)) == 1, (at, present)  # whole or absent
                if not present[0]:
                    storing.store(archive, rows, "scans.csv", "import")  # the next one works
                if target["seen"] < at:
                    break  # the whole write took fewer statements: every one was killed

            # And killed just before its commit.
            def terminated_commit(self: base.Connection) -> None:
                _terminate(self.connection.dbapi_connection.info.backend_pid)  # type: ignore[union-attr]
                commit(self)

            base.Connection._commit_impl = terminated_commit  # type: ignore[method-assign]
            rows = [Entry(1, {"type": "person", "id": "P-0001", "full_name": "FICTIONAL"})]
            with pytest.raises((DBAPIError, ArchiveError)):
                storing.store(archive, rows, "x", "import")
            base.Connection._commit_impl = commit  # type: ignore[method-assign]
            with archive.engine.connect() as connection:
                assert not store.existing_ids(connection, "person", ["P-0001"])
            storing.store(archive, rows, "x", "import")
        finally:
            base.Connection._commit_impl = commit  # type: ignore[method-assign]
            event.remove(archive.engine, "before_cursor_execute", before_statement)
        assert killed > 5
        checkpoints.sign_new_checkpoint(archive)
        report = verify_archive(archive)
        assert report.problems == [] and report.leftover_files == []
        archive.close()
