"""services/claims.py on an HTML page: the article body only, never its comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from bearwitness.claims.models import NoEntities
from bearwitness.errors import InputError
from bearwitness.services import claims

PAGE = Path(__file__).parent / "data" / "fictional_page.html"


def test_html_page_gives_body_claims_only() -> None:
    found = claims.extract_file(
        PAGE, outlet="Gazette", published="2024-03-06", entities=NoEntities()
    )
    assert found.source.format == "html" and found.language == "en"
    rows = [(c.act, c.count and c.count.value, c.stance, c.claimant) for c in found.candidates]
    assert rows == [
        ("arbitrary_detention", 40, "assert", None),
        ("arbitrary_detention", 40, "assert", "FICTIONAL Rights Network"),
        ("death_in_custody", 2, "assert", "Ivan Petrov of the network"),
        ("arbitrary_detention", 0, "deny", "interior ministry"),
    ]
    assert found.candidates[1].when == "2024-03-04"  # "on Monday", from --published
    text = found.source.text
    assert all(text[c.start : c.end] == c.sentence for c in found.candidates)
    assert "300" not in text and "Subscribe" not in text and "storm" not in text


def test_document_rows_keep_provenance_and_candidates() -> None:
    found = claims.extract_file(PAGE, outlet="Gazette", entities=NoEntities())
    document, evidence = claims.document_entries(
        found, "D-0001", "F-0001", url="https://example.org/a", published="2024-03-06",
        outlet="Gazette",
    )  # fmt: skip
    assert document.data["kind"] == "public_report" and document.data["outlet"] == "Gazette"
    assert len(claims.candidates_of(str(document.data["claim_candidates"]))) == 4
    assert evidence.content == PAGE.read_bytes() and evidence.data["document_id"] == "D-0001"


def test_a_bad_date_is_named() -> None:
    with pytest.raises(InputError, match="--published"):
        claims.published_date("last week")
