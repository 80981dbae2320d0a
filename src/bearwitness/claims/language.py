"""Which of the two languages the extractor reads a text is in: English or Russian."""

from __future__ import annotations

from bearwitness.errors import InputError

LANGUAGES = ("en", "ru")


def detect(text: str) -> str:
    """``ru`` when Cyrillic letters outnumber Latin ones in ``text``, else ``en``."""
    cyrillic = latin = 0
    for char in text[:20000]:
        if "а" <= char.lower() <= "я" or char in "ёЁ":
            cyrillic += 1
        elif "a" <= char.lower() <= "z":
            latin += 1
    return "ru" if cyrillic > latin else "en"


def choose(requested: str | None, text: str) -> str:
    """The language to read ``text`` in: ``requested`` (en, ru) or, for auto or None, detected."""
    if requested in (None, "", "auto"):
        return detect(text)
    if requested not in LANGUAGES:
        raise InputError(
            f"--lang {requested!r} is not a language the extractor reads",
            hint="Use en, ru or auto.",
        )
    return requested
