"""Search finds what people mean: word forms, both scripts, ranked, counted, with snippets;
and an older archive's filters are given search terms by a reindex."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from bearwitness.crypto.blind_index import bloom, holds_terms, record_filter_key
from bearwitness.crypto.kdf import KdfParams
from bearwitness.domain.records import Document, Person
from bearwitness.services import finding, reading
from bearwitness.services._sealing import SEARCH_KEY_PURPOSE
from bearwitness.services.archive import Archive
from bearwitness.services.search_index import SearchIndex
from bearwitness.services.search_terms import query_words, text_terms
from bearwitness.services.writing import write_records
from bearwitness.store import rows as store
from bearwitness.store.schema import RECORD_TABLES
from tests.conftest import PASSPHRASE

TEXTS = {
    "D-0001": ("Изъятие паспортов", "У задержанных изъяли паспорта на блокпосту."),
    "D-0002": ("Report", "Officers took the passports of three men at the checkpoint."),
    "D-0003": ("Задержание", "Руслана Тагирова задержали у дома."),
    "D-0004": ("Unrelated", "Nothing here about papers."),
    "D-0005": ("Паспорт", "Паспорт. Паспорт. Паспорт был изъят."),
}


@pytest.fixture
def filled(tmp_path: Path, kdf: KdfParams) -> Archive:
    archive, _ = Archive.create(tmp_path / "archive", passphrase=PASSPHRASE, kdf_params=kdf)
    records: list[Document | Person] = [
        Document(id=i, fictional=True, kind="report", title=t, text=x)
        for i, (t, x) in TEXTS.items()
    ]
    records.append(Person(id="P-0001", fictional=True, full_name="Ruslan Tagirov"))
    records.append(Person(id="P-0002", fictional=True, full_name="Тагиров Руслан"))
    records.append(Person(id="P-0003", fictional=True, full_name="Tagirova Aminat"))
    write_records(archive, records)
    return archive


def _ids(archive: Archive, query: str) -> set[str]:
    return {r.id for r in finding.rank(archive, query)}


def test_word_forms_in_russian_and_english(filled: Archive) -> None:
    assert _ids(filled, "паспорта") == {"D-0001", "D-0002", "D-0005"}
    assert _ids(filled, "passport") == {"D-0001", "D-0002", "D-0005"}
    assert _ids(filled, "задержание") >= {"D-0003"}


def test_names_in_either_script_and_form(filled: Archive) -> None:
    assert _ids(filled, "Tagirov") == {"P-0001", "P-0002", "P-0003", "D-0003"}
    assert _ids(filled, "Тагиров") == {"P-0001", "P-0002", "P-0003", "D-0003"}
    assert _ids(filled, "Tagirov Ruslan") == {"P-0001", "P-0002", "D-0003"}
    # The old function keeps its signature and finds the same.
    assert {h.id for h in reading.search(filled, "Тагиров")} == _ids(filled, "Tagirov")


def test_ranked_paged_counted_with_snippets(filled: Archive) -> None:
    ranked = finding.rank(filled, "паспорт")
    assert ranked[0].id == "D-0005"  # four exact hits, one in the title
    page = finding.page_of(filled, "паспорт", ranked, number=1, size=2)
    assert page.total == 3 and len(page.hits) == 2 and (page.first, page.last) == (1, 2)
    assert page.by_kind == {"document": 3}
    second = finding.page_of(filled, "паспорт", ranked, number=2, size=2)
    assert [h.id for h in second.hits] == [ranked[2].id] and second.first == 3
    hit = next(h for h in page.hits + second.hits if h.id == "D-0001")
    assert hit.title == "Изъятие паспортов"
    marked = [text for text, is_hit in hit.snippet if is_hit]
    assert marked == ["паспортов"] or "паспорта" in marked


def test_index_caches_ranking_until_a_change(filled: Archive) -> None:
    index = SearchIndex()
    first = index.find(filled, "passports", size=1)
    assert first.total == 3 and len(first.hits) == 1
    write_records(filled, [Document(id="D-0009", fictional=True, text="A passport again")])
    assert index.find(filled, "passports", size=1).total == 4
    index.clear()
    assert index.find(filled, "passports", number=4, size=1).total == 4


def test_terms_are_not_words(filled: Archive) -> None:
    terms = text_terms(["Тагировой паспорта"])
    assert terms == {"s:tagirov", "n:tagirov", "s:pasport"}
    assert query_words("Tagirova")[0].terms == ("s:tagirova", "n:tagirov")


def test_reindex_gives_old_filters_terms(filled: Archive) -> None:
    # Filters of bare words, as an older release wrote them.
    search_key = filled.require_secrets().subkey(SEARCH_KEY_PURPOSE)
    table = RECORD_TABLES["document"]
    with filled.engine.begin() as connection:
        for record_id, (title, text) in TEXTS.items():
            key = record_filter_key(search_key, "document", record_id)
            connection.execute(
                update(table)
                .where(table.c.id == record_id)
                .values(search_bloom=bloom([title, text], key))
            )
    assert finding.needs_reindex(filled) == 5
    # Exact words are still found; other forms wait for the reindex.
    assert _ids(filled, "паспорта") == {"D-0001"}
    assert finding.reindex(filled) == 5
    assert finding.needs_reindex(filled) == 0
    assert finding.reindex(filled) == 0  # nothing left: running it again is harmless
    with filled.engine.connect() as connection:
        assert all(holds_terms(f or b"") for _, f in store.search_filters(connection, "document"))
    assert _ids(filled, "паспорта") == {"D-0001", "D-0002", "D-0005"}


def _terms_as_defined(texts: list[str]) -> set[str]:
    """text_terms as first written: every token of every text folded, one by one."""
    import unicodedata

    from bearwitness.crypto.blind_index import words
    from bearwitness.services.search_terms import _TOKEN, word_terms

    capital: set[str] = set()
    for text in texts:
        for token in _TOKEN.findall(unicodedata.normalize("NFKC", text)):
            if token[:1].isupper():
                capital |= words(token)
    every = set().union(*(words(text) for text in texts)) if texts else set()
    return {term for word in every for term in word_terms(word, capital=word in capital)}


_PIECES = [
    "Аргун",
    "Тагирова",
    "ёЁ",
    "\u0301",
    "ﬁ",
    "Ⅻ",
    "x1",
    "ǅ",
    "-",
    "_",
    ".",
    " ",
    "\n",
    "ß",
    "İ",
]


@given(st.lists(st.lists(st.sampled_from(_PIECES)).map("".join) | st.text(), max_size=4))
def test_terms_are_made_once_per_text_as_defined(texts: list[str]) -> None:
    assert text_terms(texts) == _terms_as_defined(texts)
