"""Place keys: alternative and historical names of one place compare equal
(Грозный = Groznyy = Grosny = Джохар, 1997-2000)."""

from __future__ import annotations

import re
from functools import cache

from bearwitness.linkage.normalise.script import fold
from bearwitness.linkage.normalise.tables import load_table

# Words that say what kind of place follows, dropped before lookup.
_KIND = re.compile(
    r"(?<!\w)(г\.|гор\.|город|с\.|село|пос\.|посёлок|поселок|ст\.|станица|р-н|район|"
    r"city of|town of|village of|village|city|town|district|ville de|ville|village de|"
    r"stadt|dorf|bezirk|republic|республика|chechnya|чечня|чеченская|chechen)(?!\w)",
)


@cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for place in load_table("places")["place"]:
        for name in place["names"]:
            index[fold(name).replace(" ", "")] = place["id"]
    return index


def place_key(text: str) -> str:
    """The place's id when any part of the text names a known place, else the
    fold of the text's first part ("с. Ойсхара, Гудермесский р-н" → oiskhara)."""
    lowered = _KIND.sub(" ", text.lower())
    parts = [p for p in re.split(r"[,;()]", lowered) if fold(p)]
    for part in parts:
        key = fold(part).replace(" ", "")
        if key in _index():
            return _index()[key]
        for word in fold(part).split():
            if word in _index():
                return _index()[word]
    return fold(parts[0]).replace(" ", "") if parts else ""
