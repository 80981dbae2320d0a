"""`bearwitness link ARCHIVE`, `link review` and `link histories` through the real command,
in child processes with their own HOME and TMPDIR and a real key agent; and the privacy
canary: after a whole linkage session (link runs, review decisions; an estimate stratified
by place) no canary name or place, in any form linkage builds (original, transliterated,
folded, keys), is in any file under the archive, HOME, TMPDIR or the agent's runtime
directory. (Workbench jobs live in memory only, and reports do not exist yet.)"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from bearwitness.linkage.normalise import fold, given_key, place_key, surname_key, transliterate
from bearwitness.linkage.synthetic import generate
from tests.cli.runner import Cli
from tests.linkage.links_on_disk import clear_links

PASS = "linkage canary passphrase"
ROLES = [
    "full_name",
    "surname",
    "given_name",
    "patronymic",
    "sex",
    "birth",
    "age",
    "residence",
    "event_type",
    "event_date",
    "event_place",
]
CANARY_SURNAME = "Канареечников"
CANARY_GIVEN = "Зяблик"
CANARY_PLACE = "Канарейкино"  # a FICTIONAL village


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    runner = Cli(tmp_path / "session")
    yield runner
    for archive in tmp_path.rglob("bearwitness.toml"):
        runner("lock", archive.parent, ok=False)  # never leave an agent behind


def _canary_forms() -> list[bytes]:
    forms = {
        CANARY_SURNAME,
        CANARY_GIVEN,
        transliterate(CANARY_SURNAME, "bgn_pcgn"),
        transliterate(CANARY_SURNAME, "wikipedia"),
        fold(CANARY_SURNAME),
        surname_key(CANARY_SURNAME),
        given_key(CANARY_GIVEN),
        CANARY_PLACE,
        transliterate(CANARY_PLACE, "bgn_pcgn"),
        transliterate(CANARY_PLACE, "wikipedia"),
        fold(CANARY_PLACE),
        place_key(CANARY_PLACE),
    }
    out = []
    for form in forms:
        for variant in (form.lower(), form.upper(), form):
            out += [variant.encode("utf-8"), variant.encode("utf-16-le")]
    return out


def _write_person_records(path: Path, people: int = 60, *, two_places: bool = False) -> None:
    data = generate(people, seed=4)
    lines = []
    for number, row in enumerate(data.records.itertuples(index=False), start=1):
        values = {role: str(getattr(row, role) or "") for role in ROLES}
        if two_places:  # half the people in the canary village: every list records some
            place = CANARY_PLACE if data.truth[f"{row.list}:{row.record_id}"] % 2 else "Аргун"
            values["event_place"] = (
                place if row.list == "memorial_ru" else transliterate(place, "wikipedia")
            )
        lines.append(
            {
                "type": "person_record",
                "id": f"R-{number:04d}",
                "fictional": True,
                "list_name": row.list,
                "list_record_id": row.record_id,
                **values,
            }
        )
    number = len(lines)
    lines.append(
        {
            "type": "person_record",
            "id": f"R-{number + 1:04d}",
            "fictional": True,
            "list_name": "memorial_ru",
            "list_record_id": "CANARY-1",
            "full_name": f"{CANARY_SURNAME.upper()} {CANARY_GIVEN.upper()}",
            "birth": "1990",
            "event_date": "декабрь 2018",
            "event_place": "Аргун",
        }
    )
    lines.append(
        {
            "type": "person_record",
            "id": f"R-{number + 2:04d}",
            "fictional": True,
            "list_name": "network_en",
            "list_record_id": "CANARY-2",
            "full_name": transliterate(f"{CANARY_GIVEN} {CANARY_SURNAME}", "wikipedia"),
            "age": "28",
            "event_date": "December 2018",
            "event_place": "Argun",
        }
    )
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), "utf-8")


def _is_file(path: Path) -> bool:
    try:
        return path.is_file() and not path.is_symlink()
    except OSError:
        return False


def _walk(root: Path) -> Iterator[Path]:
    """Every file under ``root``, skipping what other processes remove meanwhile."""
    for folder, _, names in os.walk(root, onerror=lambda _: None):
        for name in names:
            yield Path(folder) / name


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # gone meanwhile
        return 0.0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # gone, or another user's
        return b""


def _person(cli: Cli, archive: Path, record_id: str) -> str:
    shown = cli("show", "person_record", archive, record_id, "--reveal").stdout  # sealed
    found = re.findall(r"P-\d+", shown)
    assert found, shown
    return str(found[0])


def test_link_archive_session_end_to_end_leaves_no_canary(cli: Cli, tmp_path: Path) -> None:
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"  # the user's own files
    inputs.mkdir()
    outputs.mkdir()
    _write_person_records(inputs / "records.jsonl")
    started = time.time() - 1
    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin=f"{PASS}\n")
    cli("import", archive, inputs / "records.jsonl")

    locked = cli("link", archive, ok=False)
    assert locked.returncode == 5 and "locked" in locked.stderr.lower()

    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    done = cli("link", archive, "--histories-out", outputs / "h.csv", "--strata", "period")
    assert "LR-0001" in done.stderr
    histories = pd.read_csv(outputs / "h.csv")
    assert {"memorial_ru", "network_en", "period", "count"} <= set(histories.columns)

    queue = cli("link", "review", archive, "list", "--top", "5").stdout
    assert "R-" in queue
    first = [word for word in queue.split() if word.startswith("R-")][:2]
    shown = cli("link", "review", archive, "show", *first).stdout
    assert "list_name" in shown
    # Interactive: accept the first pair with a reason, undo it, quit.
    session = cli(
        "link", "review", archive, stdin="a\nsame birth date and village\nu\nchanged my mind\nq\n"
    )
    assert "pair(s) to review" in session.stdout and "list_name" in session.stdout
    log = cli("link", "review", archive, "log").stdout
    assert "same birth date and village" in log and "changed my mind" in log and "undo" in log
    cli("link", "review", archive, "reject", *first, "--reason", "different fathers")
    refused = cli("link", "review", archive, "accept", *first, ok=False)
    assert refused.returncode == 2 and "reason" in refused.stderr
    log = cli("link", "review", archive, "log").stdout
    assert "different fathers" in log and "reject" in log and "P-" not in log
    # The canary records are one person: split them apart by hand.
    assert _person(cli, archive, "R-0061") == _person(cli, archive, "R-0062")
    cli("link", "review", archive, "split", "R-0062", "--reason", "two brothers")

    again = cli("link", "archive", archive)
    assert "LR-0002" in again.stderr
    assert _person(cli, archive, "R-0061") != _person(cli, archive, "R-0062")
    cli(
        "link",
        "histories",
        archive,
        "--out",
        outputs / "h2.csv",
        "--lists",
        "memorial_ru,network_en",
        "--records-out",
        outputs / "r.csv",
        "--pairs-out",
        outputs / "p.csv",
        "--strata",
        "period",
    )
    records = pd.read_csv(outputs / "r.csv")
    assert list(records.columns) == ["record_id", "list", "period"]
    assert list(pd.read_csv(outputs / "p.csv").columns) == ["left_id", "right_id", "probability"]
    cli("lock", archive)
    assert _leaks(cli, archive, inputs, outputs, started) == []
    # Nor does any clear row tell which records are one person (R-0061 and R-0062 were).
    assert clear_links(archive / "archive.db") == []
    refused = cli("link", "review", archive, "list", ok=False)
    assert refused.returncode == 5 and "one person is sealed" in refused.stderr


def _leaks(cli: Cli, archive: Path, inputs: Path, outputs: Path, started: float) -> list[str]:
    """Files under the archive, HOME, the agent's runtime dir, ``outputs`` and new files
    in /tmp that hold a canary in any form."""
    scanned = [archive, cli.home, cli.run_dir, outputs]
    files = [p for root in scanned for p in root.rglob("*") if p.is_file()]
    # A library that ignores TMPDIR would write to /tmp itself.
    files += [
        p
        for p in _walk(Path("/tmp"))
        # resolved: /tmp/pytest-of-*/pytest-current is a link to this very run
        if _is_file(p)
        and inputs.resolve() not in p.resolve().parents
        and _modified(p) >= started
        # another test session running beside this one has its own user's files
        and not (p.parent.name == "inputs" and p.parts[2].startswith("pytest-of-"))
    ]
    assert any(p.name == "archive.db" for p in files)
    forms = _canary_forms()
    assert any(form in (inputs / "records.jsonl").read_bytes() for form in forms)  # it can see
    return sorted({str(p) for p in files if any(form in _read(p) for form in forms)})


def test_an_estimate_by_place_keeps_no_place_on_disk(cli: Cli, tmp_path: Path) -> None:
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    inputs.mkdir()
    outputs.mkdir()
    _write_person_records(inputs / "records.jsonl", two_places=True)
    started = time.time() - 1
    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin=f"{PASS}\n")
    cli("import", archive, inputs / "records.jsonl")
    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    cli("link", archive)
    village = place_key(CANARY_PLACE)
    done = cli("estimate", "--archive", archive, "--strata", "place", "--method", "loglinear")
    assert "Kept as ES-0001" in done.stdout and f"[{village}]" in done.stdout
    assert village in cli("estimates", archive, "--show", "ES-0001").stdout  # unlocked
    cli("log", "checkpoint", archive)
    assert "Everything verifies" in cli("verify", archive).stdout
    cli("lock", archive)
    assert _leaks(cli, archive, inputs, outputs, started) == []
    assert "(strata sealed)" in cli("estimates", archive).stdout
    shown = cli("estimates", archive, "--show", "ES-0001")
    assert "sealed" in shown.stderr and village not in shown.stdout
    assert "Everything verifies" in cli("verify", archive).stdout  # locked, too
