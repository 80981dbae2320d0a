"""What every archive command needs: the archive, opened with the agent's keys if it runs."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from bearwitness.services import keeping
from bearwitness.services.archive import Archive

# No emoji codes: a ":name:" in an archive's data must print as typed.
console = Console(emoji=False)
errors = Console(stderr=True, emoji=False)

ARCHIVE_ARGUMENT = typer.Argument(..., help="The archive folder.", show_default=False)


def open_archive(folder: Path, *, actor: str = "U-local") -> Archive:
    """The archive, unlocked when an agent holds its keys, locked otherwise."""
    return keeping.open_archive(folder, actor=actor)


def read_secret(prompt: str, *, from_stdin: bool, confirm: bool = False) -> str:
    """A passphrase or share: from standard input when asked (scripts), else a hidden prompt."""
    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


def plural(kind: str) -> str:
    """How a record type is named in lists: "person_record" -> "person records"."""
    name = kind.replace("_", " ")
    return "people" if name == "person" else ("evidence" if name == "evidence" else f"{name}s")


def kind_from_word(word: str) -> str:
    """A record type from what a user types: "events", "person", "person-records", "people"."""
    from bearwitness.domain.records import RECORD_TYPES
    from bearwitness.errors import InputError

    key = word.strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {"people": "person", "persons": "person", "evidence": "evidence"}
    key = aliases.get(key, key)
    for candidate in (key, key.removesuffix("s")):
        if candidate in RECORD_TYPES:
            return candidate
    raise InputError(
        f"{word!r} is not a kind of record", hint=f"Use one of: {', '.join(RECORD_TYPES)}."
    )
