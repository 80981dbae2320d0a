"""A public document's text, and which parts of it are the body.

Plain text is the file decoded as UTF-8, unchanged (so offsets are the file's own).
HTML keeps only the article body, as trafilatura extracts it (no navigation, no
comments, no tables of links); PDF is pypdf's text of each page. For HTML and PDF the
offsets are into that extracted text, which is what the archive keeps as the document.

Within the text, :func:`body_ranges` leaves out what is not reporting: bylines,
timestamps ("27 days ago"), share and subscribe lines, and a reader-comment section
with everything after it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from bearwitness.errors import InputError, MissingExtra, Phrase

FORMATS = ("text", "html", "pdf")


@dataclass(frozen=True)
class SourceText:
    text: str
    format: str  # text, html or pdf
    title: str = ""


def format_of(name: str, data: bytes) -> str:
    """``text``, ``html`` or ``pdf``, from the content first and the file's name second."""
    head = data[:1024].lstrip().lower()
    if data.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "html"
    suffix = Path(name).suffix.lower()
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix == ".pdf":
        return "pdf"
    return "text"


def read_source(name: str, data: bytes) -> SourceText:
    """The text of a file called ``name`` holding ``data``; InputError naming the file when
    it cannot be read."""
    kind = format_of(name, data)
    if kind == "pdf":
        return SourceText(_pdf_text(name, data), "pdf")
    try:
        decoded = data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            Phrase(
                "%(file)s is not UTF-8 text (byte %(byte)s cannot be read)",
                file=name,
                byte=error.start,
            ),
            hint=Phrase("Save it as UTF-8, or give the HTML page or PDF itself."),
        ) from None
    if kind == "html":
        return _html_text(name, decoded)
    return SourceText(decoded, "text")


def _html_text(name: str, html: str) -> SourceText:
    try:
        import trafilatura
    except ImportError as error:
        raise MissingExtra(error.name or "trafilatura", "claims") from None
    text = trafilatura.extract(
        html,
        include_comments=False,
        include_tables=False,
        include_links=False,
        include_images=False,
        favor_precision=True,
        deduplicate=False,
    )
    if not text:
        raise InputError(
            Phrase("%(file)s has no article text that could be found", file=name),
            hint=Phrase("Save the article's text as a .txt file and give that instead."),
        )
    metadata = trafilatura.extract_metadata(html)
    title = (metadata.title or "") if metadata is not None else ""
    return SourceText(text, "html", title)


def _pdf_text(name: str, data: bytes) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as error:
        raise MissingExtra(error.name or "pypdf", "claims") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise InputError(
            Phrase(
                "%(file)s is not a PDF that can be read (%(error)s)",
                file=name,
                error=type(error).__name__,
            ),
            hint=Phrase("Check the file, or save its text as a .txt file."),
        ) from None
    text = "\n\n".join(page.strip() for page in pages)
    if not text.strip():
        raise InputError(
            Phrase("%(file)s has no text layer (a scanned PDF?)", file=name),
            hint=Phrase("Run OCR on it first, or give its text as a .txt file."),
        )
    return text


# --- page furniture ------------------------------------------------------------------

# A line that starts a reader-comment section: everything from it on is comments.
_COMMENTS_HEADER = re.compile(
    r"^\s*(?:\d+\s+)?(?:reader\s+)?(?:comments?|responses|replies|discussion|"
    r"join the (?:discussion|conversation)|leave a (?:comment|reply)|what readers say|"
    r"комментари[йия]\w*|обсуждение|оставьте комментарий|\d+\s+комментари\w*)"
    r"\s*(?:\(\d+\))?\s*:?\s*$",
    re.IGNORECASE,
)
# A comment's header line: a handle then a relative time ("jdoe · 3 hours ago").
_COMMENT_LINE = re.compile(
    r"^\s*\S[^\n]{0,40}?\s*[·•|\-–—]\s*(?:\d+|an?|one)\s+\w+\s+(?:ago|назад)\s*$",
    re.IGNORECASE,
)
_FURNITURE = [
    # relative and bare timestamps: "27 days ago", "Updated 3 hours ago", "2 дня назад"
    re.compile(
        r"^\s*(?:updated|published|posted|обновлено|опубликовано)?[:\s]*"
        r"(?:\d+|an?|one)\s+(?:second|minute|hour|day|week|month|year|секунд|минут|час|"
        r"д(?:ень|ня|ней)|недел|месяц|год|лет)\w*\s+(?:ago|назад)\s*$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^\s*(?:updated|published|posted|обновлено|опубликовано)?[:\s]*"
        r"(?:\w+,?\s+)?\d{1,2}[\s./-](?:\d{1,2}|\w+)[\s./-]\d{2,4}"
        r"(?:[,\s]+\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*\w{2,4})?)?\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?\s*$", re.IGNORECASE),
    # bylines and credits
    re.compile(
        r"^\s*(?:(?i:by)\s+[A-Z][^.!?]{0,80}|(?i:автор|текст|фото|photo|image|credit)"
        r"\s*:.{0,80})$"
    ),
    # buttons, links and prompts
    re.compile(
        r"^\s*(?:share|tweet|reply|like|report|print|email|subscribe|sign up|read more|"
        r"related|advertisement|see also|follow us|поделиться|ответить|читать также|"
        r"подписаться|реклама|читайте также|\d+\s+(?:likes?|replies|shares|лайк\w*|ответ\w*))"
        r"(?:\s*[·|,/]\s*\w+)*\s*$",
        re.IGNORECASE,
    ),
]


def is_furniture(line: str) -> bool:
    """Whether one line of text is page furniture (a byline, a timestamp, a button)."""
    return any(pattern.match(line) for pattern in _FURNITURE)


def body_ranges(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` blocks of ``text`` that are body: runs of lines that are not
    blank and not furniture, up to the start of a reader-comment section (a header line,
    or a comment's "handle · 3 hours ago" line)."""
    ranges: list[tuple[int, int]] = []
    block: tuple[int, int] | None = None
    offset = 0
    for line in text.splitlines(keepends=True):
        start, bare = offset, line.rstrip("\r\n")
        offset += len(line)
        if _COMMENTS_HEADER.match(bare) or _COMMENT_LINE.match(bare):
            break
        if not bare.strip() or is_furniture(bare):
            if block is not None:
                ranges.append(block)
            block = None
            continue
        block = (block[0] if block else start, start + len(bare))
    if block is not None:
        ranges.append(block)
    return ranges
