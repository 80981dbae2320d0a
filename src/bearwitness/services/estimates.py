"""Estimate runs kept in the archive, each committed to the transparency log.

An estimate is only as credible as its provenance: which lists, which linkage,
which method, which seed. :func:`record_estimate` keeps the whole result
document (aggregate counts only) and logs an ``estimate`` entry that commits to
it, in one transaction, so that a published figure can later be shown to be the
one computed then, from those inputs.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import secrets as _random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select

from bearwitness.errors import InputError, NotFound
from bearwitness.services.archive import Archive
from bearwitness.services.ledger import (
    append_entries,
    gone_problems,
    kept_row_problem,
    sync_log,
    take_turn,
)
from bearwitness.store.schema import estimate_runs
from bearwitness.tlog.entry import SALT_SIZE, LogEntry, canonical_json, commit, format_time

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bearwitness.estimate.estimation import Options
    from bearwitness.estimate.histories import CaptureHistories
    from bearwitness.estimate.result import EstimateResult

# The estimation stack (SciPy, pandas, Numba, Matplotlib) takes seconds to import: it is
# imported inside the functions that need it, so that the CLI and the workbench start quickly.

PREFIX = "ES"
METHODS = ("lcmcr", "loglinear", "dga")  # bearwitness.estimate.estimation.METHODS, unimported
CHARTS = ("overlaps", "intervals")
_DRAWING = threading.Lock()  # pyplot keeps global state: one chart at a time per process


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


@dataclass(frozen=True)
class ArchiveHistories:
    """The capture histories of one linkage run's persons, ready to estimate from."""

    strata: dict[str, CaptureHistories]
    source: str
    link_run_id: str


def archive_histories(archive: Archive, strata: tuple[str, ...] = (),
                      run_id: str | None = None) -> ArchiveHistories:
    """Capture histories of the persons of a linkage run (the newest by default), by
    ``strata`` (read from sealed fields, so strata need an unlock)."""
    from bearwitness.estimate.histories import histories_from_table
    from bearwitness.linkage.options import STRATA
    from bearwitness.services import linking

    if unknown := sorted(set(strata) - set(STRATA)):
        raise InputError(f"unknown stratum {', '.join(unknown)}",
                         hint=f"Choose from {', '.join(STRATA)}.")
    with archive.engine.connect() as connection:
        run = linking.latest_run(connection, run_id)
    frame = linking.histories(archive, strata=strata, run_id=run.id)
    lists = [c for c in frame.columns if c not in {"count", *strata}]
    return ArchiveHistories(histories_from_table(frame, lists=lists, strata=strata),
                            f"{archive.folder.name} {run.id}", run.id)


def inputs_digest(inputs: Iterable[bytes], link_run_id: str | None = None) -> str:
    """SHA-256 over what an estimate read: its input files, or the linkage run it counted."""
    digest = hashlib.sha256()
    for content in inputs:
        digest.update(content)
    if link_run_id is not None:
        digest.update(link_run_id.encode())
    return digest.hexdigest()


def estimate_archive(archive: Archive, *, method: str = "lcmcr", strata: tuple[str, ...] = (),
                     seed: int = 0, options: Options | None = None,
                     progress: Callable[[int], None] | None = None,
                     on_total: Callable[[int | None], None] | None = None,
                     ) -> tuple[EstimateResult, StoredEstimate]:
    """Count the persons of the newest linkage run, estimate, and keep the result (logged).

    What ``bearwitness estimate --archive ARCHIVE`` and the workbench's form both do.
    ``on_total`` hears how many sampler sweeps ``progress`` will count (None: unknown).
    """
    from bearwitness.estimate.estimation import Options, estimate

    if method not in METHODS:
        raise InputError(f"unknown method {method!r}", hint=f"Use one of {', '.join(METHODS)}.")
    options = options or Options()
    counted = archive_histories(archive, strata)
    if on_total is not None:
        on_total(sweeps(method, options, len(counted.strata)))
    result = estimate(counted.strata, method=method, seed=seed, options=options,
                      strata_columns=strata, source=counted.source, progress=progress)
    kept = record_estimate(archive, result.as_dict(),
                           inputs_sha256=inputs_digest([], counted.link_run_id),
                           link_run_id=counted.link_run_id)
    return result, kept


def sweeps(method: str, options: Options, runs: int) -> int | None:
    """How many sampler sweeps an estimate takes (for a progress bar); None when unknown."""
    if method != "lcmcr":
        return None
    per_run = options.lcmcr.sweeps_per_chain * options.lcmcr.chains
    return per_run * runs * (5 if options.sensitivity else 1)


def chart_svg(stored: StoredEstimate, chart: str, stratum: int = 0) -> bytes:
    """A chart of a kept run as SVG, drawn from its stored JSON only (no posterior draws are
    kept): ``overlaps`` of one stratum's lists, or the ``intervals`` of every stratum."""
    from bearwitness.estimate import charts
    from bearwitness.estimate.histories import histories_from_patterns
    from bearwitness.estimate.posterior import Interval

    strata = stored.result.get("strata") or {}
    if chart not in CHARTS or not strata:
        raise NotFound(f"no {chart} chart for {stored.id}", hint=f"Charts: {', '.join(CHARTS)}.")
    labels = list(strata)
    if chart == "overlaps":
        if not 0 <= stratum < len(labels):
            raise NotFound(f"{stored.id} has no stratum {stratum + 1}",
                           hint=f"It has {len(labels)}.")
        lists = stored.result.get("inputs", {}).get("lists") or []
        histories = histories_from_patterns(strata[labels[stratum]]["patterns"], lists)

        def draw() -> Figure:
            return charts.draw_overlaps(histories)
    else:
        intervals = {label: Interval(*(_bound(strata[label]["N"][key])
                                       for key in ("median", "lower", "upper")))
                     for label in labels}
        documented = {label: int(strata[label]["n_observed"]) for label in labels}

        def draw() -> Figure:
            return charts.draw_strata(intervals, documented,
                                      title="Documented and estimated, 95% interval")
    import matplotlib.pyplot as plt

    with _DRAWING:
        figure = draw()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight")
        plt.close(figure)
    return buffer.getvalue()


def _bound(value: float | None) -> float:
    return math.inf if value is None else float(value)  # JSON keeps "no upper bound" as null


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
    problems, kept = [], set()
    for row in connection.execute(select(estimate_runs)).all():
        kept.add(row.id)
        entry = logged.get(row.id)
        problem = kept_row_problem(f"estimate {row.id}", entry, row.commitment)
        if problem is None and commit(bytes(row.salt), row.result.encode()) != row.commitment:
            problem = f"estimate {row.id}: its result no longer gives the logged commitment " \
                "(altered)"
        if problem:
            problems.append(problem)
    return problems + gone_problems("estimate", logged, kept)


def _next_id(connection: Connection) -> str:
    count = int(connection.scalar(select(func.count()).select_from(estimate_runs)) or 0)
    return f"{PREFIX}-{count + 1:04d}"


def _stored(row: dict[str, Any]) -> StoredEstimate:
    return StoredEstimate(row["id"], row["recorded_at"], row["method"], row["link_run_id"],
                          row["inputs_sha256"], json.loads(row["result"]), row["commitment"])
