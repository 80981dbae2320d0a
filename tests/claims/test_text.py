"""Text from files, body without furniture, and sentences with exact offsets."""

from __future__ import annotations

import io

import pytest

from bearwitness.claims import language, sentences, text
from bearwitness.errors import InputError


def test_sentences_keep_exact_offsets_and_non_breaking_spaces() -> None:
    body = (
        "Police detained 40\u00a0people in Minsk on Sunday. Mr. Ivanov of the U.N. said so.\n"
        "“They took them all. Nobody came back,” said I. Kochetkov. Он сказал: «Всё».  "
        "В г. Грозном задержаны люди."
    )
    spans = sentences.split(body)
    found = [body[a:b] for a, b in spans]
    assert found[0] == "Police detained 40\u00a0people in Minsk on Sunday."
    assert found[1] == "Mr. Ivanov of the U.N. said so."
    assert found[2] == "“They took them all."
    assert found[3] == "Nobody came back,” said I. Kochetkov."
    assert found[-1] == "В г. Грозном задержаны люди."
    assert all(body[a:b] == s for (a, b), s in zip(spans, found, strict=True))


def test_headline_lines_are_their_own_sentences() -> None:
    body = "Dozens detained in Grozny\nAround 40 people were detained, activists said."
    assert [body[a:b] for a, b in sentences.split(body)] == [
        "Dozens detained in Grozny",
        "Around 40 people were detained, activists said.",
    ]


def test_furniture_and_comments_are_not_body() -> None:
    page = (
        "Headline here\nBy Jane Doe\n27 days ago\nUpdated 3 hours ago\n12.03.2019, 14:05\n"
        "Share\n\nThe body says 40 were detained.\n\nComments (2)\nann · 2 hours ago\n"
        "500 were killed!\n"
    )
    body = [page[a:b] for a, b in text.body_ranges(page)]
    assert body == ["Headline here", "The body says 40 were detained."]
    russian = "Текст статьи.\n\nКомментарии\nВася: погибли 100 человек\n"
    assert [russian[a:b] for a, b in text.body_ranges(russian)] == ["Текст статьи."]


def test_language_is_detected() -> None:
    assert language.detect("Police detained forty people.") == "en"
    assert language.detect("Полиция задержала сорок человек in Minsk.") == "ru"
    assert language.choose("auto", "Полиция") == "ru"
    with pytest.raises(InputError, match="--lang"):
        language.choose("de", "text")


def test_plain_text_html_and_pdf() -> None:
    assert text.read_source("a.txt", "Задержаны 40 человек.".encode()).text.startswith("Задерж")
    with pytest.raises(InputError, match="not UTF-8"):
        text.read_source("a.txt", b"\xff\xfe\x00bad")
    html = (
        "<html><head><title>T</title></head><body><nav>Home | World | Sport</nav>"
        "<article><h1>Forty detained</h1><p>Police detained 40 protesters in Minsk on "
        "Sunday, the Viasna human rights centre said in a statement on its website.</p>"
        "<p>The protesters had gathered in the centre of the city to demand the release of "
        "political prisoners, according to witnesses who spoke to reporters.</p></article>"
        "<footer>Subscribe to our newsletter. Copyright 2020.</footer></body></html>"
    )
    extracted = text.read_source("page.html", html.encode())
    assert extracted.format == "html" and "Police detained 40 protesters" in extracted.text
    assert "Subscribe" not in extracted.text and "Sport" not in extracted.text
    pdf = text.read_source("report.pdf", _pdf("Police detained 40 protesters in Minsk."))
    assert pdf.format == "pdf" and "detained 40 protesters" in pdf.text
    with pytest.raises(InputError, match="not a PDF"):
        text.read_source("broken.pdf", b"%PDF-1.4 nothing else")


def _pdf(line: str) -> bytes:
    """A one-page PDF with ``line`` as its text layer (written by hand: no PDF writer)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()
