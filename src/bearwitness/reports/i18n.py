"""The reports' English and Russian text: a gettext catalogue kept as a Babel ``.po`` file.

Loaded by ``bearwitness.catalogues``, as the web interface's is. The reports have
their own catalogue because the core library may not import the web package; labels
of coded values come from the domain's vocabularies, which carry both languages.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from pathlib import Path

from bearwitness import catalogues
from bearwitness.catalogues import LANGUAGES, N_
from bearwitness.domain import vocabulary as v

__all__ = ["LANGUAGES", "N_", "label", "number", "translations", "translator"]

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "reports"
VOCABULARIES = {
    "act_type": v.ACT_TYPES,
    "sex": v.SEXES,
    "intervention": v.INTERVENTION_KINDS,
    "intervention_status": v.INTERVENTION_STATUSES,
    "stance": v.STANCES,
}


def translations(language: str) -> gettext.NullTranslations:
    return catalogues.translations(LOCALE_DIR, DOMAIN, language)


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
