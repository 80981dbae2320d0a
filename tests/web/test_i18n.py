"""The English and Russian catalogues: complete, loadable from the package, used by the pages."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.extract import extract, extract_from_dir
from babel.messages.pofile import read_po

from bearwitness.errors import InputError, Phrase
from bearwitness.web.i18n import LOCALE_DIR, choose, translations
from bearwitness.web.workbench.common import said

SOURCE = Path(__file__).parents[2] / "src" / "bearwitness"
WEB = SOURCE / "web"
KEYWORDS = {"_": None, "gettext": (2,), "N_": None, "message": (3,), "Phrase": None}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
# What the pages say from below them: the words of errors (a Phrase), vocabulary names.
PHRASES = {"Phrase": None, "Vocabulary": None}
SAYING = (
    SOURCE / "domain",
    SOURCE / "services",
    SOURCE / "reports",
    SOURCE / "claims",
    SOURCE / "errors.py",
)


def extracted() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        str(WEB),
        METHODS,
        keywords=KEYWORDS,
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        if isinstance(message, str) and message:
            found.add(message)
    return found | phrases()


def phrases() -> set[str]:
    found = set()
    for place in SAYING:
        if place.is_file():
            with place.open("rb") as handle:
                messages = [m[1] for m in extract("python", handle, keywords=PHRASES)]
        else:
            messages = [
                m[2] for m in extract_from_dir(str(place), [("**.py", "python")], keywords=PHRASES)
            ]
        found |= {message for message in messages if isinstance(message, str) and message}
    return found


def test_the_words_of_errors_are_found_for_translation() -> None:
    words = phrases()
    assert "%(value)s is not a date" in words  # domain/dates.py
    assert "act type" in words  # a vocabulary's name
    assert "%(source)s, row %(row)s: %(reason)s" in words  # errors.py


def test_every_interface_message_has_a_russian_translation() -> None:
    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(io.BytesIO(handle.read()), locale="ru")
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    assert len(extracted()) > 100
    missing = extracted() - translated
    assert not missing, f"untranslated (run pybabel, see babel.cfg): {sorted(missing)[:10]}"


def test_every_catalogue_entry_is_still_said_somewhere() -> None:
    """An entry nothing says any more is a translation nobody checks: each is found by
    extraction, or its words are in the code (a label looked up by name, a plural)."""
    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(io.BytesIO(handle.read()), locale="ru")
    code = "\n".join(
        path.read_text(encoding="utf-8")
        for path in SOURCE.rglob("*")
        if path.suffix in (".py", ".html")
    )
    code = re.sub(r"[\"']\s*\n\s*r?f?[\"']", "", code)  # literals a line break splits
    found = extracted()
    unused = [
        message.id
        for message in catalog
        if isinstance(message.id, str)
        and message.id
        and message.id not in found
        and message.id[:40] not in code
    ]
    assert not unused, f"no longer said anywhere (delete them): {unused[:10]}"


def test_a_translation_fills_in_the_values_its_english_names() -> None:
    """A translation that names a value the English does not, or drops a ``%`` sign, would
    make the page that says it fail; one that leaves a value out would hide it."""
    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(io.BytesIO(handle.read()), locale="ru")
    named = re.compile(r"%\((\w+)\)s")
    wrong = [
        message.id
        for message in catalog
        if isinstance(message.id, str)
        and "%(" in message.id
        and sorted(named.findall(message.id)) != sorted(named.findall(str(message.string)))
    ]
    assert not wrong, wrong[:10]


def test_the_catalogue_loads_from_the_installed_package() -> None:
    russian = translations("ru")
    assert russian.gettext("Send information safely") == "Безопасно отправить сведения"
    assert translations("en").gettext("Send information safely") == "Send information safely"


def test_the_language_is_chosen_explicitly_or_from_the_browser() -> None:
    assert choose("ru", "en") == "ru"
    assert choose(None, "de-DE,ru;q=0.8") == "ru"
    assert choose("xx", None) == "en"


def test_a_refusal_is_a_sentence_unless_it_begins_with_a_value() -> None:
    named = InputError(Phrase("%(file)s: it has no features", file="boundaries.geojson"))
    assert said("en", named) == "boundaries.geojson: it has no features."
    filtered = InputError(Phrase("%(what)s: not a date", what=Phrase("act type")))
    assert said("en", filtered) == "Act type: not a date."
    assert said("ru", InputError(Phrase("no section chosen"))) == "Не выбран ни один раздел."
