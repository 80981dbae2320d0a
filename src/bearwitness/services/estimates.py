"""Estimate runs kept in the archive, each committed to the transparency log.

An estimate is only as credible as its provenance: which lists, which linkage,
which method, which seed. :func:`record_estimate` keeps the whole result
document (aggregate counts only) and logs an ``estimate`` entry that commits to
it, in one transaction, so that a published figure can later be shown to be the
one computed then, from those inputs.
"""

from __future__ import annotations

import json
import secrets as _random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select

from bearwitness.errors import NotFound
from bearwitness.services.archive import Archive
from bearwitness.services.ledger import append_entries, sync_log, take_turn
from bearwitness.store.schema import estimate_runs
from bearwitness.tlog.entry import SALT_SIZE, LogEntry, canonical_json, commit, format_time

PREFIX = "ES"


@dataclass(frozen=True)
class StoredEstimate:
    id: str
    recorded_at: str
    method: str
    link_run_id: str | None
    inputs_sha256: str
    result: dict[str, Any]
    commitment: str


def record_estimate(archive: Archive, result: dict[str, Any], *, inputs_sha256: str,
                    link_run_id: str | None = None) -> StoredEstimate:
    """Keep ``result`` (an estimate's JSON document) and log it; returns what was stored."""
    data = canonical_json(result)
    salt = _random.token_bytes(SALT_SIZE)
    moment = archive.clock()
    with archive.engine.begin() as connection:
        take_turn(connection)  # run ids, like log indexes, are taken one writer at a time
        run_id = _next_id(connection)
        at, commitment = format_time(moment), commit(salt, data)
        row: dict[str, Any] = {
            "id": run_id, "actor": archive.actor, "recorded_at": at,
            "method": str(result.get("method", "")), "link_run_id": link_run_id,
            "inputs_sha256": inputs_sha256, "result": data.decode(), "salt": salt,
            "commitment": commitment,
        }
        connection.execute(insert(estimate_runs).values(row))
        append_entries(connection, [LogEntry(
            kind="estimate", record_type="estimate", record_id=run_id, version=1,
            commitment=commitment, actor=archive.actor, time=at)])
    sync_log(archive)
    return _stored(row)


def list_estimates(archive: Archive) -> list[StoredEstimate]:
    with archive.engine.connect() as connection:
        rows = connection.execute(select(estimate_runs).order_by(estimate_runs.c.id)).all()
    return [_stored(row._asdict()) for row in rows]


def get_estimate(archive: Archive, run_id: str) -> StoredEstimate:
    with archive.engine.connect() as connection:
        row = connection.execute(select(estimate_runs).where(estimate_runs.c.id == run_id)
                                 ).one_or_none()
    if row is None:
        raise NotFound(f"no estimate {run_id}", hint="List them with `bearwitness estimates`.")
    return _stored(row._asdict())


def estimate_problems(connection: Connection, logged: dict[str, LogEntry]) -> list[str]:
    """What verification finds wrong with the kept runs, given the logged ``estimate`` entries
    by run id: a run changed, kept without being logged, or logged and gone."""
    problems = []
    kept = set()
    for row in connection.execute(select(estimate_runs)).all():
        kept.add(row.id)
        entry = logged.get(row.id)
        if entry is None:
            problems.append(f"estimate {row.id} is in the database but not in the log")
        elif commit(bytes(row.salt), row.result.encode()) != entry.commitment or \
                row.commitment != entry.commitment:
            problems.append(f"estimate {row.id}: its result no longer gives the logged "
                            "commitment (altered)")
    problems += [f"estimate {run_id} is logged but gone from the database (removed)"
                 for run_id in sorted(set(logged) - kept)]
    return problems


def _next_id(connection: Connection) -> str:
    count = int(connection.scalar(select(func.count()).select_from(estimate_runs)) or 0)
    return f"{PREFIX}-{count + 1:04d}"


def _stored(row: dict[str, Any]) -> StoredEstimate:
    return StoredEstimate(row["id"], row["recorded_at"], row["method"], row["link_run_id"],
                          row["inputs_sha256"], json.loads(row["result"]), row["commitment"])
