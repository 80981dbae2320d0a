"""Linking an archive's person records: the run is kept, persons resolved, all logged.

Runs on real SQLite and real PostgreSQL (the ``archive`` fixture), with FICTIONAL
synthetic lists written as person records.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, update

from bearwitness.crypto.kdf import KdfParams
from bearwitness.errors import InputError, LockedError, NotFound
from bearwitness.intake.importers import ImportRow
from bearwitness.linkage.counting import capture_histories
from bearwitness.linkage.features import Features
from bearwitness.linkage.options import LinkOptions
from bearwitness.linkage.synthetic import generate
from bearwitness.services import checkpoints, link_review, linking, writing
from bearwitness.services._sealing import open_record
from bearwitness.services.archive import Archive
from bearwitness.services.verification import verify_archive
from bearwitness.store import rows as store
from bearwitness.store.schema import link_decisions, link_runs, log_entries
from bearwitness.tlog.entry import parse_entry
from tests.conftest import PASSPHRASE
from tests.linkage.links_on_disk import clear_links

ROLES = [
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
]


def _import(archive: Archive, people: int = 60, seed: int = 3) -> pd.Series:
    """Write a synthetic set as person records; returns the true person by record id."""
    data = generate(people, seed=seed)
    rows, truth = [], {}
    for number, row in enumerate(data.records.itertuples(index=False), start=1):
        record_id = f"R-{number:04d}"
        values = {role: str(getattr(row, role) or "") for role in ROLES}
        rows.append(
            ImportRow(
                number,
                {
                    "type": "person_record",
                    "id": record_id,
                    "fictional": True,
                    "list_name": row.list,
                    "list_record_id": row.record_id,
                    **values,
                },
            )
        )
        truth[record_id] = int(data.truth[f"{row.list}:{row.record_id}"])
    writing.write_records(archive, writing.resolve_rows(archive, rows, "synthetic"))
    return pd.Series(truth)


def _entries(archive: Archive) -> list[dict[str, object]]:
    with archive.engine.connect() as connection:
        raw = connection.execute(select(log_entries.c.entry).order_by(log_entries.c.idx))
        return [json.loads(parse_entry(bytes(entry)).to_bytes()) for (entry,) in raw]


def test_link_run_is_kept_resolved_and_logged(archive: Archive) -> None:
    truth = _import(archive)
    before = len(_entries(archive))
    result = linking.link_archive(archive)
    assert result.run.id == "LR-0001"
    assert result.run.records == len(truth)
    with archive.engine.connect() as connection:
        clusters = linking.run_clusters(archive, connection, "LR-0001")
        pairs = linking.run_pairs(archive, connection, "LR-0001")
        stored = {
            s.clear["id"]: open_record(archive.sealer, s, s.clear["id"]).person_id  # type: ignore[attr-defined]
            for s in store.query_records(connection, "person_record")
        }
        persons = store.count_records(connection, "person")
    assert len(clusters) == len(truth) and len(pairs) == result.run.pairs > 0
    assert persons == result.new_persons == result.run.persons
    # Every record points at the person of its cluster, one person per cluster.
    assert clusters.set_index("record_id")["person_id"].to_dict() == stored
    assert clusters.groupby("cluster_id")["person_id"].nunique().max() == 1
    assert clusters.groupby("person_id")["cluster_id"].nunique().max() == 1
    # Most true pairs ended up together (a sanity check of quality, not a target).
    same = truth.reindex(clusters["record_id"]).to_numpy()
    together = pd.crosstab(clusters["cluster_id"].to_numpy(), same).gt(0).sum(axis=0)
    assert (together == 1).mean() > 0.7
    entries = _entries(archive)[before:]
    kinds = [(e["kind"], e["record_type"]) for e in entries]
    assert kinds.count(("create", "person")) == result.new_persons
    assert kinds.count(("update", "person_record")) == result.repointed == len(truth)
    assert kinds[-1] == ("link_decision", "link_run")
    assert entries[-1]["commitment"] == result.run.commitment
    assert not any("Canary" in json.dumps(e) for e in entries)


def test_a_second_run_keeps_persons_and_moves_only_what_changed(archive: Archive) -> None:
    _import(archive)
    first = linking.link_archive(archive)
    second = linking.link_archive(archive)
    assert second.run.id == "LR-0002"
    assert second.new_persons == 0 and second.repointed == 0
    assert second.run.persons == first.run.persons


def test_review_decisions_are_logged_reversible_and_used(archive: Archive) -> None:
    _import(archive)
    linking.link_archive(archive)
    # The whole queue: on so few records the model may leave no pair uncertain.
    everything = (0.0, 1.0)
    queue = link_review.queue(archive, band=everything)
    assert list(queue.columns[:3]) == ["left_id", "right_id", "probability"]
    left, right = queue.iloc[0]["left_id"], queue.iloc[0]["right_id"]
    shown = link_review.evidence(archive, left, right)
    assert list(shown.columns) == [left, right] and "list_name" in shown.index
    before = len(_entries(archive))
    link_review.decide(archive, left, right, "reject", "different fathers")
    assert link_review.reasons(archive) == ["different fathers"]
    entries = _entries(archive)[before:]
    assert [(e["kind"], e["record_type"]) for e in entries] == [("link_decision", "link_review")]
    assert "different fathers" not in json.dumps(entries)
    after = link_review.queue(archive, band=everything)
    assert not ((after["left_id"] == left) & (after["right_id"] == right)).any()

    linking.link_archive(archive)
    with archive.engine.connect() as connection:
        pairs = linking.run_pairs(archive, connection, "LR-0002").set_index(["left_id", "right_id"])
    assert pairs.loc[(left, right), "probability"] == 0.0
    assert pairs.loc[(left, right), "decision"] == "reject"

    link_review.decide(archive, left, right, "undo", "rejected by mistake")
    link_review.decide(archive, left, right, "accept", "same passport number")
    linking.link_archive(archive)
    with archive.engine.connect() as connection:
        clusters = linking.run_clusters(archive, connection, "LR-0003").set_index("record_id")
        logged = connection.scalar(select(func.count()).select_from(link_decisions))
    assert clusters.loc[left, "cluster_id"] == clusters.loc[right, "cluster_id"]
    assert logged == 3  # nothing rewritten


def test_split_and_merge_become_decisions_the_next_run_keeps(archive: Archive) -> None:
    _import(archive)
    linking.link_archive(archive)
    with archive.engine.connect() as connection:
        clusters = linking.run_clusters(archive, connection, "LR-0001")
    sizes = clusters.groupby("cluster_id")["record_id"].agg(list)
    big = next(members for members in sizes if len(members) >= 2)
    singles = [members[0] for members in sizes if len(members) == 1][:2]
    assert link_review.edit_clusters(archive, "split", [big[0]], "two different men") >= 1
    assert link_review.edit_clusters(archive, "merge", singles, "same person, checked") == 1
    linking.link_archive(archive)
    with archive.engine.connect() as connection:
        after = linking.run_clusters(archive, connection, "LR-0002").set_index("record_id")[
            "cluster_id"
        ]
    assert after[big[0]] != after[big[1]]
    assert after[singles[0]] == after[singles[1]]


def test_bad_decisions_are_refused_whole(archive: Archive) -> None:
    _import(archive, people=20)
    with pytest.raises(NotFound):
        link_review.queue(archive)  # never linked
    linking.link_archive(archive)
    with pytest.raises(NotFound, match="R-9999"):
        link_review.decide(archive, "R-0001", "R-9999", "accept", "typo")
    with pytest.raises(InputError, match="reason"):
        link_review.decide(archive, "R-0001", "R-0002", "accept", " ")
    with pytest.raises(InputError, match="undo"):
        link_review.decide(archive, "R-0001", "R-0002", "undo", "nothing there")
    with archive.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(link_decisions)) == 0


def test_linking_needs_an_unlock_and_two_records(archive: Archive) -> None:
    with pytest.raises(InputError, match="two or more"):
        linking.link_archive(archive)
    _import(archive, people=10)
    locked = Archive.open(archive.folder)
    try:
        with pytest.raises(LockedError):
            linking.link_archive(locked)
        assert locked.locked
    finally:
        locked.close()


def test_histories_for_chosen_lists_and_strata(archive: Archive) -> None:
    _import(archive)
    result = linking.link_archive(archive, options=LinkOptions(threshold=0.6))
    table = linking.histories(archive, ["memorial_ru", "network_en"], ("period",))
    assert list(table.columns) == ["memorial_ru", "network_en", "period", "count"]
    assert table["count"].sum() <= result.run.persons
    every = linking.histories(archive)
    assert every["count"].sum() == result.run.persons
    with archive.engine.connect() as connection:
        assert len(linking.run_pairs(archive, connection, result.run.id)) == result.run.pairs > 0
        clusters = linking.run_clusters(archive, connection, result.run.id)
    assert len(clusters) == result.run.records
    # Without strata the histories come from the run's clear counts: the same as counting
    # the sealed clusters, for any choice of lists.
    for lists in (["memorial_ru", "network_en"], ["press_de"], None):
        chosen = lists or sorted(set(clusters["list"]))
        counted = capture_histories(clusters, Features(pd.DataFrame(), ()), chosen)
        pd.testing.assert_frame_equal(linking.histories(archive, lists), counted, check_dtype=False)


def test_decision_times_are_the_clock_given(archive: Archive) -> None:
    _import(archive, people=20)
    linking.link_archive(archive)
    moment = dt.datetime(2026, 3, 1, 12, 0, 30, 123, tzinfo=dt.UTC)
    link_review.decide(archive, "R-0001", "R-0002", "reject", "checked by phone", at=moment)
    with archive.engine.connect() as connection:
        log = link_review.decision_log(archive, connection)
    assert log["decided_at"].tolist() == ["2026-03-01T12:00:30Z"]


def test_verify_catches_a_changed_link_run_or_review_decision(archive: Archive) -> None:
    from sqlalchemy import delete

    _import(archive, people=30)
    linking.link_archive(archive)
    queue = link_review.queue(archive, band=(0.0, 1.0))
    left, right = queue.iloc[0]["left_id"], queue.iloc[0]["right_id"]
    link_review.decide(archive, left, right, "reject", "FICTIONAL: different fathers")
    checkpoints.sign_new_checkpoint(archive)
    assert verify_archive(archive).ok, verify_archive(archive).problems
    locked = Archive.open(archive.folder)
    try:
        assert verify_archive(locked).ok
    finally:
        locked.close()

    # An insider with the keys turns a weak link into a strong one and seals the run again.
    with archive.engine.begin() as connection:
        sealed = connection.scalar(select(link_runs.c.sealed).where(link_runs.c.id == "LR-0001"))
        opened = json.loads(archive.sealer.open(sealed, b"link_run:LR-0001", what="run"))
        pairs = opened["pairs"]
        at = next(
            i
            for i, (a, b) in enumerate(zip(pairs["left_id"], pairs["right_id"], strict=True))
            if (a, b) == (left, right)
        )
        pairs["probability"][at] = 0.99
        connection.execute(
            update(link_runs)
            .where(link_runs.c.id == "LR-0001")
            .values(sealed=archive.sealer.seal(json.dumps(opened).encode(), b"link_run:LR-0001"))
        )
    assert any(
        "link run LR-0001: it differs from what the log holds" in p
        for p in verify_archive(archive).problems
    )
    locked = Archive.open(archive.folder)
    try:  # the sealed bytes differ from the logged hash: seen locked, too
        assert any("link run LR-0001" in p for p in verify_archive(locked).problems)
    finally:
        locked.close()

    with archive.engine.begin() as connection:  # ... or makes a rejection disappear
        connection.execute(delete(link_decisions))
    assert any(
        "review decision LD-000001 is logged but gone" in p
        for p in verify_archive(archive).problems
    )


def test_a_locked_archive_does_not_tell_which_records_are_one_person(
    tmp_path: Path, kdf: KdfParams
) -> None:
    """Opened with plain sqlite3, no table pairs two person records, nor a record with its
    person: not the records, the link runs, the review decisions nor the log's queue."""
    archive, _ = Archive.create(tmp_path / "archive", passphrase=PASSPHRASE, kdf_params=kdf)
    with archive:
        _import(archive, people=30)
        linking.link_archive(archive)
        queue = link_review.queue(archive, band=(0.0, 1.0))
        left, right = queue.iloc[0]["left_id"], queue.iloc[0]["right_id"]
        link_review.decide(archive, left, right, "reject", "FICTIONAL: different fathers")
        link_review.decide(
            archive, queue.iloc[1]["left_id"], queue.iloc[1]["right_id"], "accept", "FICTIONAL"
        )
        linking.link_archive(archive)
        with archive.engine.connect() as connection:
            clusters = linking.run_clusters(archive, connection, "LR-0002")
        assert clusters.groupby("person_id").size().max() > 1  # some records are one person
        assert archive.engine.dialect.name == "sqlite"
        checkpoints.sign_new_checkpoint(archive)
    database = tmp_path / "archive" / "archive.db"
    with sqlite3.connect(database) as connection:  # what a seized disk holds, WAL and all
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert clear_links(database) == []

    locked = Archive.open(tmp_path / "archive")
    try:  # locked, a run shows its counts; its links need an unlock
        with locked.engine.connect() as connection:
            assert linking.latest_run(connection).persons > 0
            with pytest.raises(LockedError, match="one person is sealed"):
                linking.run_clusters(locked, connection, "LR-0002")
            log = link_review.decision_log(locked, connection)
        assert log["left_id"].isna().all() and len(log) >= 2
        with pytest.raises(LockedError):
            link_review.queue(locked)
        # The clear counts (an aggregate that names no record) work locked.
        assert linking.histories(locked)["count"].sum() == linking.newest_run(locked).persons
        with pytest.raises(LockedError):
            linking.histories(locked, strata=("period",))
        assert verify_archive(locked).ok, verify_archive(locked).problems
        with locked.engine.begin() as connection:  # someone edits the clear counts
            connection.execute(
                update(link_runs).where(link_runs.c.id == "LR-0002").values(histories="{}")
            )
        assert any("LR-0002: its counts differ" in p for p in verify_archive(locked).problems)
    finally:
        locked.close()


def test_links_refused_for_a_hazard_are_kept_with_the_run_and_reviewed_first(
    archive: Archive,
) -> None:
    """Two FICTIONAL entries alike in everything but the sex their lists give: the model
    links them, the hazard rule refuses it, and the run keeps the refusal (sealed) so that
    the review queue asks about it first, with its reason."""
    _import(archive)
    alike = {
        "type": "person_record",
        "fictional": True,
        "full_name": "Зелимхан Абдурахманов",
        "birth": "1991-03-04",
        "residence": "Argun",
        "event_type": "detention",
        "event_date": "2019-01-12",
        "event_place": "Argun",
    }
    rows = [
        ImportRow(1, {**alike, "id": "R-9001", "list_name": "FICTIONAL-a", "sex": "m"}),
        ImportRow(2, {**alike, "id": "R-9002", "list_name": "FICTIONAL-b", "sex": "f"}),
    ]
    writing.write_records(archive, writing.resolve_rows(archive, rows, "FICTIONAL"))
    run = linking.link_archive(archive).run
    with archive.engine.connect() as connection:
        refused = linking.run_links(archive, connection, run.id).refused
    found = refused[(refused["left_id"] == "R-9001") & (refused["right_id"] == "R-9002")]
    assert found["reason"].tolist() == ["sex"], refused
    first = link_review.queue(archive).iloc[0]
    assert (first["left_id"], first["right_id"], first["reason"]) == ("R-9001", "R-9002", "sex")
    assert link_review.REFUSAL_REASONS["sex"] == "the records give different sexes"
