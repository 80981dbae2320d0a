"""Server-rendered pages: one Jinja2 environment per interface language."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

from bearwitness.domain import vocabulary
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


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)
