"""Reviewing an archive's linkage: the queue, the evidence, and decisions that are kept.

Decisions (accept, reject, undo, and the pair decisions a split or merge stands
for) are appended to ``link_decisions`` and never rewritten: undoing appends an
``undo``. Each decision is written in one transaction with its transparency-log
entry (kind ``link_decision``, record type ``link_review``), which commits to the
decision and its reason without revealing either. The reason is free text, so it
is sealed. The next ``bearwitness link ARCHIVE`` run uses the decisions in force.

Which two records a decision names is sealed (``pair``) like the run's pairs:
locked, the log shows what was decided, by whom and when, but not about which
records. The queue, the evidence (the two records side by side) and the pairs
of the log need an unlock; they stay in memory. Decisions kept before migration
0007 have their pair sealed to the archive's public recipient (age), which the
unlocked archive's identities open.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets as _random
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, select

from bearwitness.crypto.seal import open_with_identity
from bearwitness.domain.records import PersonRecord
from bearwitness.errors import BearWitnessError, InputError, NotFound, Phrase
from bearwitness.linkage.hazards import REASONS
from bearwitness.linkage.review import (
    LOG_COLUMNS,
    ClusterEdit,
    Decision,
    apply_edit,
    current_decisions,
    edit_as_decisions,
    empty_log,
    review_queue,
    side_by_side,
)
from bearwitness.services._ledger import gone_problems, kept_row_problem
from bearwitness.services.archive import Archive
from bearwitness.services.linking import latest_run, require_unlocked, run_links
from bearwitness.services.reading import open_full
from bearwitness.services.writing import Change, write_change
from bearwitness.store import rows as store
from bearwitness.store.schema import link_decisions
from bearwitness.tlog.entry import LogEntry, canonical_json, commit, format_time

# Why the clustering refused a link (linkage.hazards), in words, by its code.
REFUSAL_REASONS: dict[str, str] = dict(REASONS)

_AGE = b"age-encryption.org/"  # how a pair sealed to the recipient by migration 0007 begins

EVIDENCE_FIELDS = (
    "list_name",
    "list_record_id",
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
    "person_id",
)


def decision_log(archive: Archive, connection: Connection) -> pd.DataFrame:
    """Every decision in order (``left_id``, ``right_id``, ``decision``, ``analyst``,
    ``decided_at``, ``origin``); reasons stay sealed (see :func:`reasons`). The two ids
    are sealed: locked, they are None."""
    rows = connection.execute(
        select(
            link_decisions.c.idx,
            link_decisions.c.pair,
            link_decisions.c.decision,
            link_decisions.c.analyst,
            link_decisions.c.decided_at,
            link_decisions.c.origin,
        ).order_by(link_decisions.c.idx)
    ).all()
    if not rows:
        return empty_log().assign(origin=pd.Series(dtype=object))
    pairs = (
        [(None, None)] * len(rows)
        if archive.locked
        else [_open_pair(archive, row.idx, bytes(row.pair)) for row in rows]
    )
    frame = pd.DataFrame(
        [
            (left, right, row.decision, row.analyst, row.decided_at, row.origin)
            for (left, right), row in zip(pairs, rows, strict=True)
        ],
        columns=["left_id", "right_id", "decision", "analyst", "decided_at", "origin"],
    )
    return frame.assign(reason="")[[*LOG_COLUMNS, "origin"]]


def _open_pair(archive: Archive, idx: int, sealed: bytes) -> tuple[str, str]:
    what = f"review decision LD-{idx:06d}"
    if sealed.startswith(_AGE):
        opened = open_with_identity(sealed, archive.require_secrets().identities, what=what)
    else:
        opened = archive.sealer.open(sealed, _pair_context(idx), what=what)
    pair = json.loads(opened)
    return str(pair["left_id"]), str(pair["right_id"])


def _pair_context(idx: int) -> bytes:
    return f"link_decision:{idx}:pair".encode()


def read_log(archive: Archive) -> pd.DataFrame:
    """Every decision in order, as :func:`decision_log` gives it, with its reason once
    unlocked. Locked, the two ids are None and the reasons empty: both are sealed.
    What `bearwitness link review ARCHIVE log` and the workbench's linkage page show."""
    with archive.engine.connect() as connection:
        log = decision_log(archive, connection)
    if not archive.locked and len(log):
        log["reason"] = reasons(archive)
    return log


def reasons(archive: Archive) -> list[str]:
    """The reasons of all decisions, in order (needs an unlock)."""
    sealer = archive.sealer
    with archive.engine.connect() as connection:
        rows = connection.execute(
            select(link_decisions.c.idx, link_decisions.c.sealed).order_by(link_decisions.c.idx)
        ).all()
    return [
        json.loads(sealer.open(sealed, _context(idx), what=f"link decision {idx}"))["reason"]
        for idx, sealed in rows
    ]


def decision_problems(
    archive: Archive, connection: Connection, logged: dict[str, LogEntry]
) -> list[str]:
    """What verification finds wrong with the review decisions, given their logged entries
    by id (``LD-000001``): a decision changed, unlogged, or removed."""
    problems, kept = [], set()
    for row in connection.execute(select(link_decisions).order_by(link_decisions.c.idx)).all():
        record_id = f"LD-{row.idx:06d}"
        kept.add(record_id)
        name, entry = f"review decision {record_id}", logged.get(record_id)
        if problem := kept_row_problem(name, entry, row.commitment, row.sealed):
            problems.append(problem)
            continue
        if archive.locked:
            continue
        try:
            opened = json.loads(archive.sealer.open(row.sealed, _context(row.idx), what=name))
            left, right = _open_pair(archive, row.idx, bytes(row.pair))
        except BearWitnessError as error:
            problems.append(f"{name}: {error.message}")
            continue
        data = {
            "type": "link_review",
            "idx": row.idx,
            "left_id": left,
            "right_id": right,
            "decision": row.decision,
            "origin": row.origin,
            "reason": opened["reason"],
            "analyst": row.analyst,
            "decided_at": row.decided_at,
        }
        if commit(base64.b64decode(opened["salt"]), canonical_json(data)) != row.commitment:
            problems.append(f"{name}: it was changed after it was logged (altered)")
    return problems + gone_problems("review decision", logged, kept)


def _context(idx: int) -> bytes:
    return f"link_decision:{idx}:reason".encode()


def _check_records(connection: Connection, ids: set[str]) -> None:
    found = store.existing_ids(connection, "person_record", ids)
    if missing := sorted(ids - found):
        raise NotFound(
            Phrase("no person record %(id)s in this archive", id=missing[0]),
            hint=Phrase(
                "Pairs are named by person record ids (R-0001); see the linkage page, or "
                "`bearwitness link review ARCHIVE list`."
            ),
        )


def record_decisions(archive: Archive, decisions: list[Decision], origin: str = "pair") -> int:
    """Append ``decisions`` and their log entries in one transaction; returns the first index.

    An undo needs a decision in force for its pair. Needs an unlock (the pair and the reason
    are sealed).
    """
    require_unlocked(archive)
    sealer = archive.sealer

    def prepare(connection: Connection) -> tuple[Change, int]:
        _check_records(connection, {d.left_id for d in decisions} | {d.right_id for d in decisions})
        log = decision_log(archive, connection)
        start = (
            int(
                connection.scalar(
                    select(link_decisions.c.idx).order_by(link_decisions.c.idx.desc()).limit(1)
                )
                or 0
            )
            + 1
        )
        rows, entries = [], []
        for offset, decision in enumerate(decisions):
            left, right = sorted((decision.left_id, decision.right_id))
            if decision.decision == "undo":
                force = current_decisions(log)
                if not ((force["left_id"] == left) & (force["right_id"] == right)).any():
                    raise InputError(
                        Phrase(
                            "no decision on %(left)s and %(right)s to undo", left=left, right=right
                        ),
                        hint=Phrase(
                            "See the decisions on the linkage page, or with "
                            "`bearwitness link review ARCHIVE log`."
                        ),
                    )
            idx = start + offset
            at = format_time(decision.decided_at.replace(microsecond=0))
            salt = _random.token_bytes(32)
            data = {
                "type": "link_review",
                "idx": idx,
                "left_id": left,
                "right_id": right,
                "decision": decision.decision,
                "origin": origin,
                "reason": decision.reason,
                "analyst": decision.analyst,
                "decided_at": at,
            }
            commitment = commit(salt, canonical_json(data))
            sealed = sealer.seal(
                json.dumps(
                    {"reason": decision.reason, "salt": base64.b64encode(salt).decode()},
                    ensure_ascii=False,
                ).encode(),
                _context(idx),
            )
            row = {
                "idx": idx,
                "pair": sealer.seal(
                    json.dumps({"left_id": left, "right_id": right}).encode(), _pair_context(idx)
                ),
                "decision": decision.decision,
                "origin": origin,
                "analyst": decision.analyst,
                "decided_at": at,
                "commitment": commitment,
                "sealed": sealed,
            }
            rows.append(row)
            entries.append(
                LogEntry(
                    kind="link_decision",
                    record_type="link_review",
                    record_id=f"LD-{idx:06d}",
                    version=1,
                    commitment=commitment,
                    actor=decision.analyst,
                    time=at,
                    sealed_sha256=hashlib.sha256(sealed).hexdigest(),
                )
            )
            shown = {**data, "reason": ""}
            log = pd.concat([log, pd.DataFrame([shown])[log.columns]], ignore_index=True)
        return Change(rows=[(link_decisions, rows)] if rows else [], entries=entries), start

    start, _ = write_change(archive, prepare)
    return start


def decide(
    archive: Archive,
    left_id: str,
    right_id: str,
    verdict: str,
    reason: str,
    *,
    at: datetime | None = None,
) -> int:
    """Accept, reject or undo one pair, with a reason; returns the decision's index."""
    decision = Decision(left_id, right_id, verdict, reason, archive.actor, at or archive.clock())
    return record_decisions(archive, [decision])


def edit_clusters(
    archive: Archive, kind: str, record_ids: list[str], reason: str, *, at: datetime | None = None
) -> int:
    """Split ``record_ids`` out of their cluster, or merge their clusters, in the latest run;
    kept as the pair decisions the edit stands for. Returns how many were recorded."""
    edit = ClusterEdit(kind, tuple(record_ids), reason, archive.actor, at or archive.clock())
    with archive.engine.connect() as connection:
        _check_records(connection, set(record_ids))
        run = latest_run(connection)
        clusters = run_links(archive, connection, run.id).clusters
    clusters = clusters.rename(columns={"record_id": "record_key"})
    apply_edit(clusters, edit)  # refuses records the run did not cluster
    decisions = edit_as_decisions(clusters, edit)
    if not decisions:
        raise InputError(
            Phrase("that split changes nothing")
            if kind == "split"
            else Phrase("that merge changes nothing")
            if kind == "merge"
            else Phrase("that %(kind)s changes nothing", kind=kind),
            hint=Phrase(
                "A split needs records that share a cluster with others; a merge "
                "needs records of two or more clusters."
            ),
        )
    record_decisions(archive, decisions, origin=kind)
    return len(decisions)


def queue(archive: Archive, *, band: tuple[float, float] = (0.05, 0.95)) -> pd.DataFrame:
    """Undecided pairs of the latest run (needs an unlock: the pairs are sealed): first the
    links its clustering refused for a hazard, with their ``reason`` (the model or the rule
    is wrong: the most uncertain clusters), then those closest to its threshold."""
    with archive.engine.connect() as connection:
        run = latest_run(connection)
        links = run_links(archive, connection, run.id)
        log = decision_log(archive, connection)
    undecided = links.pairs[links.pairs["decision"] == ""].drop(columns="decision")
    return review_queue(undecided, run.threshold, log, band=band, refused=links.refused)


def evidence(archive: Archive, left_id: str, right_id: str) -> pd.DataFrame:
    """The two person records side by side, opened in memory (needs an unlock)."""
    archive.require_secrets()
    opened = {}
    for record_id in (left_id, right_id):
        record = open_full(archive, record_id)
        if not isinstance(record, PersonRecord):
            raise InputError(
                Phrase("%(id)s is not a person record", id=record_id),
                hint=Phrase("Pairs are person records (R-0001)."),
            )
        opened[record_id] = {name: getattr(record, name) for name in EVIDENCE_FIELDS}
    frame = pd.DataFrame.from_dict(opened, orient="index")
    return side_by_side(frame, left_id, right_id)
