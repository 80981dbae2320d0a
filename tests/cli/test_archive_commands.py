"""The archive's commands, end to end, as a user types them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.runner import Cli

PASS = "a long and careful passphrase"


def _init(cli: Cli, folder: Path) -> None:
    cli("init", folder, "--passphrase-stdin", stdin=f"{PASS}\n")


def test_passphrase_archive_walkthrough(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    _init(cli, archive)
    testimony = tmp_path / "testimony.txt"
    testimony.write_text("FICTIONAL. They took my passport in Argun.", encoding="utf-8")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8FICTIONAL photo bytes")
    cli("add", "source", archive, "--set", "name=FICTIONAL network", "--set", "reliability=B")
    added = cli(
        "add", "document", archive, "--file", testimony, "--source", "S-0001", "--attach", photo
    )
    assert "added at the next unlock" in added.stdout  # locked: sealed into the inbox
    assert "0 batch" not in cli("status", archive).stdout
    # One number of documented people, the workbench's and the estimates' (never linked yet).
    assert re.search(r"documented people +not counted yet", cli("status", archive).stdout)

    assert "keys held" not in cli("status", archive).stdout
    unlocked = cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    assert "Folded 2 inbox batch(es)" in unlocked.stdout
    held = cli("status", archive).stdout  # the agent says how it protects the keys
    assert re.search(
        r"keys held +core dumps off, not dumpable, memory locked: (yes|no) \(", held
    ), held
    assert "passport" in cli("search", archive, "PASSPORT").stdout
    # Taken in locked, the document got a random id (two such batches never clash).
    document = re.findall(r"D-[0-9A-F]{6,}", cli("list", "documents", archive).stdout)[0]
    shown = cli("show", "document", archive, document, "--reveal").stdout
    assert "They took my passport" in shown
    hidden = cli("show", "document", archive, document).stdout
    assert "passport" not in hidden and "sealed" in hidden
    cli("export", archive, "--out", tmp_path / "dump")
    assert (tmp_path / "dump" / "files" / "F-0001").read_bytes() == photo.read_bytes()
    lines = (tmp_path / "dump" / "records.jsonl").read_text().splitlines()
    assert {json.loads(line)["type"] for line in lines} == {"source", "document", "evidence"}

    assert "Locked" in cli("lock", archive).stdout
    refused = cli("show", "document", archive, document, "--reveal", ok=False)
    assert refused.returncode == 5 and "locked" in refused.stderr


def test_two_documents_attached_while_locked_both_fold(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    _init(cli, archive)
    for number in (1, 2):
        photo = tmp_path / f"photo{number}.jpg"
        photo.write_bytes(b"\xff\xd8FICTIONAL photo " + bytes([number]))
        cli("add", "document", archive, "--set", "title=FICTIONAL", "--attach", photo)
    unlocked = cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    assert "Folded 2 inbox batch(es)" in unlocked.stdout and "stays" not in unlocked.stderr
    assert len(re.findall(r"D-[0-9A-F]{6,}", cli("list", "documents", archive).stdout)) == 2


def test_wrong_passphrase_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    _init(cli, archive)
    before = {p: p.read_bytes() for p in archive.rglob("*") if p.is_file()}
    done = cli("unlock", archive, "--stdin", stdin="not the passphrase\n", ok=False)
    assert done.returncode == 6 and "Wrong passphrase" in done.stderr
    assert "locked" in cli("status", archive).stdout
    after = {
        p: p.read_bytes()
        for p in archive.rglob("*")
        if p.is_file()
        if not p.name.endswith(("-wal", "-shm"))
    }
    assert after == {p: b for p, b in before.items() if p in after}


def test_custodians_unlock_and_reshare(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    created = cli("init", archive, "--custodians", "5", "--threshold", "3").stdout
    shares = re.findall(r"bw-share-\S+", created)
    assert len(shares) == 5
    cli("add", "person", archive, "--set", "full_name=FICTIONAL Custodian Test")
    too_few = cli("unlock", archive, "--stdin", stdin="\n".join(shares[:2]) + "\n", ok=False)
    assert too_few.returncode == 6
    cli("unlock", archive, "--stdin", stdin="\n".join(shares[2:]) + "\n")
    assert "Custodian Test" in cli("show", "person", archive, "P-0001", "--reveal").stdout
    new = re.findall(
        r"bw-share-\S+",
        cli("keys", "reshare", archive, "--custodians", "3", "--threshold", "2").stdout,
    )
    assert len(new) == 3
    cli("lock", archive)
    old = cli("unlock", archive, "--stdin", stdin="\n".join(shares[:3]) + "\n", ok=False)
    assert old.returncode == 6
    cli("unlock", archive, "--stdin", stdin="\n".join(new[:2]) + "\n")
    assert "Custodian Test" in cli("show", "person", archive, "P-0001", "--reveal").stdout


def test_bad_import_is_rejected_whole(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    _init(cli, archive)
    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    bad = tmp_path / "list.csv"
    bad.write_text("full_name,role\nFICTIONAL One,victim\nFICTIONAL Two,pilot\n")
    done = cli("import", archive, bad, "--type", "person", ok=False)
    assert done.returncode == 2
    assert "list.csv, row 3" in done.stderr and "pilot" in done.stderr
    assert "No people match" in cli("list", "people", archive).stdout


def test_list_filters_by_act_and_period(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "demo"
    cli("demo", archive)
    listed = cli("list", "events", archive, "--act", "death_in_custody", "--since", "2018-12")
    assert "E-0025" in listed.stdout
    assert "E-0003" not in listed.stdout  # a 2017 event
    bad = cli("list", "events", archive, "--since", "December", ok=False)
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr


@pytest.mark.needs(
    shutil.which("age") is not None,
    reason="the `age` command is not installed (`make system-packages` or "
    "`apt-get install age` installs it)",
)
def test_evidence_opens_with_the_standard_age_tool(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    _init(cli, archive)
    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    scan = tmp_path / "scan.bin"
    scan.write_bytes(bytes(range(256)) * 400)
    cli("add", "evidence", archive, "--file", scan)
    identity = tmp_path / "identity.txt"
    cli("keys", "export-identity", archive, "--out", identity)
    opened = subprocess.run(
        ["age", "-d", "-i", identity, archive / "blobs" / "F-0001.age"],
        capture_output=True,
        check=True,
    )
    assert opened.stdout == scan.read_bytes()


# Issue 16, items 9 to 13: what the adversarial pass fed to `bearwitness import`.
REFUSED_IMPORTS = {
    "superscript.csv": ("type,id,victims\nevent,E-1,²\n", "row 2: field 'victims'"),
    "digits.csv": ("type,id,victims\nevent,E-1," + "5" * 5000 + "\n", "row 2: field 'victims'"),
    "reference.csv": ("type,id,victim_id\nact,A-1,P-0404\n", "row 2: field 'victim_id' refers"),
    "size.csv": ("type,file,size\nevidence,photo.jpg,9007199254740993\n", "row 2: field 'size'"),
    "nul.csv": ("type,id\nperson,P-1\x00\n", "row 2: field 'id' holds a NUL"),
    "dots.csv": ("type,id\nperson,P-../../x\n", "row 2: 'P-../../x' is not a person id"),
    "angle.csv": ("type,id\nperson,P-<b>\n", "row 2: 'P-<b>' is not a person id"),
    "no_file.csv": ("type,filename\nevidence,scan.pdf\n", "row 2: an evidence row needs a file"),
    "passwd.csv": ("type,file\nevidence,/etc/passwd\n", "row 2: evidence file '/etc/passwd'"),
    "escape.csv": ("type,file\nevidence,../outside.jpg\n", "row 2: evidence file '../outside"),
    "deep.jsonl": ('{"type": "person", "notes": ' + "[" * 50_000 + "\n", "row 1: the JSON is"),
    "type.jsonl": ('{"type": ["person"]}\n', "row 1: unknown record type"),
    "surrogate.jsonl": ('{"type": "person", "notes": "\\ud800"}\n', "row 1: field 'notes'"),
}


@pytest.mark.slow  # 27 runs of the command
def test_locked_and_unlocked_imports_refuse_the_same_files(cli: Cli, tmp_path: Path) -> None:
    """Each was acknowledged while locked, or crashed, or was refused only when unlocked."""
    archive = tmp_path / "archive"
    _init(cli, archive)
    folder = tmp_path / "import"
    folder.mkdir()
    (folder / "photo.jpg").write_bytes(b"FICTIONAL photo")
    (tmp_path / "outside.jpg").write_bytes(b"FICTIONAL outside")
    for name, (content, _) in REFUSED_IMPORTS.items():
        (folder / name).write_text(content, encoding="utf-8", errors="surrogatepass")
    said: dict[str, list[str]] = {}
    for state in ("locked", "unlocked"):
        if state == "unlocked":
            cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
        for name, (_, reason) in REFUSED_IMPORTS.items():
            done = cli("import", archive, folder / name, ok=False)
            assert done.returncode == 2, (state, name, done.stdout, done.stderr)
            assert "Traceback" not in done.stderr and f"{name}, {reason}" in done.stderr, (
                state,
                name,
                done.stderr,
            )
            said.setdefault(name, []).append(done.stderr)
    assert all(locked == unlocked for locked, unlocked in said.values())
    assert list((archive / "inbox").glob("*.batch.age")) == []
    assert "No people match" in cli("list", "people", archive).stdout


def test_import_takes_files_from_the_folder_given(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    _init(cli, archive)
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "scan.jpg").write_bytes(b"\xff\xd8FICTIONAL scan")
    rows = tmp_path / "rows.csv"
    rows.write_text("type,file\nevidence,scan.jpg\n")
    missing = cli("import", archive, rows, ok=False)
    assert missing.returncode == 2 and "not found" in missing.stderr
    cli("import", archive, rows, "--files", tmp_path / "media")
    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    assert "scan.jpg" in cli("show", "evidence", archive, "F-0001", "--reveal").stdout
    checked = cli("verify", archive, ok=False)  # (it also says the log has no key yet)
    assert "1 evidence file(s)" in checked.stdout and "blobs" not in checked.stdout


def test_evidence_is_added_only_with_its_file(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    _init(cli, archive)
    done = cli("add", "evidence", archive, "--set", "filename=scan.pdf", ok=False)
    assert done.returncode == 2 and "--file" in done.stderr
