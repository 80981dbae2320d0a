"""Linking an archive's person records: the run is kept, persons resolved, all logged.

Runs on real SQLite and real PostgreSQL (the ``archive`` fixture), with FICTIONAL
synthetic lists written as person records.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import func, select

from bearwitness.errors import InputError, LockedError, NotFound
from bearwitness.intake.importers import ImportRow
from bearwitness.linkage.options import LinkOptions
from bearwitness.linkage.synthetic import generate
from bearwitness.services import link_review, linking, writing
from bearwitness.services.archive import Archive
from bearwitness.store import rows as store
from bearwitness.store.schema import link_clusters, link_decisions, link_pairs, log_entries
from bearwitness.tlog.entry import parse_entry

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
        clusters = linking.run_clusters(connection, "LR-0001")
        pairs = linking.run_pairs(connection, "LR-0001")
        stored = {
            s.clear["id"]: s.clear["person_id"]
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
        pairs = linking.run_pairs(connection, "LR-0002").set_index(["left_id", "right_id"])
    assert pairs.loc[(left, right), "probability"] == 0.0
    assert pairs.loc[(left, right), "decision"] == "reject"

    link_review.decide(archive, left, right, "undo", "rejected by mistake")
    link_review.decide(archive, left, right, "accept", "same passport number")
    linking.link_archive(archive)
    with archive.engine.connect() as connection:
        clusters = linking.run_clusters(connection, "LR-0003").set_index("record_id")
        logged = connection.scalar(select(func.count()).select_from(link_decisions))
    assert clusters.loc[left, "cluster_id"] == clusters.loc[right, "cluster_id"]
    assert logged == 3  # nothing rewritten


def test_split_and_merge_become_decisions_the_next_run_keeps(archive: Archive) -> None:
    _import(archive)
    linking.link_archive(archive)
    with archive.engine.connect() as connection:
        clusters = linking.run_clusters(connection, "LR-0001")
    sizes = clusters.groupby("cluster_id")["record_id"].agg(list)
    big = next(members for members in sizes if len(members) >= 2)
    singles = [members[0] for members in sizes if len(members) == 1][:2]
    assert link_review.edit_clusters(archive, "split", [big[0]], "two different men") >= 1
    assert link_review.edit_clusters(archive, "merge", singles, "same person, checked") == 1
    linking.link_archive(archive)
    with archive.engine.connect() as connection:
        after = linking.run_clusters(connection, "LR-0002").set_index("record_id")["cluster_id"]
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
        assert (connection.scalar(select(func.count()).select_from(link_pairs)) or 0) > 0
        assert (connection.scalar(select(func.count()).select_from(link_clusters)) or 0) > 0


def test_decision_times_are_the_clock_given(archive: Archive) -> None:
    _import(archive, people=20)
    linking.link_archive(archive)
    moment = dt.datetime(2026, 3, 1, 12, 0, 30, 123, tzinfo=dt.UTC)
    link_review.decide(archive, "R-0001", "R-0002", "reject", "checked by phone", at=moment)
    with archive.engine.connect() as connection:
        log = link_review.decision_log(connection)
    assert log["decided_at"].tolist() == ["2026-03-01T12:00:30Z"]


def test_verify_catches_a_changed_link_run_or_review_decision(archive: Archive) -> None:
    from sqlalchemy import delete, update

    from bearwitness.services import checkpoints
    from bearwitness.services.verification import verify_archive

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

    with archive.engine.begin() as connection:  # an insider turns a weak link into a strong one
        connection.execute(
            update(link_pairs)
            .where(link_pairs.c.left_id == left)
            .where(link_pairs.c.right_id == right)
            .values(probability=0.99)
        )
    assert any(
        "link run LR-0001: its pairs or clusters were changed" in p
        for p in verify_archive(archive).problems
    )

    with archive.engine.begin() as connection:  # ... or makes a rejection disappear
        connection.execute(delete(link_decisions))
    assert any(
        "review decision LD-000001 is logged but gone" in p
        for p in verify_archive(archive).problems
    )
