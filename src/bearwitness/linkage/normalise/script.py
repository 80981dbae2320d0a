"""Cyrillic-to-Latin transliteration by the published systems, and the folded
key that makes every system's spelling of a name compare equal.

``transliterate`` writes a Cyrillic text as one system would (used to test the
tables against the standards' examples and by the synthetic generator).
``fold`` maps Cyrillic or Latin text in any of those systems to one coarse
phonetic key: the key deliberately merges sounds the systems write differently
(х: kh, x, ch, h; ж ш щ ч: zh, sh, shch, ch, j, sch, tsch; й: y, i, j, ĭ), so
that «Хасанов», "Khasanov", "Xasanov" and "Chassanow" share one key.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from bearwitness.errors import InputError
from bearwitness.linkage.normalise.tables import load_table

_VOWELS = set("аеёиоуыэюя")
_IOTATING = _VOWELS | set("йъь")
_SOFT = set("еёийыюя")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def systems() -> list[str]:
    """Names of the transliteration systems in the table."""
    return list(load_table("transliteration")["systems"])


def has_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


def _word(word: str, system: dict[str, dict[str, str]]) -> str:
    lower = word.lower()
    letters = system["letters"]
    sequences = sorted(system.get("sequences", {}).items(), key=lambda kv: -len(kv[0]))
    endings = sorted(system.get("endings", {}).items(), key=lambda kv: -len(kv[0]))
    out: list[str] = []
    i = 0
    while i < len(lower):
        ch = lower[i]
        prev = lower[i - 1] if i else ""
        nxt = lower[i + 1] if i + 1 < len(lower) else ""
        ending = next(
            (e for e in endings if lower.endswith(e[0]) and i == len(lower) - len(e[0])), None
        )
        seq = next((s for s in sequences if lower.startswith(s[0], i)), None)
        if ending is not None:
            piece, step = ending[1], len(ending[0])
        elif seq is not None:
            piece, step = seq[1], len(seq[0])
        elif ch in system.get("iotated", {}) and (not prev or prev in _IOTATING):
            piece, step = system["iotated"][ch], 1
        elif ch in system.get("between_vowels", {}) and prev in _VOWELS and nxt in _VOWELS:
            piece, step = system["between_vowels"][ch], 1
        elif ch in system.get("before_soft", {}) and nxt in _SOFT:
            piece, step = system["before_soft"][ch], 1
        else:
            piece, step = letters.get(ch, ch), 1
        if word[i : i + step].isupper() and piece:
            whole_word_upper = word.isupper() and len(word) > 1
            piece = piece.upper() if whole_word_upper else piece[0].upper() + piece[1:]
        out.append(piece)
        i += step
    return "".join(out)


def transliterate(text: str, system: str) -> str:
    """``text`` with its Cyrillic words written in the Latin script of ``system``."""
    table = load_table("transliteration")["systems"]
    if system not in table:
        raise InputError(
            f"Unknown transliteration system {system!r}.",
            hint=f"Use one of: {', '.join(table)}.",
        )
    return re.sub(r"[\u0400-\u04FF]+", lambda m: _word(m.group(0), table[system]), text)


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_GERMAN = re.compile(r"sch|w|(ow|ew|owa|ewa|itsch)\b")
_GOST = re.compile(r"`|cz|shh")

# Order matters: longer spellings first, and the hushing class S is formed
# before the single letters that take part in it are rewritten.
_GERMAN_STEPS = [
    ("schtsch", "S"),
    ("tsch", "S"),
    ("dsch", "S"),
    ("sch", "S"),
    ("ch", "kh"),
    ("z", "ts"),
    ("w", "v"),
    ("j", "y"),
]
_GOST_STEPS = [
    ("shh", "S"),
    ("cz", "ts"),
    ("ch", "\0"),
    ("c", "ts"),
    ("\0", "ch"),
    ("x", "kh"),
    ("j", "y"),
]
_COMMON_STEPS = [
    ("shch", "S"),
    ("chtch", "S"),
    ("dzh", "S"),
    ("dj", "S"),
    ("tch", "S"),
    ("zh", "S"),
    ("sh", "S"),
    ("ch", "S"),
    ("j", "S"),
    ("kh", "h"),
    ("ts", "c"),
    ("tz", "c"),
    ("ou", "u"),
    ("ph", "f"),
    ("w", "v"),
    ("q", "k"),
    ("z", "s"),
    ("y", "i"),
]


# French and press English write ж as j between vowels (Khadijat) and кс as x
# (Alexandr); nothing in the word says so, so these are only tried as readings.
_FRENCH_STEPS = [("j", "zh"), ("x", "ks")]
_MODES = {"german": _GERMAN_STEPS, "gost": _GOST_STEPS, "french": _FRENCH_STEPS, "plain": []}


def _mode_steps(text: str) -> list[tuple[str, str]]:
    """The system-specific rewrites for a whole name: one German or GOST word
    marks the others, which may carry no marker of their own (Selimchan)."""
    if _GOST.search(text):
        return _GOST_STEPS
    if _GERMAN.search(text):
        return _GERMAN_STEPS
    return []


def _fold_latin(word: str, mode_steps: list[tuple[str, str]]) -> str:
    word = word.replace("`", "")
    for old, new in mode_steps:
        word = word.replace(old, new)
    # x is GOST's х far more often than press English кс in these names; the
    # кс names (Alexander, Maxim) are given names and their families cover them.
    word = word.replace("x", "h")
    # Outside German and GOST (whose steps make j a й above), j is French ж or
    # press English дж: both join the hushing class below.
    word = re.sub(r"gu(?=[eiy])", "g", word)
    for old, new in _COMMON_STEPS:
        word = word.replace(old, new)
    word = re.sub(r"i+", "i", word)
    word = re.sub(r"(?<=[aeiou])i(?=e)|^i(?=e)", "", word)  # ye / ie after a vowel: Dudayev
    word = re.sub(r"ie", "e", word)
    word = re.sub(r"io", "e", word)  # ё: Pyotr, Pjotr, Petr
    return re.sub(r"(.)\1+", r"\1", word)


@cache
def reading_context(context: str) -> str:
    """The shortest context that :func:`fold` reads as it reads ``context``.

    Only the system a context marks (GOST before German, or none) changes a
    fold, so callers that cache folds by context can cache them by this
    instead: a list repeats a surname under thousands of different given names.
    """
    marked = _strip_marks(context).lower()
    if _GOST.search(marked):
        return "`"
    return "w" if _GERMAN.search(marked) else ""


def fold_readings(text: str, context: str = "") -> tuple[str, ...]:
    """The folds of ``text`` read as written in ``context``'s system, in none
    in particular, as German, and as GOST: for names that may mix systems
    ("Ramzan Suleimanow": an English given name beside a German surname)."""
    readings = [fold(text, context)] + [fold(text, mode=mode) for mode in _MODES]
    return tuple(dict.fromkeys(readings))


@cache
def fold(text: str, context: str = "", mode: str = "") -> str:
    """The coarse comparison key of a name or place, in any script or system.

    Empty when the text holds no letters. Words are folded one by one and
    joined with a space. ``context`` is other text written the same way (the
    rest of the person's name): it tells which system wrote a word that shows
    no sign of it on its own ("Jekaterina" beside "Umarowa" is German).
    ``mode`` (german, gost, french, plain) forces a reading instead.
    """
    text = text.strip()
    if has_cyrillic(text):
        text = transliterate(text, "bgn_pcgn")
    words = re.split(r"[\s,;/]+", _strip_marks(text).lower())
    mode_steps = (
        _MODES[mode] if mode else _mode_steps(" ".join(words) + " " + _strip_marks(context).lower())
    )
    keys = []
    for word in words:
        letters = re.sub(r"[^a-z`]", "", word.replace("-", ""))
        if letters.strip("`"):
            keys.append(_fold_latin(letters, mode_steps))
    return " ".join(keys)


@cache
def _plain_letters() -> dict[int, str]:
    """Cyrillic letter to BGN/PCGN Latin, without marks: a table for ``str.translate``."""
    letters = load_table("transliteration")["systems"]["bgn_pcgn"]["letters"]
    return {ord(k): _strip_marks(v) for k, v in letters.items()}


def spelling_key(word: str) -> str:
    """One word's coarse key in any script, fast: :func:`fold`'s Latin rules after a
    letter-by-letter BGN/PCGN transliteration (no context, no system guessed). «Тагиров»,
    "Tagirov" and "Taghirov" share a key. Made for search terms, one per word of a text."""
    latin = _strip_marks(word.lower().translate(_plain_letters()))
    letters = re.sub(r"[^a-z]", "", latin)
    return _fold_latin(letters, []) if letters else ""
