"""`bearwitness link review ARCHIVE <command>` through the real command: each command does
its one step, and bad input (an unknown record, a missing or blank reason, a missing id)
leaves with a message and an exit code, no traceback, and no decision kept.

One archive is linked once for the module; a test that decides works on its own copy."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bearwitness.linkage.synthetic import generate
from tests.cli.runner import Cli

PASS = "review commands passphrase"
ROLES = ["full_name", "sex", "birth", "age", "residence", "event_type", "event_date"]
# FICTIONAL people. The twins are one record twice, in two lists: always one cluster, to
# split. The strangers share nothing: always two clusters, to merge.
TWIN = {"full_name": "Ёлкина Мирослава", "birth": "1971-03-09", "event_place": "Верхнеборск"}
STRANGERS = [
    {"full_name": "Qwertova Ulla", "birth": "1931", "event_place": "Nizhnezaborsk"},
    {"full_name": "Ptichkin Zakhar", "birth": "1999", "event_place": "Ozerotundra"},
]


def _records(path: Path) -> dict[str, str]:
    """Person records for the archive; returns the ids of the special ones by role."""
    lines = [
        {
            "type": "person_record",
            "list_name": row.list,
            "list_record_id": row.record_id,
            **{role: str(getattr(row, role) or "") for role in ROLES},
        }
        for row in generate(40, seed=7).records.itertuples(index=False)
    ]
    lines += [
        {"type": "person_record", "list_name": "memorial_ru", "list_record_id": "T-1", **TWIN},
        {"type": "person_record", "list_name": "network_en", "list_record_id": "T-2", **TWIN},
        *(
            {"type": "person_record", "list_name": "memorial_ru", "list_record_id": f"S-{n}", **p}
            for n, p in enumerate(STRANGERS, start=1)
        ),
    ]
    for number, line in enumerate(lines, start=1):
        line.update(id=f"R-{number:04d}", fictional=True)
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), "utf-8")
    ids = [str(line["id"]) for line in lines[-4:]]
    return {"twin": ids[0], "twin2": ids[1], "stranger": ids[2], "stranger2": ids[3]}


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    root = tmp_path_factory.mktemp("review")
    runner = Cli(root / "session")
    yield runner
    for archive in root.rglob("bearwitness.toml"):
        runner("lock", archive.parent, ok=False)  # never leave an agent behind


@pytest.fixture(scope="module")
def linked(cli: Cli) -> tuple[Path, dict[str, str]]:
    """An archive after one `link` run, unlocked; not to be changed (see ``archive``)."""
    folder = cli.home.parent / "linked"
    ids = _records(cli.home.parent / "records.jsonl")
    cli("init", folder, "--passphrase-stdin", stdin=f"{PASS}\n")
    cli("import", folder, cli.home.parent / "records.jsonl")
    cli("unlock", folder, "--stdin", stdin=f"{PASS}\n")
    cli("link", folder)
    return folder, ids


@pytest.fixture
def archive(cli: Cli, linked: tuple[Path, dict[str, str]], tmp_path: Path) -> Path:
    """A copy of the linked archive, of this test's own, unlocked."""
    copy = tmp_path / "archive"
    shutil.copytree(linked[0], copy)
    cli("unlock", copy, "--stdin", stdin=f"{PASS}\n")
    return copy


def _review(
    cli: Cli, folder: Path, *args: str, ok: bool = True
) -> subprocess.CompletedProcess[str]:
    return cli("link", "review", folder, *args, ok=ok)


def _refused(done: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    """A clean refusal: exit ``code``, a message naming ``words``, no traceback."""
    assert done.returncode == code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    for word in words:
        assert word in done.stderr, done.stderr


def _log(cli: Cli, folder: Path) -> list[list[str]]:
    lines = _review(cli, folder, "log").stdout.splitlines()
    assert lines[0].split("\t") == [
        "#",
        "left",
        "right",
        "decision",
        "by",
        "at",
        "origin",
        "reason",
    ]
    return [line.split("\t") for line in lines[1:]]


def _pairs(cli: Cli, folder: Path, top: int = 20) -> list[tuple[str, str]]:
    shown = _review(cli, folder, "list", "--top", str(top)).stdout
    return re.findall(r"(R-\d{4}) +│ +(R-\d{4})", shown)  # a row: left │ right │ p


def test_list_shows_the_queue_and_top_limits_it(
    cli: Cli, linked: tuple[Path, dict[str, str]]
) -> None:
    folder, _ = linked
    pairs = _pairs(cli, folder)
    assert len(pairs) > 1, "the fixture's run should leave uncertain pairs"
    assert _pairs(cli, folder, top=1) == pairs[:1]
    _refused(_review(cli, folder, "list", "--top", "0", ok=False), 2, "--top")


def test_show_puts_two_records_side_by_side(cli: Cli, linked: tuple[Path, dict[str, str]]) -> None:
    folder, ids = linked
    shown = _review(cli, folder, "show", ids["twin"], ids["stranger"]).stdout
    assert "list_name" in shown and "T-1" in shown and "S-1" in shown
    _refused(_review(cli, folder, "show", ids["twin"], "R-9999", ok=False), 4, "R-9999")
    _refused(_review(cli, folder, "show", ids["twin"], ok=False), 2, "right")


def test_accept_keeps_a_decision_and_refuses_bad_input(cli: Cli, archive: Path) -> None:
    left, right = _pairs(cli, archive)[0]
    _refused(_review(cli, archive, "accept", left, right, ok=False), 2, "--reason")
    blank = _review(cli, archive, "accept", left, right, "--reason", "  ", ok=False)
    _refused(blank, 2, "--reason")
    unknown = _review(cli, archive, "accept", left, "R-9999", "--reason", "same", ok=False)
    _refused(unknown, 4, "R-9999")
    assert _log(cli, archive) == []  # nothing kept by a refusal
    done = _review(cli, archive, "accept", left, right, "--reason", "same passport number")
    assert "Decision 1 kept: accept" in done.stderr
    [row] = _log(cli, archive)
    assert row[1:4] == [*sorted([left, right]), "accept"]
    assert row[6:] == ["pair", "same passport number"]
    assert (left, right) not in _pairs(cli, archive)  # decided: off the queue


def test_reject_keeps_a_decision(cli: Cli, archive: Path) -> None:
    left, right = _pairs(cli, archive)[0]
    _refused(_review(cli, archive, "reject", left, "--reason", "x", ok=False), 2, "right")
    _review(cli, archive, "reject", left, right, "--reason", "different fathers")
    [row] = _log(cli, archive)
    assert row[3] == "reject" and row[7] == "different fathers"


def test_undo_needs_a_decision_in_force(cli: Cli, archive: Path) -> None:
    left, right = _pairs(cli, archive)[0]
    nothing = _review(cli, archive, "undo", left, right, "--reason", "oops", ok=False)
    _refused(nothing, 2, "no decision on", "to undo")
    _refused(_review(cli, archive, "undo", left, right, ok=False), 2, "--reason")
    _review(cli, archive, "accept", left, right, "--reason", "same village")
    _review(cli, archive, "undo", left, right, "--reason", "accepted by mistake")
    assert [row[3] for row in _log(cli, archive)] == ["accept", "undo"]
    assert (left, right) in _pairs(cli, archive, top=1000)  # back in the queue


def test_split_takes_records_out_of_their_cluster(
    cli: Cli, archive: Path, linked: tuple[Path, dict[str, str]]
) -> None:
    ids = linked[1]
    _refused(_review(cli, archive, "split", "--reason", "x", ok=False), 2, "records")
    unknown = _review(cli, archive, "split", "R-9999", "--reason", "x", ok=False)
    _refused(unknown, 4, "R-9999")
    alone = _review(cli, archive, "split", ids["stranger"], "--reason", "x", ok=False)
    _refused(alone, 2, "changes nothing")
    assert _log(cli, archive) == []
    done = _review(cli, archive, "split", ids["twin2"], "--reason", "two sisters")
    assert "Split kept as" in done.stderr
    rows = _log(cli, archive)
    assert rows and all(row[3] == "reject" and row[6] == "split" for row in rows)
    assert any(ids["twin"] in row and ids["twin2"] in row for row in rows)


def test_merge_joins_clusters(cli: Cli, archive: Path, linked: tuple[Path, dict[str, str]]) -> None:
    ids = linked[1]
    one = _review(cli, archive, "merge", ids["stranger"], "--reason", "x", ok=False)
    _refused(one, 2, "changes nothing")
    _refused(_review(cli, archive, "merge", ids["stranger"], ids["stranger2"], ok=False), 2)
    _review(cli, archive, "merge", ids["stranger"], ids["stranger2"], "--reason", "by phone")
    rows = _log(cli, archive)
    assert rows and all(row[3] == "accept" and row[6] == "merge" for row in rows)
    assert any(ids["stranger"] in row and ids["stranger2"] in row for row in rows)


def test_log_works_locked_with_reasons_sealed_and_decisions_refused(
    cli: Cli, archive: Path
) -> None:
    left, right = _pairs(cli, archive)[0]
    _review(cli, archive, "reject", left, right, "--reason", "different fathers")
    cli("lock", archive)
    done = _review(cli, archive, "log")
    assert "sealed" in done.stderr and "different fathers" not in done.stdout
    assert [row[3] for row in _log(cli, archive)] == ["reject"]
    # A decision seals its reason: locked, it is refused and nothing is kept.
    locked = _review(cli, archive, "accept", left, right, "--reason", "same", ok=False)
    _refused(locked, 5, "locked")
    assert len(_log(cli, archive)) == 1


def test_without_a_command_the_review_is_interactive(cli: Cli, archive: Path) -> None:
    session = cli("link", "review", archive, stdin="s\nq\n")
    assert "pair(s) to review" in session.stdout and "list_name" in session.stdout
    assert _log(cli, archive) == []  # skipped and quit: nothing decided
    cli("lock", archive)
    _refused(_review(cli, archive, ok=False), 5, "locked")


def test_the_archive_comes_before_the_command(cli: Cli, archive: Path) -> None:
    _refused(cli("link", "review", "list", archive, ok=False), 2, "No such command")
