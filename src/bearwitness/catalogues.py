"""Interface text in English and Russian: gettext catalogues kept as Babel ``.po`` files.

One loader for every catalogue the project has (the web's ``messages``, the reports'
``reports``). A ``.po`` file is read and compiled in memory on first use, so a fresh
``pip install -e .`` needs no build step. English is the source language: it has no
catalogue, and a message without a translation is shown as written.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("en", "ru")


@functools.cache
def translations(locale_dir: Path, domain: str, language: str) -> gettext.NullTranslations:
    """The catalogue ``locale_dir/<language>/LC_MESSAGES/<domain>.po``, compiled."""
    if language not in LANGUAGES or language == "en":
        return gettext.NullTranslations()
    po = locale_dir / language / "LC_MESSAGES" / f"{domain}.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message
