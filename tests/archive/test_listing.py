"""Lists: filters on clear fields with facet counts, sorting, paging, titles only while
unlocked, and a bad filter value refused with a message (never "everything")."""

from __future__ import annotations

from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.domain.dates import PartialDateRange
from bearwitness.domain.records import Act, Document, Event, Person, Record, Source
from bearwitness.errors import InputError
from bearwitness.services.archive import Archive
from bearwitness.services.listing import ListQuery, list_page
from bearwitness.services.writing import write_records
from tests.conftest import PASSPHRASE


@pytest.fixture
def filled(tmp_path: Path, kdf: KdfParams) -> Archive:
    archive, _ = Archive.create(tmp_path / "archive", passphrase=PASSPHRASE, kdf_params=kdf)
    records: list[Record] = [
        Source(
            id="S-0001", fictional=True, kind="organisation", reliability="A", name="Source one"
        ),
        Source(id="S-0002", fictional=True, kind="publication", reliability="C", name="Source two"),
    ]
    for n in range(1, 26):
        records.append(
            Event(
                id=f"E-{n:04d}",
                fictional=True,
                date=PartialDateRange.parse(f"2018-{(n % 12) + 1:02d}"),
                district="North" if n % 3 else "South",
                title=f"Event number {n}",
            )
        )
        records.append(Person(id=f"P-{n:04d}", fictional=True, role="victim", full_name=f"Имя {n}"))
        records.append(
            Act(
                id=f"A-{n:04d}",
                fictional=True,
                event_id=f"E-{n:04d}",
                victim_id=f"P-{n:04d}",
                act_type="arbitrary_detention" if n % 2 else "torture",
            )
        )
        records.append(
            Document(
                id=f"D-{n:04d}",
                fictional=True,
                kind="report",
                source_id="S-0001" if n % 5 else "S-0002",
                title=f"Doc {n}",
            )
        )
    write_records(archive, records)
    return archive


def test_facets_count_what_each_choice_would_show(filled: Archive) -> None:
    page = list_page(filled, ListQuery("event", {"act_type": "arbitrary_detention"}, size=5))
    assert page.total == 13 and len(page.rows) == 5 and (page.first, page.last) == (1, 5)
    assert dict(page.facets["act_type"]) == {"arbitrary_detention": 13, "torture": 12}
    assert sum(dict(page.facets["district"]).values()) == 13
    documents = list_page(filled, ListQuery("document", {"reliability": "C"}))
    assert documents.total == 5 and dict(documents.facets["reliability"]) == {"A": 20, "C": 5}
    acts = list_page(filled, ListQuery("act", {"district": "South"}))
    assert acts.total == 8


def test_sorting_and_paging(filled: Archive) -> None:
    newest = list_page(filled, ListQuery("event", {}, sort="-date", size=10, number=3))
    assert newest.total == 25 and len(newest.rows) == 5 and newest.first == 21
    days = [
        row.fields["date"] for row in list_page(filled, ListQuery("event", {}, sort="date")).rows
    ]
    assert days == sorted(days, key=lambda d: PartialDateRange.parse(d).earliest)
    since = list_page(filled, ListQuery("event", {"since": "2018-11", "until": "2018-12"}))
    assert since.total == 4


def test_titles_only_while_unlocked(filled: Archive, tmp_path: Path) -> None:
    assert list_page(filled, ListQuery("event", {}, size=1)).rows[0].title == "Event number 1"
    locked = Archive.open(filled.folder)
    page = list_page(locked, ListQuery("event", {}, size=1))
    assert page.rows[0].title == "" and not page.titled and page.total == 25


@pytest.mark.parametrize(
    ("filters", "sort", "said"),
    [
        ({"since": "dec 2018"}, "id", "since: 'dec 2018' is not a date"),
        ({"act_type": "nonsense"}, "id", "act type: 'nonsense' is not a known value"),
        ({"colour": "red"}, "id", "has no filter 'colour'"),
        ({}, "title", "cannot be sorted by 'title'"),
    ],
)
def test_a_bad_filter_is_refused(
    filled: Archive, filters: dict[str, str], sort: str, said: str
) -> None:
    with pytest.raises(InputError, match=said.replace("(", r"\(")):
        list_page(filled, ListQuery("event", filters, sort=sort))


def test_saved_searches_are_sealed_and_per_user(filled: Archive) -> None:
    from bearwitness.services import saved_searches

    kept = saved_searches.save(
        filled, "U-aaaa", "Detentions Canaryzq", "list", "event", {"act_type": "torture"}
    )
    saved_searches.save(filled, "U-bbbb", "Other", "search", "", {"q": "паспорт"})
    assert [s.name for s in saved_searches.saved(filled, "U-aaaa")] == ["Detentions Canaryzq"]
    assert kept.path == "/records/event?act_type=torture"
    database = (filled.folder / "archive.db").read_bytes()
    assert b"Canaryzq" not in database and "паспорт".encode() not in database
    with pytest.raises(InputError):
        saved_searches.save(filled, "U-aaaa", "  ", "list", "event", {})
    saved_searches.forget(filled, "U-aaaa", kept.id)
    assert saved_searches.saved(filled, "U-aaaa") == []


def test_counts_are_kept_until_the_archive_changes(filled: Archive) -> None:
    from bearwitness.services.listing import ListCounts

    counts = ListCounts()
    query = ListQuery("event", {"district": "South"}, size=5)
    assert list_page(filled, query, counts).total == 8
    assert list_page(filled, ListQuery("event", {"district": "South"}, number=2, size=5), counts)
    write_records(filled, [Event(id="E-0099", fictional=True, district="South")])
    assert list_page(filled, query, counts).total == 9
    assert list_page(filled, query).total == 9


def test_lists_asked_for_together_are_counted_once(filled: Archive) -> None:
    import threading
    import time

    from bearwitness.services.listing import ListCounts

    counts, made = ListCounts(), []
    query = ListQuery("event", {"district": "South"})

    def count() -> tuple[int, dict[str, list[tuple[str, int]]]]:
        made.append(1)
        time.sleep(0.2)  # long enough for every other request to arrive meanwhile
        return 8, {}

    def ask() -> None:
        with filled.engine.connect() as connection:
            assert counts.get(connection, query, count)[0] == 8

    askers = [threading.Thread(target=ask) for _ in range(8)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert len(made) == 1


def test_a_page_sorted_newest_first_breaks_ties_by_id_the_same_way(filled: Archive) -> None:
    """Ties follow the sort's direction, so that one index reads the page either way."""
    newest = list_page(filled, ListQuery("event", {}, sort="-date", size=50)).rows
    oldest = list_page(filled, ListQuery("event", {}, sort="date", size=50)).rows
    assert [row.id for row in newest] == [row.id for row in reversed(oldest)]
