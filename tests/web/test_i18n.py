"""The English and Russian catalogues: complete, loadable from the package, used by the pages."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bearwitness.web.i18n import LOCALE_DIR, choose, translations

WEB = Path(__file__).parents[2] / "src" / "bearwitness" / "web"
KEYWORDS = {"_": None, "gettext": (2,), "N_": None, "message": (3,)}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


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
    return found


def test_every_interface_message_has_a_russian_translation() -> None:
    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(io.BytesIO(handle.read()), locale="ru")
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    assert len(extracted()) > 100
    missing = extracted() - translated
    assert not missing, f"untranslated (run pybabel, see babel.cfg): {sorted(missing)[:10]}"


def test_the_catalogue_loads_from_the_installed_package() -> None:
    russian = translations("ru")
    assert russian.gettext("Send information safely") == "Безопасно отправить сведения"
    assert translations("en").gettext("Send information safely") == "Send information safely"


def test_the_language_is_chosen_explicitly_or_from_the_browser() -> None:
    assert choose("ru", "en") == "ru"
    assert choose(None, "de-DE,ru;q=0.8") == "ru"
    assert choose("xx", None) == "en"
