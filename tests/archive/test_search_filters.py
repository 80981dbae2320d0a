"""A locked archive's search filters do not link its records.

The attack of the security review (issue 16, item 3), run on the stored filters
alone: two FICTIONAL lists that record the same people are imported, then the
database is read with no key at all and each person record's filter is matched
to the nearest filter on the other list. With one key for the whole archive
that found the same person nearly every time; with a key per record it must
do no better than chance.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import numpy as np
from sqlalchemy import text, update

from bearwitness.crypto.blind_index import BITS, bloom, record_filter_key, words
from bearwitness.crypto.kdf import KdfParams
from bearwitness.domain.records import Person, PersonRecord
from bearwitness.linkage.synthetic import ListHabit, generate
from bearwitness.services import reading
from bearwitness.services._sealing import SEARCH_KEY_PURPOSE, open_record
from bearwitness.services.archive import Archive
from bearwitness.services.writing import write_records
from bearwitness.store.rows import query_records
from bearwitness.store.schema import RECORD_TABLES
from tests.conftest import PASSPHRASE

ROLES = (
    "full_name",
    "surname",
    "given_name",
    "patronymic",
    "sex",
    "birth",
    "age",
    "residence",
    "event_type",
    "event_date",
    "event_place",
)
# Two organisations writing in the same script and habits, so their records of one
# person share most words: the easiest case for an attacker.
LISTS = (
    ListHabit("list_a", 0.9, "ru", (), "full", "year", "day"),
    ListHabit("list_b", 0.9, "ru", (), "full", "year", "day"),
)


def _import_two_lists(archive: Archive, people: int = 160) -> dict[str, int]:
    """Person records of two lists of the same people; returns each record's person."""
    data = generate(people, seed=16, lists=LISTS)
    records, truth = [], {}
    for number, row in enumerate(data.records.itertuples(index=False), start=1):
        record_id = f"R-{number:04d}"
        records.append(
            PersonRecord(
                id=record_id,
                fictional=True,
                list_name=row.list,
                list_record_id=row.record_id,
                **{role: str(getattr(row, role, "") or "") for role in ROLES},
            )
        )
        truth[record_id] = int(data.truth[f"{row.list}:{row.record_id}"])
    write_records(archive, records)
    return truth


def _stored_filters(database: Path) -> dict[str, tuple[str, np.ndarray]]:
    """What a seizure yields, read without any key: list name and filter bits by record."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT id, list_name, search_bloom FROM person_records"
        ).fetchall()
    return {
        # The filter bits, without the byte that marks a filter of search terms.
        record_id: (
            list_name,
            np.unpackbits(np.frombuffer(bloom_[: BITS // 8], np.uint8)).astype(bool),
        )
        for record_id, list_name, bloom_ in rows
    }


def _attack(
    filters: dict[str, tuple[str, np.ndarray]], truth: dict[str, int]
) -> tuple[int, float, int, int]:
    """Nearest neighbour by Jaccard index from list A to list B: (hits, hits expected by
    chance, same-person pairs at Jaccard >= 0.9, other pairs there)."""
    a = [r for r, (name, _) in filters.items() if name == "list_a"]
    b = [r for r, (name, _) in filters.items() if name == "list_b"]
    bits_a = np.array([filters[r][1] for r in a], dtype=np.int32)
    bits_b = np.array([filters[r][1] for r in b], dtype=np.int32)
    both = bits_a @ bits_b.T
    union = bits_a.sum(1)[:, None] + bits_b.sum(1)[None, :] - both
    jaccard = both / np.maximum(union, 1)
    on_b = {truth[r] for r in b}
    hits, expected = 0, 0.0
    for i, record in enumerate(a):
        if truth[record] not in on_b:
            continue
        same = [j for j, other in enumerate(b) if truth[other] == truth[record]]
        expected += len(same) / len(b)
        hits += int(truth[b[int(np.argmax(jaccard[i]))]] == truth[record])
    close = np.argwhere(jaccard >= 0.9)
    true_close = sum(truth[a[i]] == truth[b[j]] for i, j in close)
    return hits, expected, int(true_close), len(close) - int(true_close)


def _popcount_attack(filters: dict[str, tuple[str, np.ndarray]], truth: dict[str, int]) -> float:
    """What still leaks, used the same way: the record on list B with the nearest number of
    bits set, a tie broken at random; returns the expected number of right guesses."""
    a = [r for r, (name, _) in filters.items() if name == "list_a"]
    b = [r for r, (name, _) in filters.items() if name == "list_b"]
    counts_b = np.array([filters[r][1].sum() for r in b])
    on_b, hits = {truth[r] for r in b}, 0.0
    for record in a:
        if truth[record] in on_b:
            distance = np.abs(counts_b - filters[record][1].sum())
            nearest = np.flatnonzero(distance == distance.min())
            hits += sum(truth[b[j]] == truth[record] for j in nearest) / len(nearest)
    return hits


def test_stored_filters_do_not_link_the_records_of_one_person(
    tmp_path: Path, kdf: KdfParams
) -> None:
    archive, _ = Archive.create(tmp_path / "archive", passphrase=PASSPHRASE, kdf_params=kdf)
    truth = _import_two_lists(archive)
    filters = _stored_filters(archive.folder / "archive.db")
    assert len(filters) == len(truth) and all(len(bits) == BITS for _, bits in filters.values())
    hits, expected, true_close, false_close = _attack(filters, truth)
    queried = sum(1 for r, (name, _) in filters.items() if name == "list_a")
    assert queried > 100 and expected < 2
    # At chance: hits are a sum of Bernoulli trials with mean `expected`; allow a wide margin.
    assert hits <= expected + 4 * math.sqrt(expected) + 3, (hits, expected)
    assert true_close == 0 and false_close == 0
    # The number of bits set (how many distinct words) is all a filter shows: no link either.
    assert _popcount_attack(filters, truth) <= expected + 4 * math.sqrt(expected) + 3
    # The search still finds a record by a word of its sealed text.
    with archive.engine.connect() as connection:
        stored = next(query_records(connection, "person_record", limit=1))
    record = open_record(archive.sealer, stored, stored.clear["id"])
    word = max(words(record.full_name), key=len)
    assert stored.clear["id"] in {hit.id for hit in reading.search(archive, word)}
    archive.close()


def test_an_older_archive_loses_its_linkable_filters_and_still_searches(
    tmp_path: Path, kdf: KdfParams
) -> None:
    archive, _ = Archive.create(tmp_path / "archive", passphrase=PASSPHRASE, kdf_params=kdf)
    people = [
        Person(id=f"P-{n:04d}", full_name=f"Хасанов Ибрагим {n}", fictional=True)
        for n in range(1, 6)
    ]
    write_records(archive, people)
    # Make it what an archive of revision 0005 held: one key's filters for every record.
    shared_key = archive.require_secrets().subkey(SEARCH_KEY_PURPOSE)
    old = {person.id: bloom([person.full_name], shared_key) for person in people}
    table = RECORD_TABLES["person"]
    with archive.engine.begin() as connection:
        for record_id, filter_ in old.items():
            connection.execute(
                update(table).where(table.c.id == record_id).values(search_bloom=filter_)
            )
        connection.execute(text("UPDATE alembic_version SET version_num = '0005_private_hashes'"))
    secrets = archive.require_secrets()
    archive.close()

    locked = Archive.open(tmp_path / "archive")  # any command migrates, keys or not
    with locked, locked.engine.connect() as connection:
        assert (
            connection.execute(
                text("SELECT count(*) FROM persons WHERE search_bloom IS NOT NULL")
            ).scalar()
            == 0
        )
    on_disk = b"".join(path.read_bytes() for path in (tmp_path / "archive").glob("archive.db*"))
    assert not any(filter_ in on_disk for filter_ in old.values())

    with Archive.open(tmp_path / "archive", secrets=secrets) as unlocked:
        assert {hit.id for hit in reading.search(unlocked, "хасанов")} == set(old)
        with unlocked.engine.connect() as connection:
            now = dict(connection.execute(text("SELECT id, search_bloom FROM persons")).all())
    assert all(now[record_id] not in (None, old[record_id]) for record_id in old)


def test_one_word_sets_unrelated_bits_in_two_records() -> None:
    key = bytes(range(32))
    one, other = (
        bloom(["Хасанов"], record_filter_key(key, "person", record_id))
        for record_id in ("P-0001", "P-0002")
    )
    assert one != other
    assert record_filter_key(key, "person", "P-0001") != record_filter_key(key, "act", "P-0001")
    assert bloom(["Хасанов"], record_filter_key(key, "person", "P-0001")) == one


def test_records_without_a_filter_get_one_at_the_first_search(archive: Archive) -> None:
    write_records(
        archive,
        [
            Person(id=f"P-{n:04d}", full_name=f"Зарема Исаева {n}", fictional=True)
            for n in range(1, 4)
        ],
    )
    table = RECORD_TABLES["person"]
    with archive.engine.begin() as connection:  # as migration 0006 leaves them
        connection.execute(update(table).values(search_bloom=None))
    assert {hit.id for hit in reading.search(archive, "исаева")} == {"P-0001", "P-0002", "P-0003"}
    with archive.engine.connect() as connection:
        assert (
            connection.execute(
                text("SELECT count(*) FROM persons WHERE search_bloom IS NULL")
            ).scalar()
            == 0
        )
