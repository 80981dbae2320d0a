"""Claims from public reporting: extracting them from a file, taking documents in.

Three use cases, shared by the command line (and, later, the workbench's review queue):

- :func:`extract_file`: a file's candidate claims, with no archive at all;
- :func:`add_documents`: each file into the archive as a Document of kind
  ``public_report`` (outlet, URL, publication date and language sealed with its text,
  the original file attached as evidence), with its candidate claims kept, sealed, on
  the document for review. It goes through :func:`storing.store`, so it works while
  locked: the documents are sealed into the inbox and folded at the next unlock;
- :func:`incident`: one incident across several documents, corroborated by original
  claimant (``claims/corroboration.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import mimetypes
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bearwitness.claims import language as languages
from bearwitness.claims import models
from bearwitness.claims.corroboration import Assertion, Corroboration, corroborate
from bearwitness.claims.extract import Candidate, extract
from bearwitness.claims.text import SourceText, read_source
from bearwitness.domain.dates import PartialDate
from bearwitness.domain.vocabulary import ACT_TYPES
from bearwitness.errors import InputError, Phrase
from bearwitness.services import storing
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry

MAX_FILE_BYTES = 50 * 1024 * 1024
# One process loads each language's model once: a load takes about a second, which every
# article pasted into the workbench (and every file of one `claims add`) would otherwise
# wait for. Neither spaCy nor natasha promises that one pipeline may run in two threads
# at once, so the workbench's requests take turns on it.
_MODEL_TURN = threading.Lock()


@functools.cache
def _model(language: str) -> models.Entities:
    return models.for_language(language)


@dataclass(frozen=True)
class _Shared:
    """The process's model for ``language``, loaded on first use, one caller at a time."""

    language: str

    def __call__(self, sentences: Sequence[str]) -> list[list[models.Entity]]:
        with _MODEL_TURN:
            return _model(self.language)(sentences)


@dataclass(frozen=True)
class Extracted:
    name: str
    source: SourceText
    language: str
    candidates: list[Candidate]
    data: bytes


def published_date(text: str | None) -> dt.date | None:
    """``--published`` as a day (YYYY-MM-DD; YYYY-MM and YYYY are their first day)."""
    if not text:
        return None
    try:
        return PartialDate.parse(text).earliest
    except InputError as error:
        raise InputError(
            f"--published {text!r}: {error.message}", hint="Write it as YYYY-MM-DD."
        ) from None


def read_file(path: Path) -> bytes:
    if not path.is_file():
        raise InputError(f"no file at {path}", hint="Check the path.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(
            f"{path} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB",
            hint="Give the article's text as a .txt file.",
        )
    return path.read_bytes()


def extract_file(
    path: Path,
    *,
    outlet: str | None = None,
    published: str | None = None,
    lang: str | None = None,
    entities: models.Entities | None = None,
) -> Extracted:
    """The candidate claims of the file at ``path``; no archive is needed."""
    data = read_file(path)
    return extract_bytes(
        path.name, data, outlet=outlet, published=published, lang=lang, entities=entities
    )


def extract_bytes(
    name: str,
    data: bytes,
    *,
    outlet: str | None = None,
    published: str | None = None,
    lang: str | None = None,
    entities: models.Entities | None = None,
) -> Extracted:
    day = published_date(published)
    source = read_source(name, data)
    language = languages.choose(lang, source.text)
    found = extract(
        source.text,
        language=language,
        outlet=outlet or None,
        published=day,
        entities=entities if entities is not None else _Shared(language),
    )
    return Extracted(name, source, language, found, data)


def document_entries(
    extracted: Extracted, document_id: str, evidence_id: str, *, url: str | None,
    published: str | None, outlet: str | None,
) -> list[Entry]:  # fmt: skip
    """The rows :func:`storing.store` takes for one document: the document and its file."""
    candidates = "\n".join(
        json.dumps(candidate.to_review(), ensure_ascii=False) for candidate in extracted.candidates
    )
    document = {
        "type": "document",
        "id": document_id,
        "kind": "public_report",
        "title": extracted.source.title or Path(extracted.name).stem,
        "text": extracted.source.text,
        "language": extracted.language,
        "outlet": outlet or "",
        "url": url or "",
        "published": published or "",
        "claim_candidates": candidates,
    }
    evidence = {
        "type": "evidence",
        "id": evidence_id,
        "document_id": document_id,
        "filename": extracted.name,
        "media_type": mimetypes.guess_type(extracted.name)[0] or "application/octet-stream",
        "size": len(extracted.data),
        "description": "the public report as it was collected",
    }
    return [Entry(1, document), Entry(2, evidence, extracted.data)]


@dataclass(frozen=True)
class Added:
    name: str
    document_id: str
    candidates: int
    batch: str | None  # the inbox batch, when locked


def add_documents(
    archive: Archive,
    paths: Sequence[Path],
    *,
    outlet: str | None = None,
    published: str | None = None,
    url: str | None = None,
    lang: str | None = None,
) -> list[Added]:
    """Each file into ``archive`` as a public report with its candidate claims; every file
    is read and extracted before anything is stored, so a bad one stores none."""
    published_date(published)
    extracted = [
        extract_file(path, outlet=outlet, published=published, lang=lang) for path in paths
    ]
    return [
        _store(archive, item, outlet=outlet, published=published, url=url) for item in extracted
    ]


def add_bytes(
    archive: Archive,
    name: str,
    data: bytes,
    *,
    outlet: str | None = None,
    published: str | None = None,
    url: str | None = None,
    lang: str | None = None,
    title: str | None = None,
) -> Added:
    """One document given as bytes (the workbench's pasted text or uploaded file) into
    ``archive``, the same way as :func:`add_documents`: locked, into the inbox.
    ``title``: the document's title where the file gives none (pasted text)."""
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            Phrase(
                "%(file)s is larger than %(mb)s MB", file=name, mb=MAX_FILE_BYTES // 1024 // 1024
            ),
            hint=Phrase("Give the article's text as a .txt file."),
        )
    if not data.strip():
        raise InputError(
            Phrase("%(file)s is empty", file=name),
            hint=Phrase("Paste the article's text or choose its file."),
        )
    item = extract_bytes(name, data, outlet=outlet, published=published, lang=lang)
    if title:
        item = dataclasses.replace(item, source=dataclasses.replace(item.source, title=title))
    return _store(archive, item, outlet=outlet, published=published, url=url)


def _store(
    archive: Archive, item: Extracted, *, outlet: str | None, published: str | None,
    url: str | None,
) -> Added:  # fmt: skip
    ids = storing.id_factory(archive)
    document_id, evidence_id = ids("document"), ids("evidence")
    entries = document_entries(
        item, document_id, evidence_id, url=url, published=published, outlet=outlet
    )
    result = storing.store(archive, entries, item.name)
    document_id = result.ids.get("document", [document_id])[0]  # numbered as it was written
    return Added(item.name, document_id, len(item.candidates), result.batch)


def candidates_of(claim_candidates: str) -> list[dict[str, object]]:
    """A document's stored candidates back as dictionaries (for review)."""
    return [json.loads(line) for line in claim_candidates.splitlines() if line.strip()]


def incident(
    paths: Sequence[Path],
    *,
    outlets: Sequence[str] = (),
    act: str | None = None,
    lang: str | None = None,
) -> Corroboration:
    """One incident across several documents (no archive): who originally claims ``act``
    (default: the act most claimed), who relays whom, who denies it, and the figures.
    ``outlets`` name the files' outlets in order (default: each file's name)."""
    if outlets and len(outlets) != len(paths):
        raise InputError(
            f"{len(outlets)} --outlet for {len(paths)} files",
            hint="Give one --outlet per file, in the files' order, or none.",
        )
    assertions: list[Assertion] = []
    for number, path in enumerate(paths):
        outlet = outlets[number] if outlets else path.stem
        for candidate in extract_file(path, outlet=outlet, lang=lang).candidates:
            assertions.append(
                Assertion(
                    act=candidate.act,
                    stance=candidate.stance,
                    count=candidate.count,
                    claimant=candidate.claimant,
                    outlet=candidate.outlet,
                    via=candidate.via,
                )
            )
    if not assertions:
        raise InputError("no claim was found in these documents", hint="Check the files.")
    if act is None:
        act = Counter(a.act for a in assertions).most_common(1)[0][0]
    ACT_TYPES.check(act)
    return corroborate(assertions, act)
