"""English and Russian interface text: gettext catalogues kept as Babel ``.po`` files.

The catalogue is loaded by ``bearwitness.catalogues``, which the reports share.
"""

from __future__ import annotations

import gettext
from pathlib import Path

from bearwitness import catalogues
from bearwitness.catalogues import LANGUAGES, N_

__all__ = ["LANGUAGES", "N_", "choose", "translations"]

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def translations(language: str) -> gettext.NullTranslations:
    return catalogues.translations(LOCALE_DIR, DOMAIN, language)


def choose(requested: str | None, accept_language: str | None = None) -> str:
    """The interface language: an explicit choice, else the browser's first known one."""
    if requested in LANGUAGES:
        return str(requested)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"
