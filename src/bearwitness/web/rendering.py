"""Server-rendered pages: one Jinja2 environment per interface language."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

from bearwitness.domain import vocabulary
from bearwitness.errors import BearWitnessError, Phrase
from bearwitness.web import labels
from bearwitness.web.i18n import LANGUAGES, translations

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def label(vocab: vocabulary.Vocabulary, code: str | None, language: str) -> str:
    """A vocabulary code's label in ``language``; an unknown code is shown as it is."""
    if code is None or code == "":
        return ""
    return vocab[code].label(language) if code in vocab else code


def commands(text: str) -> Markup:
    """``text`` escaped, each `command` in it shown as code: messages quote commands in
    backticks, as the command line prints them, and a page should not show the backticks."""
    # All of the text escaped, then the one tag added around each command.
    marked = re.sub(r"`([^`\n]+)`", r"<code>\1</code>", str(escape(text)))
    return Markup(marked)  # nosec B704 # escaped above


# Record ids as the archive writes them (E-0007, P-3fa9c2…), and estimate runs (ES-0001).
_RECORD_ID = re.compile(r"\b(ES|[SDFEAPRCI])-(?=[A-Za-z]*[0-9])[0-9A-Za-z]{1,40}\b")
_PAGES = {
    "S": "source",
    "D": "document",
    "F": "evidence",
    "E": "event",
    "A": "act",
    "P": "person",
    "R": "person_record",
    "C": "claim",
    "I": "intervention",
}


def id_links(text: object) -> Markup:
    """``text`` escaped, each record id in it a link to its page ("every id is a link")."""

    def link(match: re.Match[str]) -> str:
        found, prefix = match.group(0), match.group(1)
        href = f"/estimates/{found}" if prefix == "ES" else f"/records/{_PAGES[prefix]}/{found}"
        return f'<a href="{href}">{found}</a>'

    return Markup(_RECORD_ID.sub(link, str(escape("" if text is None else text))))  # nosec B704 # escaped above


def when(value: object, language: str) -> str:
    """An ISO 8601 time as people read it, in ``language``, to the minute:
    ``2 December 2026, 03:06 UTC``. Anything else is shown as it is."""
    import datetime

    text = "" if value is None else str(value)
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC)
    # Babel's CLDR month names, in the genitive where the language has one (2 декабря)
    day = format_date(moment.date(), "d MMMM y", locale="ru" if language == "ru" else "en")
    return f"{day}, {moment:%H:%M} UTC"


def size(value: object, language: str) -> str:
    """A number of bytes as people read it: ``830 bytes``, ``12.4 KB``, ``3.1 MB``."""
    try:
        number = int(str(value))
    except ValueError:
        return "" if value is None else str(value)
    units = ("bytes", "KB", "MB", "GB") if language != "ru" else ("байт", "КБ", "МБ", "ГБ")
    if number < 1024:
        return f"{number} {units[0]}"
    amount, unit = float(number), 0
    while amount >= 1024 and unit < len(units) - 1:
        amount, unit = amount / 1024, unit + 1
    shown = f"{amount:.1f}" if amount < 100 else f"{amount:.0f}"
    return f"{shown.replace('.', ',') if language == 'ru' else shown} {units[unit]}"


@functools.cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["commands"] = commands
    env.filters["ids"] = id_links
    env.filters["when"] = lambda value: when(value, language)
    env.filters["size"] = lambda value: size(value, language)
    env.filters["role"] = lambda code: labels.shown(labels.ROLES, code, language)
    env.filters["action"] = lambda code: labels.shown(labels.ACTIONS, code, language)
    env.filters["method"] = lambda code: labels.shown(labels.METHODS, code, language)
    env.filters["stratum"] = lambda code: labels.shown(labels.STRATA, code, language)
    env.filters["added"] = lambda text: labels.added(text, language)
    env.filters["protection"] = lambda text: labels.protection(text, language)
    env.filters["said"] = lambda error: said_after(language, error)
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        language=language,
        languages=LANGUAGES,
        vocabulary=vocabulary,
        label=lambda vocab, code: label(vocab, code, language),
    )
    return env


def render(template: str, language: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    text = environment(language).get_template(template).render(**context)
    return HTMLResponse(text, status_code=status)


def said_after(language: str, error: BearWitnessError) -> str:
    """``error``'s message and hint in ``language``, after words that introduce it ("The
    import failed:"): the message as it is, a full stop, then what to do."""
    message, hint = error.phrases
    text = gettext(language, message).rstrip(".") + "."
    return f"{text} {gettext(language, hint)}" if hint else text


def gettext(language: str, message: str | Phrase) -> str:
    """``message`` in ``language``; a Phrase with its values filled in (its own translated)."""
    if isinstance(message, Phrase):
        return message.said(translations(language).gettext)
    return translations(language).gettext(message)
