"""The redaction check: no sealed value of the archive may leave in a report.

While unlocked, every sealed value of every version of every record is held in
memory (:class:`SealedValue`, gathered by ``services/reporting.py`` as it reads the
archive) and looked for in every output (:func:`redaction_hits`). A hit names the
output, the record and the field, never the value.
"""

from __future__ import annotations

import dataclasses
import html as html_text
import re
import unicodedata
from collections.abc import Iterable, Set
from dataclasses import dataclass

from bearwitness.domain.records import RECORD_TYPES
from bearwitness.domain.vocabulary import ALL as ALL_VOCABULARIES

MIN_SCANNED = 5  # characters: a shorter sealed value cannot be told from ordinary text
SEALED = {kind: cls.sealed_fields() for kind, cls in RECORD_TYPES.items()}
_TAG = re.compile(r"<[^>]*>")
_GRAM = 4


@dataclass(frozen=True)
class SealedValue:
    """One sealed value, and whose it is (kept in memory only)."""

    kind: str
    record_id: str
    field: str
    value: str


# Clear text a sealed value may equal without naming anyone: a list's sealed place that is
# also an event's district. Coded fields add their vocabulary once; ids and references are
# left out (no sealed value is an id).
CLEAR_TEXT = {
    kind: tuple(
        f.name
        for f in dataclasses.fields(cls)
        if not f.metadata.get("sealed")
        and f.metadata.get("vocabulary") is None
        and f.metadata.get("refers") is None
        and f.type in ("str", str)
        and f.name != "id"
    )
    for kind, cls in RECORD_TYPES.items()
}
CODED = frozenset(
    " ".join(text.casefold().split())
    for vocabulary in ALL_VOCABULARIES
    for term in vocabulary.terms
    for text in (term.code, term.en, term.ru)
)
MIN_SCANNED = 5  # characters: a shorter sealed value cannot be told from ordinary text
_TAG = re.compile(r"<[^>]*>")


def normal(text: str) -> str:
    if not text.isascii():  # NFKC leaves ASCII as it is
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.casefold().split())


def redaction_hits(
    outputs: dict[str, str],
    values: Iterable[SealedValue],
    clear: Set[str] = frozenset(),
) -> list[str]:
    """Where a sealed value appears in an output: "report.html: person P-0001 full_name".

    Matching ignores case, Unicode form and runs of white space; an HTML output is also
    read as its text (entities decoded, tags removed). Each value is looked for whole
    and line by line; values shorter than :data:`MIN_SCANNED` characters are skipped,
    and so are values the archive also holds in the clear (``clear``: a list's sealed
    place that is also an event's district names no one). Never the value itself.
    """
    texts: dict[str, str] = {}
    for name, text in outputs.items():
        readings = [text]
        if name.endswith(".html"):
            readings.append(html_text.unescape(_TAG.sub(" ", text)))
        texts[name] = "\n".join(normal(reading) for reading in readings)
    grams = {
        name: {text[i : i + _GRAM] for i in range(len(text) - _GRAM + 1)}
        for name, text in texts.items()
    }
    where: dict[str, list[SealedValue]] = {}  # each distinct piece, once, and whose it is
    for value in values:
        for piece in {normal(value.value), *(normal(line) for line in value.value.splitlines())}:
            if len(piece) >= MIN_SCANNED and piece not in clear:
                where.setdefault(piece, []).append(value)
    hits: list[str] = []
    for name, text in texts.items():
        seen = grams[name]
        for piece, owners in where.items():
            if piece[:_GRAM] in seen and piece[-_GRAM:] in seen and piece in text:
                hits += [f"{name}: {v.kind} {v.record_id} {v.field}" for v in owners]
    return sorted(set(hits))
