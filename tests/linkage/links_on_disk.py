"""What a locked SQLite archive tells anyone who opens it with plain sqlite3 about which
person records are one person: every row that names two person records, or a person
record and a person. Used by the tests that link an archive and lock it."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

PERSON_RECORD = re.compile(r"\bR-[0-9]{4,}\b")
PERSON = re.compile(r"\bP-[0-9]{4,}\b")


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):  # a log entry is clear JSON; a sealed value is not UTF-8
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return ""
    return ""


def clear_links(database: Path) -> list[str]:
    """``table: ...`` for every row of ``database`` that ties person records together."""
    found = []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"'):  # names from sqlite
                text = " ".join(_text(value) for value in row)
                records = sorted(set(PERSON_RECORD.findall(text)))
                persons = sorted(set(PERSON.findall(text)))
                if len(records) > 1 or (records and persons):
                    found.append(f"{table}: {', '.join(records + persons)}")
    return found
