"""Imported data cannot drive the terminal: escapes, bidi overrides and rich markup print inert."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from bearwitness.cli.link import _print_evidence
from bearwitness.cli.terminal import inert, safe_text
from tests.cli.runner import Cli

PASS = "a long and careful passphrase"
# Clears the screen, colours, an 8-bit CSI, a carriage return and a bell, a right-to-left
# override, rich markup (one tag unbalanced) and an emoji code. FICTIONAL.
HOSTILE = "\x1b[2J\x1b[31mArgun\x1b[0m \x9b2J\r\x07 \u202eFICTIONAL [bold]loud[/] [/] :warning:"
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


EVERY = (r"\x1b[2J", r"\x9b", r"\x0d\x07", r"\u202e", "[bold]loud[/] [/]", ":warning:")


def _inert(output: str, visible: tuple[str, ...] = EVERY) -> None:
    assert not RAW.search(output), repr(RAW.search(output))
    for escaped in visible:
        assert escaped in output, (escaped, output)


def test_list_show_and_search_print_hostile_fields_inert(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin=f"{PASS}\n")
    cli("unlock", archive, "--stdin", stdin=f"{PASS}\n")
    rows = tmp_path / "events.jsonl"
    rows.write_text(
        json.dumps(
            {
                "type": "event",
                "id": "E-0001",
                "district": HOSTILE,
                "title": "needle",
                "location": HOSTILE,
                "description": HOSTILE,
                "fictional": True,
            }
        )
        + "\n",
        encoding="utf-8",
    )
    cli("import", archive, rows)

    listed = cli("list", "events", archive)
    _inert(listed.stdout + listed.stderr)
    shown = cli("show", "event", archive, "E-0001", "--reveal")
    _inert(shown.stdout + shown.stderr)
    found = cli("search", archive, "needle")  # one line of at most 80 characters
    _inert(found.stdout + found.stderr, (r"\x1b[2J", r"\x9b", r"\u202e", "[bold]"))


def test_an_error_quoting_a_file_name_prints_it_inert(cli: Cli, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    cli("init", archive, "--passphrase-stdin", stdin=f"{PASS}\n")
    empty = tmp_path / "\x1b[2J\u202eFICTIONAL.csv"
    empty.write_text("", encoding="utf-8")
    done = cli("import", archive, empty, ok=False)
    assert done.returncode == 2 and "has no header row" in done.stderr
    assert not RAW.search(done.stderr) and r"\x1b[2J\u202e" in done.stderr


def test_link_review_side_by_side_prints_values_inert(capsys: pytest.CaptureFixture[str]) -> None:
    view = pd.DataFrame(
        {"P-0001": [HOSTILE, "victim"], "P-0002": ["Argun", None]}, index=["district", "role"]
    )
    _print_evidence(view)
    _inert(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain Кириллица и عربي", "plain Кириллица и عربي"),
        ("\x00\x1f\x7f\x80\x9f", r"\x00\x1f\x7f\x80\x9f"),
        ("a\nb\tc\rd", r"a\x0ab\x09c\x0dd"),
        (
            "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
            r"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
        ),
        ("\u200f\u061c", "\u200f\u061c"),  # marks, not overrides: Arabic and Hebrew text uses them
    ],
)
def test_safe_text(raw: str, shown: str) -> None:
    assert safe_text(raw) == shown


def test_safe_text_keeps_newlines_when_asked_and_writes_json_escapes() -> None:
    assert safe_text("a\nb\x1b", newlines=True) == r"a" + "\n" + r"b\x1b"
    text = json.dumps({"d": "\x7f\u202e\x9b"}, ensure_ascii=False)
    assert json.loads(safe_text(text, json=True)) == {"d": "\x7f\u202e\x9b"}
    assert inert("[bold]x[/]") == r"\[bold]x\[/]"
