"""The reports' English and Russian text: a gettext catalogue kept as a Babel ``.po`` file.

The same mechanism as the web interface (``web/i18n.py``): English is the source
language, and ``locale/ru/LC_MESSAGES/reports.po`` is read and compiled in memory
on first use. The reports have their own catalogue because the core library may
not import the web package; labels of coded values come from the domain's
vocabularies, which carry both languages.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bearwitness.domain import vocabulary as v

LANGUAGES = ("en", "ru")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "reports"
VOCABULARIES = {
    "act_type": v.ACT_TYPES,
    "sex": v.SEXES,
    "intervention": v.INTERVENTION_KINDS,
    "intervention_status": v.INTERVENTION_STATUSES,
}


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    if language not in LANGUAGES or language == "en":
        return gettext.NullTranslations()
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translator(language: str) -> Callable[[str], str]:
    return translations(language).gettext


def label(dimension: str, code: str, language: str) -> str:
    """How a category is named in a report: a vocabulary's label, or the code itself
    (districts, periods, age bands), ``unknown`` translated."""
    vocabulary = VOCABULARIES.get(dimension)
    if vocabulary is not None and code in vocabulary:
        return vocabulary[code].label(language)
    if code == "unknown":
        return translator(language)(N_("unknown"))
    return code


def number(value: int | float, language: str) -> str:
    """A whole number with thousands grouped: 1,234 (en) or 1 234 (ru)."""
    text = f"{round(value):,}"
    return text.replace(",", "\u00a0") if language == "ru" else text


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message
