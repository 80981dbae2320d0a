"""Estimate runs kept in the archive, each committed to the transparency log.

An estimate is only as credible as its provenance: which lists, which linkage,
which method, which seed. :func:`record_estimate` keeps the whole result
document (aggregate counts only) and logs an ``estimate`` entry that commits to
it, in one transaction, so that a published figure can later be shown to be the
one computed then, from those inputs.

A stratified run's stratum labels come from sealed fields (``place`` is each
person's event place), so they are never stored in the clear: the parts of the
result that name strata (:data:`SEALED_PARTS`) are sealed with the commitment's
salt, bound to the run (``estimate:ES-0001``), and the clear column keeps the
rest (method, lists, totals). Reading them needs an unlock; locked, a run shows
its totals and says that its strata are sealed. The log entry commits to the
whole result as before, and also names the SHA-256 of the sealed part and of
the clear column, so that a locked verify still checks both.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import secrets as _random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select, update

from bearwitness.errors import BearWitnessError, InputError, LockedError, NotFound, Phrase
from bearwitness.services._ledger import gone_problems, kept_row_problem
from bearwitness.services.archive import Archive
from bearwitness.services.writing import Change, write_change
from bearwitness.store.schema import estimate_runs
from bearwitness.tlog.entry import SALT_SIZE, LogEntry, canonical_json, commit, format_time

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from bearwitness.estimate.estimation import Options
    from bearwitness.estimate.histories import CaptureHistories
    from bearwitness.estimate.result import EstimateResult as EstimateResult  # for interfaces

# The estimation stack (SciPy, pandas, Numba, Matplotlib) takes seconds to import: it is
# imported inside the functions that need it, so that the CLI and the workbench start quickly.

PREFIX = "ES"
METHODS = ("lcmcr", "loglinear", "dga")  # bearwitness.estimate.estimation.METHODS, unimported
CHARTS = ("overlaps", "intervals")
# The parts of a result document that name strata: sealed in a stratified run.
SEALED_PARTS = ("strata", "warnings")
_DRAWING = threading.Lock()  # pyplot keeps global state: one chart at a time per process


@dataclass(frozen=True)
class StoredEstimate:
    id: str
    recorded_at: str
    method: str
    link_run_id: str | None
    inputs_sha256: str
    result: dict[str, Any]  # locked, a stratified run's lacks SEALED_PARTS
    commitment: str
    sealed: bool = False  # its strata are sealed and were not opened (locked)


def stratified(result: dict[str, Any]) -> bool:
    """Whether a result document is split by strata (whose labels may come from sealed
    fields)."""
    inputs = result.get("inputs")
    return isinstance(inputs, dict) and bool(inputs.get("strata_columns"))


def record_estimate(
    archive: Archive, result: dict[str, Any], *, inputs_sha256: str, link_run_id: str | None = None
) -> StoredEstimate:
    """Keep ``result`` (an estimate's JSON document) and log it; returns what was stored.

    A stratified result needs an unlock: its strata are sealed (see the module)."""
    if stratified(result) and archive.locked:
        raise LockedError(
            Phrase("a stratified estimate's strata are sealed in the archive"),
            hint=Phrase(
                "Unlock the archive to keep it (`bearwitness unlock ARCHIVE`, or a custodian "
                "in the workbench)."
            ),
        )
    data = canonical_json(result)
    salt = _random.token_bytes(SALT_SIZE)
    moment = archive.clock()

    def prepare(connection: Connection) -> tuple[Change, dict[str, Any]]:
        # write_change has taken this writer's turn: run ids, like log indexes, are taken
        # one writer at a time.
        run_id = _next_id(connection)
        at, commitment = format_time(moment), commit(salt, data)
        row: dict[str, Any] = {
            "id": run_id,
            "actor": archive.actor,
            "recorded_at": at,
            "method": str(result.get("method", "")),
            "link_run_id": link_run_id,
            "inputs_sha256": inputs_sha256,
            "result": data.decode(),
            "salt": salt,
            "sealed": None,
            "commitment": commitment,
        }
        if stratified(result):
            row.update(_sealed_parts(archive, run_id, result, salt))
        entry = _entry(row, archive.actor, at, version=1)
        return Change(rows=[(estimate_runs, [row])], entries=[entry]), row

    row, _ = write_change(archive, prepare)
    return _stored(archive, row)


def _sealed_parts(
    archive: Archive, run_id: str, result: dict[str, Any], salt: bytes
) -> dict[str, Any]:
    """The columns of a run whose strata are sealed: the clear rest of the result, and the
    strata with the salt, sealed to this run (the salt too: with it, the commitment
    would let anyone test a guess of the strata)."""
    clear = {key: value for key, value in result.items() if key not in SEALED_PARTS}
    parts = {key: result[key] for key in SEALED_PARTS if key in result}
    sealed = archive.sealer.seal(
        json.dumps(
            {"salt": base64.b64encode(salt).decode(), "parts": parts}, ensure_ascii=False
        ).encode(),
        _context(run_id),
    )
    return {"result": canonical_json(clear).decode(), "salt": None, "sealed": sealed}


def _entry(row: dict[str, Any], actor: str, at: str, *, version: int) -> LogEntry:
    sealed = row.get("sealed")
    return LogEntry(
        kind="estimate",
        record_type="estimate",
        record_id=row["id"],
        version=version,
        commitment=row["commitment"],
        previous_commitment=row["commitment"] if version > 1 else None,
        actor=actor,
        time=at,
        sealed_sha256=hashlib.sha256(sealed).hexdigest() if sealed is not None else None,
        row_sha256=_clear_digest(row["result"]) if sealed is not None else None,
    )


def _context(run_id: str) -> bytes:
    return f"estimate:{run_id}".encode()


def _clear_digest(result: str) -> str:
    return hashlib.sha256(result.encode()).hexdigest()


def seal_kept_strata(archive: Archive) -> int:
    """Seal the strata of runs kept before they were sealed (needs an unlock); returns how
    many. Each is logged again (version 2: the same commitment, now with the hashes of its
    sealed and clear parts), and on SQLite the freed clear bytes are overwritten."""
    archive.require_secrets()
    with archive.engine.connect() as connection:
        rows = [
            row._asdict()
            for row in connection.execute(
                select(estimate_runs).where(estimate_runs.c.sealed.is_(None))
            ).all()
        ]
    legacy = [row for row in rows if stratified(json.loads(row["result"]))]
    for row in legacy:
        result = json.loads(row["result"])
        row.update(_sealed_parts(archive, row["id"], result, bytes(row["salt"])))
        change = Change(
            statements=[
                update(estimate_runs)
                .where(estimate_runs.c.id == row["id"], estimate_runs.c.sealed.is_(None))
                .values(result=row["result"], salt=None, sealed=row["sealed"])
            ],
            entries=[_entry(row, archive.actor, format_time(archive.clock()), version=2)],
        )
        write_change(archive, _as_it_is(change))
    if legacy and archive.engine.dialect.name == "sqlite":
        with archive.engine.connect() as connection:  # no old page left in the WAL
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return len(legacy)


def _as_it_is(change: Change) -> Callable[[Connection], tuple[Change, None]]:
    """A change that reads nothing in its transaction."""
    return lambda _: (change, None)


@dataclass(frozen=True)
class ArchiveHistories:
    """The capture histories of one linkage run's persons, ready to estimate from."""

    strata: dict[str, CaptureHistories]
    source: str
    link_run_id: str


def archive_histories(
    archive: Archive, strata: tuple[str, ...] = (), run_id: str | None = None
) -> ArchiveHistories:
    """Capture histories of the persons of a linkage run (the newest by default), by
    ``strata`` (read from sealed fields, so strata need an unlock)."""
    from bearwitness.estimate.histories import histories_from_table
    from bearwitness.linkage.options import STRATA
    from bearwitness.services import linking

    if unknown := sorted(set(strata) - set(STRATA)):
        raise InputError(
            Phrase("unknown stratum %(strata)s", strata=", ".join(unknown)),
            hint=Phrase("Choose from %(strata)s.", strata=", ".join(STRATA)),
        )
    with archive.engine.connect() as connection:
        run = linking.latest_run(connection, run_id)
    frame = linking.histories(archive, strata=strata, run_id=run.id)
    lists = [c for c in frame.columns if c not in {"count", *strata}]
    return ArchiveHistories(
        histories_from_table(frame, lists=lists, strata=strata),
        f"{archive.folder.name} {run.id}",
        run.id,
    )


def inputs_digest(inputs: Iterable[bytes], link_run_id: str | None = None) -> str:
    """SHA-256 over what an estimate read: its input files, or the linkage run it counted."""
    digest = hashlib.sha256()
    for content in inputs:
        digest.update(content)
    if link_run_id is not None:
        digest.update(link_run_id.encode())
    return digest.hexdigest()


def estimate_archive(
    archive: Archive,
    *,
    method: str = "lcmcr",
    strata: tuple[str, ...] = (),
    seed: int = 0,
    options: Options | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int | None], None] | None = None,
) -> tuple[EstimateResult, StoredEstimate]:
    """Count the persons of the newest linkage run, estimate, and keep the result (logged).

    What ``bearwitness estimate --archive ARCHIVE`` and the workbench's form both do.
    ``on_total`` hears how many sampler sweeps ``progress`` will count (None: unknown).
    """
    from bearwitness.estimate.estimation import Options, estimate

    if method not in METHODS:
        raise InputError(
            Phrase("unknown method %(value)s", value=repr(method)),
            hint=Phrase("Use one of %(codes)s.", codes=", ".join(METHODS)),
        )
    options = options or Options()
    counted = archive_histories(archive, strata)
    if on_total is not None:
        on_total(sweeps(method, options, len(counted.strata)))
    result = estimate(
        counted.strata,
        method=method,
        seed=seed,
        options=options,
        strata_columns=strata,
        source=counted.source,
        progress=progress,
    )
    kept = record_estimate(
        archive,
        result.as_dict(),
        inputs_sha256=inputs_digest([], counted.link_run_id),
        link_run_id=counted.link_run_id,
    )
    return result, kept


def estimate_files(
    *,
    histories: Path | None = None,
    records: Path | None = None,
    pairs: Path | None = None,
    method: str = "lcmcr",
    strata: tuple[str, ...] = (),
    seed: int = 0,
    options: Options | None = None,
    linkages: int = 20,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int | None], None] | None = None,
) -> EstimateResult:
    """Estimate from files, without an archive: a capture-history CSV, or linked records and
    their scored pairs (``linkages`` sampled linkages carry the linkage uncertainty).

    What ``bearwitness estimate`` does with files; keep the result with :func:`keep_estimate`.
    """
    from bearwitness.estimate.estimation import Options, estimate

    options = options or Options()
    if records is not None or pairs is not None:
        if records is None or pairs is None or histories is not None:
            raise InputError(
                "Give either a capture-history CSV, or both --records and --pairs.",
                hint="Linked data needs the records and the candidate pairs together.",
            )
        from bearwitness.estimate.linkage_uncertainty import estimate_with_linkage

        record_table, pair_table = _read_csv(records), _read_csv(pairs)
        if on_total is not None:
            on_total(sweeps(method, options, linkages))
        return estimate_with_linkage(
            record_table,
            pair_table,
            strata=strata,
            method=method,
            linkages=linkages,
            seed=seed,
            options=options,
            progress=progress,
        )
    if histories is None:
        raise InputError(
            "No capture-history CSV given.",
            hint="Run `bearwitness estimate histories.csv`, or "
            "`bearwitness estimate --archive ARCHIVE` after `link`.",
        )
    from bearwitness.estimate.histories import read_histories_csv

    table = read_histories_csv(histories, strata=strata)
    if on_total is not None:
        on_total(sweeps(method, options, len(table)))
    return estimate(
        table,
        method=method,
        seed=seed,
        options=options,
        strata_columns=strata,
        source=histories.name,
        progress=progress,
    )


def keep_estimate(archive: Archive, result: EstimateResult, inputs: list[Path]) -> StoredEstimate:
    """Keep an estimate made from ``inputs`` (files) in the archive, logged."""
    digest = inputs_digest([path.read_bytes() for path in inputs])
    return record_estimate(archive, result.as_dict(), inputs_sha256=digest)


def _read_csv(path: Path) -> pd.DataFrame:
    import pandas as pd

    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise InputError(f"No file at {path}.", hint="Check the path.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(
            f"{path} is not a readable CSV file ({type(error).__name__}).",
            hint="Save it as comma-separated values with a header row.",
        ) from None


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

    if stored.sealed:
        raise LockedError(
            Phrase("the strata of %(id)s are sealed", id=stored.id),
            hint=Phrase("Unlock the archive to see its charts."),
        )
    strata = stored.result.get("strata") or {}
    if chart not in CHARTS or not strata:
        raise NotFound(
            Phrase("no %(chart)s chart for %(id)s", chart=chart, id=stored.id),
            hint=Phrase("Charts: %(charts)s.", charts=", ".join(CHARTS)),
        )
    labels = list(strata)
    if chart == "overlaps":
        if not 0 <= stratum < len(labels):
            raise NotFound(
                Phrase("%(id)s has no stratum %(n)s", id=stored.id, n=stratum + 1),
                hint=Phrase("It has %(n)s.", n=len(labels)),
            )
        lists = stored.result.get("inputs", {}).get("lists") or []
        histories = histories_from_patterns(strata[labels[stratum]]["patterns"], lists)

        def draw() -> Figure:
            return charts.draw_overlaps(histories)
    else:
        intervals = {
            label: Interval(
                *(_bound(strata[label]["N"][key]) for key in ("median", "lower", "upper"))
            )
            for label in labels
        }
        documented = {label: int(strata[label]["n_observed"]) for label in labels}

        def draw() -> Figure:
            return charts.draw_strata(
                intervals, documented, title="Documented and estimated, 95% interval"
            )

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
    return [_stored(archive, row._asdict()) for row in rows]


def get_estimate(archive: Archive, run_id: str) -> StoredEstimate:
    with archive.engine.connect() as connection:
        row = connection.execute(
            select(estimate_runs).where(estimate_runs.c.id == run_id)
        ).one_or_none()
    if row is None:
        raise NotFound(
            Phrase("no estimate %(id)s", id=run_id),
            hint=Phrase(
                "See them on the estimates page, or list them with `bearwitness estimates`."
            ),
        )
    return _stored(archive, row._asdict())


def estimate_problems(
    archive: Archive, connection: Connection, logged: dict[str, LogEntry]
) -> list[str]:
    """What verification finds wrong with the kept runs, given the newest logged ``estimate``
    entry of each run id: a run changed, kept without being logged, or logged and gone.
    A run with sealed strata is checked against the logged hashes of its parts locked, and
    against its commitment once unlocked."""
    problems, kept = [], set()
    for row in connection.execute(select(estimate_runs)).all():
        kept.add(row.id)
        name, entry = f"estimate {row.id}", logged.get(row.id)
        problem = kept_row_problem(name, entry, row.commitment, row.sealed)
        if problem is None and row.sealed is None:
            if commit(bytes(row.salt), row.result.encode()) != row.commitment:
                problem = f"{name}: its result no longer gives the logged commitment (altered)"
        elif problem is None:
            problem = _sealed_run_problem(archive, row._asdict(), entry)
        if problem:
            problems.append(problem)
    return problems + gone_problems("estimate", logged, kept)


def _sealed_run_problem(
    archive: Archive, row: dict[str, Any], entry: LogEntry | None
) -> str | None:
    name = f"estimate {row['id']}"
    if entry is None or not entry.row_sha256 or not entry.sealed_sha256:
        return f"{name}: its strata are sealed but the log does not name their hashes (altered)"
    if _clear_digest(row["result"]) != entry.row_sha256:
        return f"{name}: it differs from what the log holds (altered)"
    if archive.locked:
        return None  # its commitment is recomputed when unlocked
    try:
        result, salt = _open(archive, row)
    except BearWitnessError as error:
        return f"{name}: {error.message}"
    if commit(salt, canonical_json(result)) != row["commitment"]:
        return f"{name}: its result no longer gives the logged commitment (altered)"
    return None


def _open(archive: Archive, row: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """A sealed run's whole result document and its salt."""
    opened = json.loads(
        archive.sealer.open(bytes(row["sealed"]), _context(row["id"]), what=f"estimate {row['id']}")
    )
    result = {**json.loads(row["result"]), **opened["parts"]}
    return result, base64.b64decode(opened["salt"])


def _next_id(connection: Connection) -> str:
    count = int(connection.scalar(select(func.count()).select_from(estimate_runs)) or 0)
    return f"{PREFIX}-{count + 1:04d}"


def _stored(archive: Archive, row: dict[str, Any]) -> StoredEstimate:
    """A kept run as it may be shown: whole when unsealed or unlocked, else its clear part."""
    sealed = row.get("sealed") is not None and archive.locked
    if row.get("sealed") is None or sealed:
        result = json.loads(row["result"])
    else:
        result, _ = _open(archive, row)
    return StoredEstimate(
        row["id"],
        row["recorded_at"],
        row["method"],
        row["link_run_id"],
        row["inputs_sha256"],
        result,
        row["commitment"],
        sealed,
    )


def options(
    method: str,
    *,
    k: int,
    burnin: int,
    samples: int,
    thinning: int,
    chains: int,
    criterion: str,
    delta: float | None,
    sensitivity: bool,
) -> Options:
    """The settings of an estimate; an unknown ``method`` is refused."""
    from bearwitness.estimate.estimation import METHODS as KNOWN
    from bearwitness.estimate.estimation import Options
    from bearwitness.estimate.lcmcr import LcmcrSettings

    if method not in KNOWN:
        raise InputError(
            Phrase("Unknown method %(value)s.", value=repr(method)),
            hint=Phrase("Use one of %(codes)s.", codes=", ".join(KNOWN)),
        )
    settings = LcmcrSettings(K=k, burnin=burnin, samples=samples, thinning=thinning, chains=chains)
    return Options(lcmcr=settings, criterion=criterion, delta=delta, sensitivity=sensitivity)


def write_charts(result: EstimateResult, folder: Path) -> list[Path]:
    """Overlap and posterior charts per stratum, and the strata chart when stratified."""
    from bearwitness.estimate import charts

    written: list[Path] = []
    for index, (label, stratum) in enumerate(result.strata.items()):
        stem = "all" if len(result.strata) == 1 else f"stratum-{index + 1}"
        written += charts.save(charts.draw_overlaps(stratum.histories), folder / f"{stem}-overlaps")
        if stratum.values is not None:
            title = "How many people in total?" + ("" if stem == "all" else f" ({label})")
            figure = charts.draw_posterior(
                stratum.values, stratum.weights, stratum.histories.n_observed, stratum.N, title
            )
            written += charts.save(figure, folder / f"{stem}-posterior")
    if len(result.strata) > 1:
        figure = charts.draw_strata(
            {k: s.N for k, s in result.strata.items()},
            {k: s.histories.n_observed for k, s in result.strata.items()},
        )
        written += charts.save(figure, folder / "strata")
    return written
