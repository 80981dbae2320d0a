"""A report's PDF: its HTML laid out by WeasyPrint, fonts embedded (DejaVu covers Cyrillic).

WeasyPrint needs Pango and fontconfig from the system (``make system-packages``
installs them, with the DejaVu fonts). It is imported here only, when a PDF is made:
it takes seconds to load. The HTML loads nothing from outside, and no URL fetcher
is allowed to: a report is laid out from its own text alone.
"""

from __future__ import annotations

import io
from typing import Any

from bearwitness.errors import InputError, Phrase


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise InputError(Phrase("a report may not load anything from outside (%(url)s)", url=url[:40]))


def pdf(document: str) -> bytes:
    """The PDF of a report's HTML (the same bytes for the same HTML and fonts)."""
    from weasyprint import HTML

    data: bytes = HTML(string=document, url_fetcher=_no_fetching).write_pdf()
    return data


def text(data: bytes) -> str:
    """The text a reader (or a search engine) gets out of a PDF, page by page (pypdf)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
