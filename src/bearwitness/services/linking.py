"""Linking an archive's person records: one run, kept whole and logged in one transaction.

A run opens every PersonRecord in memory (names never leave it), links them
with :mod:`bearwitness.linkage` under the review decisions in force, and then,
in one database transaction:

- keeps every scored pair and each record's cluster under a new run id
  (``LR-0001``), sealed with the run's salt and model (``link_runs.sealed``): which
  records are one person is what a locked archive must not tell, so only the run's
  counts are clear, and reading its pairs or clusters needs an unlock;
- resolves each cluster to a Person: the person most of its records already
  point at (one person per cluster; a split cluster keeps the person for its
  larger part), or a new Person otherwise. PersonRecords whose ``person_id`` (a sealed
  field) changes get a new version, like any other change, and so do those whose clear
  ``person_id`` migration 0007 removed (``legacy_person_rows``);
- appends the transparency-log entries: ``create`` for each new Person,
  ``update`` for each re-pointed PersonRecord, and one ``link_decision`` entry
  (record type ``link_run``) committing to the run's settings, pairs and clusters.

Persons that lose all their records are left as they are: acts and
interventions may point at them. Everything is written through
:func:`bearwitness.services.writing.write_change`, the one write path.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import math
import secrets as _random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Connection, delete, func, select

from bearwitness.domain.records import Person, PersonRecord
from bearwitness.errors import (
    ArchiveError,
    BearWitnessError,
    InputError,
    LockedError,
    NotFound,
    Phrase,
)
from bearwitness.linkage.features import ROLES, Features, build_features
from bearwitness.linkage.features import Problem as Problem  # the interfaces show them
from bearwitness.linkage.options import LinkOptions
from bearwitness.services._ledger import gone_problems, kept_row_problem
from bearwitness.services._sealing import (
    SEARCH_KEY_PURPOSE,
    open_fields,
    open_record,
    open_version,
    seal_record,
)
from bearwitness.services.archive import Archive
from bearwitness.services.writing import Change, write_change
from bearwitness.services.writing import log_entry as record_entry
from bearwitness.store import rows as store
from bearwitness.store.schema import (
    RECORD_TABLES,
    legacy_person_rows,
    link_runs,
    record_versions,
)
from bearwitness.tlog.entry import LogEntry, canonical_json, commit

if TYPE_CHECKING:
    from bearwitness.linkage.linker import LinkResult
    from bearwitness.linkage.scoring import Scores

UNLISTED = "unlisted"  # the list of a person record that names none
_SEX = {"m": "male", "f": "female"}
PAIR_COLUMNS = ["left_id", "right_id", "probability", "decision"]
CLUSTER_COLUMNS = ["record_id", "cluster_id", "person_id", "link_probability"]
# Links the model made but the clustering refused, because two records the link would
# join cannot be one person (``reason``: a rule of linkage.hazards; ``between``: those
# two records): kept with the run so that review takes them first.
REFUSED_COLUMNS = ["left_id", "right_id", "probability", "reason", "between"]
SEALED_LINKS = (
    Phrase("which records are one person is sealed in the archive"),
    Phrase(
        "Unlock the archive first (`bearwitness unlock ARCHIVE`, or a custodian in the "
        "workbench); locked, a run shows its counts only."
    ),
)


@dataclass(frozen=True)
class RunSummary:
    id: str
    actor: str
    started_at: str
    threshold: float
    seed: int
    records: int
    pairs: int
    persons: int
    decisions: int
    commitment: str


@dataclass(frozen=True)
class ArchiveLinkResult:
    run: RunSummary
    new_persons: int
    repointed: int  # person records written anew (their person changed, or was unsealed)
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]
    log_start: int


@dataclass(frozen=True)
class ListsLinkResult:
    """What :func:`link_lists` found in CSV lists, linked without an archive."""

    records: pd.DataFrame  # the rows read, one per list entry
    features: Features
    linked: LinkResult  # the records with their clusters, and the scored pairs

    def histories(self, lists: list[str], strata: tuple[str, ...] = ()) -> pd.DataFrame:
        from bearwitness.linkage.counting import capture_histories

        return capture_histories(self.linked.records, self.features, lists, strata)

    def pairs(self) -> pd.DataFrame:
        """The scored pairs as ``bearwitness estimate --pairs`` reads them."""
        from bearwitness.linkage.counting import estimation_pairs

        return estimation_pairs(self.linked.pairs)


def link_lists(
    files: list[Path],
    columns: Path,
    *,
    options: LinkOptions | None = None,
    step: Callable[[str], None] | None = None,
) -> ListsLinkResult:
    """Read CSV lists (which column holds what: the TOML file ``columns``), normalise and
    link them; ``step`` hears what is being done. What ``bearwitness link lists`` does."""
    from bearwitness.linkage.engine import duckdb_api
    from bearwitness.linkage.linker import link
    from bearwitness.linkage.listfiles import read_columns, read_lists

    say = step or (lambda _: None)
    spec = read_columns(columns)
    say("Reading lists")
    records = read_lists(files, spec)
    say(f"Normalising {len(records)} records")
    features = build_features(records)
    say("Training and scoring pairs")
    return ListsLinkResult(records, features, link(features, duckdb_api(), options=options))


@dataclass(frozen=True)
class RunLinks:
    """A run's scored pairs and clusters, opened in memory (they are sealed at rest)."""

    pairs: pd.DataFrame  # PAIR_COLUMNS
    clusters: pd.DataFrame  # CLUSTER_COLUMNS
    refused: pd.DataFrame = dataclasses.field(  # REFUSED_COLUMNS (none for older runs)
        default_factory=lambda: pd.DataFrame(columns=REFUSED_COLUMNS)
    )


def options(*, threshold: float, seed: int) -> LinkOptions:
    """The settings of a linkage run."""
    return LinkOptions(threshold=threshold, seed=seed)


def score_links(clusters: pd.DataFrame, truth: pd.Series) -> Scores:
    """Precision and recall of a linkage (``clusters``: record_key, cluster_id) against a
    labelled sample (``truth``: person ids by record key)."""
    from bearwitness.linkage.scoring import score

    return score(clusters, truth)


def uncertain_links(pairs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Scored pairs, the least certain (nearest ``threshold``) first."""
    from bearwitness.linkage.review import review_queue

    return review_queue(pairs, threshold)


def require_unlocked(archive: Archive) -> None:
    """LockedError, saying that links are sealed, unless the archive is unlocked."""
    if archive.locked:
        raise LockedError(SEALED_LINKS[0], hint=SEALED_LINKS[1])
    archive.require_secrets()


def read_person_records(archive: Archive) -> tuple[pd.DataFrame, dict[str, int]]:
    """Every live PersonRecord opened in memory (``list``, ``record_id`` = its id, the roles,
    ``person_id``, ``fictional``, ``legacy``), and the version of each as read. Needs an
    unlock. A ``legacy`` record is one whose clear person id migration 0007 removed: its
    person is read from its sealed version, and the next run writes it anew."""
    require_unlocked(archive)
    rows: list[dict[str, Any]] = []
    versions: dict[str, int] = {}
    sealer = archive.sealer
    with archive.engine.connect() as connection:
        legacy: dict[str, int] = dict(connection.execute(select(legacy_person_rows)).all())
        for stored in store.query_records(connection, "person_record"):
            record_id = stored.clear["id"]
            record = open_record(sealer, stored, record_id)
            assert isinstance(record, PersonRecord)
            old = legacy.get(record_id) == stored.version
            person_id = record.person_id
            if old and "person_id" not in open_fields(sealer, stored, record_id):
                version = next(
                    v
                    for v in store.fetch_versions(connection, "person_record", record_id)
                    if v.version == stored.version
                )
                logged, _ = open_version(sealer, version)
                person_id = getattr(logged, "person_id", None)
            row: dict[str, Any] = {role: getattr(record, role) for role in ROLES}
            row.update(
                list=record.list_name or UNLISTED,
                record_id=record_id,
                person_id=person_id,
                fictional=record.fictional,
                legacy=old,
            )
            rows.append(row)
            versions[record_id] = stored.version
    columns = ["list", "record_id", *ROLES, "person_id", "fictional", "legacy"]
    return pd.DataFrame(rows, columns=columns), versions


def decisions_in_force(archive: Archive, connection: Connection) -> pd.DataFrame:
    """Review decisions in force (``left_id``, ``right_id`` as record ids, ``decision``);
    their ids are sealed, so this needs an unlock."""
    from bearwitness.linkage.review import current_decisions
    from bearwitness.services.link_review import decision_log

    return current_decisions(decision_log(archive, connection))


def link_archive(
    archive: Archive, *, options: LinkOptions | None = None, api: Any = None
) -> ArchiveLinkResult:
    """Link the archive's person records, keep the run and resolve persons (needs an unlock)."""
    from bearwitness.linkage.engine import duckdb_api
    from bearwitness.linkage.linker import link, record_keys

    options = options or LinkOptions()
    records, versions = read_person_records(archive)
    if len(records) < 2:
        raise InputError(
            Phrase(
                "the archive holds %(n)s person record(s); linkage needs two or more",
                n=len(records),
            ),
            hint=Phrase("Import lists of persons (type person_record) first."),
        )
    features = build_features(records[["list", "record_id", *ROLES]])
    keys = record_keys(features.table)
    key_of = pd.Series(keys.to_numpy(), index=features.table["record_id"].to_numpy())
    id_of = pd.Series(features.table["record_id"].to_numpy(), index=keys.to_numpy())
    with archive.engine.connect() as connection:
        decided = decisions_in_force(archive, connection)
    known = decided["left_id"].isin(key_of.index) & decided["right_id"].isin(key_of.index)
    decided = decided[known]
    as_keys = pd.DataFrame(
        {
            "left_id": key_of.reindex(decided["left_id"]).to_numpy(),
            "right_id": key_of.reindex(decided["right_id"]).to_numpy(),
            "decision": decided["decision"].to_numpy(),
        }
    )
    result = link(
        features, api if api is not None else duckdb_api(), options=options, decisions=as_keys
    )
    pairs = pd.DataFrame(
        {
            "left_id": id_of.reindex(result.pairs["left_id"]).to_numpy(),
            "right_id": id_of.reindex(result.pairs["right_id"]).to_numpy(),
            "probability": result.pairs["probability"].astype(float).to_numpy(),
            "decision": result.pairs["decision"].fillna("").astype(str).to_numpy(),
        }
    )
    ordered = pairs[["left_id", "right_id"]]
    pairs = (
        pairs.assign(left_id=ordered.min(axis=1), right_id=ordered.max(axis=1))
        .sort_values(["left_id", "right_id"])
        .reset_index(drop=True)
    )
    clusters = pd.DataFrame(
        {
            "record_id": result.records["record_id"].astype(str).to_numpy(),
            "cluster": result.records["cluster_id"].to_numpy(),
            "link_probability": result.records["link_probability"].to_numpy(dtype=float),
        }
    )
    clusters["cluster_id"] = clusters.groupby("cluster")["record_id"].transform("min")
    clusters = clusters.drop(columns="cluster").merge(
        records[["record_id", "person_id", "fictional", "legacy"]], on="record_id", how="left"
    )
    clusters["sex"] = features.table["sex"].to_numpy()
    refused = result.refused.assign(
        left_id=id_of.reindex(result.refused["left_id"]).to_numpy(),
        right_id=id_of.reindex(result.refused["right_id"]).to_numpy(),
        between=[
            " / ".join(str(id_of.get(key, key)) for key in str(text).split(" / "))
            for text in result.refused["between"]
        ],
    )
    return _persist(
        archive,
        records,
        versions,
        pairs,
        clusters,
        refused[REFUSED_COLUMNS],
        len(decided),
        options,
        features,
        result.model_json,
        result.notes,
    )


def _assign_persons(clusters: pd.DataFrame) -> dict[str, str | None]:
    """Cluster id -> the existing person it keeps (None: a new person is needed)."""
    votes = (
        clusters[clusters["person_id"].notna()]
        .groupby(["cluster_id", "person_id"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["n", "cluster_id", "person_id"], ascending=[False, True, True])
    )
    chosen: dict[str, str | None] = dict.fromkeys(clusters["cluster_id"].unique())
    claimed: set[str] = set()
    for row in votes.itertuples(index=False):
        if chosen[row.cluster_id] is None and row.person_id not in claimed:
            chosen[row.cluster_id] = str(row.person_id)
            claimed.add(str(row.person_id))
    return chosen


def _committed(run: RunSummary, pairs: pd.DataFrame, clusters: pd.DataFrame) -> dict[str, Any]:
    """What a run's log entry commits to: its summary and digests of its pairs and clusters."""
    return {
        "type": "link_run",
        **{
            k: v for k, v in dataclasses.asdict(run).items() if k not in ("commitment", "threshold")
        },
        "threshold": repr(float(run.threshold)),
        "pairs_sha256": _digest(pairs, PAIR_COLUMNS),
        "clusters_sha256": _digest(clusters, CLUSTER_COLUMNS),
    }


def _context(run_id: str) -> bytes:
    return f"link_run:{run_id}".encode()


def _columns(frame: pd.DataFrame, columns: list[str]) -> dict[str, list[Any]]:
    """A frame as JSON-able columns; NaN as null, floats kept exactly (JSON writes repr)."""
    return {
        name: [
            None if isinstance(v, float) and math.isnan(v) else v
            for v in frame[name].astype(object).tolist()
        ]
        for name in columns
    }


def _frame(columns: dict[str, list[Any]], names: list[str]) -> pd.DataFrame:
    return pd.DataFrame({name: columns[name] for name in names}, columns=names)


def _open_run(archive: Archive, run_id: str, sealed: bytes) -> dict[str, Any]:
    opened: dict[str, Any] = json.loads(
        archive.sealer.open(sealed, _context(run_id), what=f"link run {run_id}")
    )
    return opened


def run_problems(
    archive: Archive, connection: Connection, logged: dict[str, LogEntry]
) -> list[str]:
    """What verification finds wrong with the kept link runs, given their logged entries
    by run id: a run, its pairs or its clusters changed, unlogged, or removed. Locked, the
    sealed pairs and clusters are checked against the logged hash of their ciphertext;
    unlocked, against the run's commitment too. A run kept before migration 0007 has no
    pairs or clusters left to check (the migration dropped them, being clear)."""
    problems, kept = [], set()
    for row in connection.execute(select(link_runs)).all():
        kept.add(row.id)
        name, entry = f"link run {row.id}", logged.get(row.id)
        if problem := kept_row_problem(name, entry, row.commitment, row.sealed):
            problems.append(problem)
            continue
        assert entry is not None  # kept_row_problem found it logged
        if _text_digest(row.histories) != entry.row_sha256:  # both None before 0007
            problems.append(f"{name}: its counts differ from what the log holds (altered)")
            continue
        if archive.locked:
            continue  # its pairs and clusters are checked against the commitment when unlocked
        try:
            opened = _open_run(archive, row.id, row.sealed)
        except BearWitnessError as error:
            problems.append(f"{name}: {error.message}")
            continue
        if "pairs" not in opened:
            continue  # kept before 0007: only the sealed hash above is left to check
        run = RunSummary(
            **{k: v for k, v in row._mapping.items() if k not in ("sealed", "histories")}
        )
        committed = _committed(
            run,
            _frame(opened["pairs"], PAIR_COLUMNS),
            _frame(opened["clusters"], CLUSTER_COLUMNS),
        )
        if commit(base64.b64decode(opened["salt"]), canonical_json(committed)) != row.commitment:
            problems.append(f"{name}: its pairs or clusters were changed after it was logged")
    return problems + gone_problems("link run", logged, kept)


def _digest(frame: pd.DataFrame, columns: list[str]) -> str:
    """SHA-256 of the frame's rows, sorted, as ``a,b,c\\n`` text, floats written exactly."""
    digest = hashlib.sha256()
    for row in frame[columns].sort_values(columns[:2]).itertuples(index=False):
        digest.update(
            (
                ",".join(
                    ""
                    if v is None or v != v
                    else repr(float(v))
                    if isinstance(v, float)
                    else str(v)
                    for v in row
                )
                + "\n"
            ).encode()
        )
    return digest.hexdigest()


def _counts(clusters: pd.DataFrame) -> str:
    """The capture-history counts of a run over all its lists, as kept in the clear."""
    from bearwitness.linkage.counting import capture_histories

    lists = sorted(set(clusters["list"]))
    table = capture_histories(clusters, Features(pd.DataFrame(), ()), lists)
    rows = [[int(v) for v in row] for row in table[[*lists, "count"]].itertuples(index=False)]
    return canonical_json({"lists": lists, "rows": rows}).decode()


def _text_digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


def _marginal(kept: str, lists: list[str] | None) -> pd.DataFrame:
    """Capture histories over ``lists`` (all when None) from a run's kept counts: what
    :func:`capture_histories` gives from the clusters, without them."""
    data = json.loads(kept)
    every: list[str] = data["lists"]
    table = pd.DataFrame(data["rows"], columns=[*every, "count"])
    chosen = every if not lists else list(lists)
    if unknown := set(chosen) - set(every):
        raise InputError(
            Phrase("%(n)s chosen list(s) are not among the linked lists.", n=len(unknown)),
            hint=Phrase("Use the list names (file stems) that were linked."),
        )
    table = table.groupby(chosen, as_index=False)["count"].sum()
    table = table[table[chosen].sum(axis=1) > 0]
    return table.sort_values(chosen, ascending=False).reset_index(drop=True)[[*chosen, "count"]]


def _next_run_id(connection: Connection) -> str:
    ids = connection.scalars(select(link_runs.c.id))
    numbers = [int(value.rsplit("-", 1)[-1]) for value in ids]
    return f"LR-{max(numbers, default=0) + 1:04d}"


def _persist(
    archive: Archive,
    records: pd.DataFrame,
    versions: dict[str, int],
    pairs: pd.DataFrame,
    clusters: pd.DataFrame,
    refused: pd.DataFrame,
    decisions: int,
    options: LinkOptions,
    features: Features,
    model_json: dict[str, Any],
    notes: tuple[str, ...],
) -> ArchiveLinkResult:
    secrets = archive.require_secrets()
    search_key, at, sealer = secrets.subkey(SEARCH_KEY_PURPOSE), archive.now(), archive.sealer
    chosen = _assign_persons(clusters)

    def prepare(connection: Connection) -> tuple[Change, tuple[RunSummary, int, int]]:
        table = RECORD_TABLES["person_record"]
        now = dict(
            connection.execute(
                select(table.c.id, table.c.version).where(table.c.deleted.is_(False))
            ).all()
        )
        if now != versions:
            raise ArchiveError(
                Phrase("person records changed while the linkage ran"),
                hint=Phrase(
                    "Run the linkage again (`bearwitness link ARCHIVE`, or on the linkage page)."
                ),
            )
        run_id = _next_run_id(connection)
        number = store.next_number(connection, "person")
        change = Change()
        groups = clusters.groupby("cluster_id")
        for cluster_id in sorted(cid for cid, person in chosen.items() if person is None):
            members = groups.get_group(cluster_id)
            sexes = set(members["sex"].dropna())
            person = Person(
                id=f"P-{number:04d}",
                role="victim",
                sex=_SEX.get(sexes.pop(), "unknown") if len(sexes) == 1 else "unknown",
                fictional=bool(members["fictional"].all()),
                notes=f"Resolved by record linkage, run {run_id}.",
            )
            number += 1
            chosen[cluster_id] = person.id
            change.created.append(
                seal_record(
                    sealer,
                    search_key,
                    person,
                    version=1,
                    actor=archive.actor,
                    at=at,
                    operation="create",
                )
            )
        clusters["person_id_new"] = clusters["cluster_id"].map(chosen)
        moved = clusters[
            (clusters["person_id"].fillna("") != clusters["person_id_new"])
            | clusters["legacy"].astype(bool)
        ]
        previous = (
            {
                f"{i}@{v}": c
                for i, v, c in connection.execute(
                    select(
                        record_versions.c.id,
                        record_versions.c.version,
                        record_versions.c.commitment,
                    ).where(record_versions.c.kind == "person_record")
                )
            }
            if len(moved)
            else {}
        )
        updates = []
        for row in moved.itertuples(index=False):
            stored = store.fetch_record(connection, "person_record", row.record_id)
            assert stored is not None
            record = open_record(sealer, stored, row.record_id)
            updated = dataclasses.replace(record, person_id=row.person_id_new)  # type: ignore[call-arg]
            item = seal_record(
                sealer,
                search_key,
                updated,
                version=stored.version + 1,
                actor=archive.actor,
                at=at,
                operation="update",
            )
            change.updated.append(item)
            updates.append((item, previous[f"{row.record_id}@{stored.version}"]))
        kept = clusters.sort_values("record_id")[
            ["record_id", "cluster_id", "person_id_new", "link_probability"]
        ].rename(columns={"person_id_new": "person_id"})
        run = RunSummary(
            run_id,
            archive.actor,
            at,
            options.threshold,
            options.seed,
            len(records),
            len(pairs),
            int(kept["cluster_id"].nunique()),
            decisions,
            "",
        )
        salt = _random.token_bytes(32)
        run = dataclasses.replace(
            run, commitment=commit(salt, canonical_json(_committed(run, pairs, kept)))
        )
        sealed = sealer.seal(
            json.dumps(
                {
                    "salt": base64.b64encode(salt).decode(),
                    "model": model_json,
                    "pairs": _columns(pairs, PAIR_COLUMNS),
                    "clusters": _columns(kept, CLUSTER_COLUMNS),
                    "refused": _columns(refused, REFUSED_COLUMNS),
                }
            ).encode(),
            _context(run_id),
        )
        counts = _counts(kept.merge(records[["record_id", "list"]], on="record_id"))
        change.rows.append(
            (
                link_runs,
                [{**dataclasses.asdict(run), "sealed": sealed, "histories": counts}],
            )
        )
        rewritten = sorted(moved["record_id"].loc[moved["legacy"].astype(bool)])
        if rewritten:
            change.statements.append(
                delete(legacy_person_rows).where(legacy_person_rows.c.id.in_(rewritten))
            )
        change.entries += [record_entry(item, "create", None) for item in change.created]
        change.entries += [record_entry(item, "update", before) for item, before in updates]
        change.entries.append(
            LogEntry(
                kind="link_decision",
                record_type="link_run",
                record_id=run_id,
                version=1,
                commitment=run.commitment,
                actor=archive.actor,
                time=at,
                sealed_sha256=hashlib.sha256(sealed).hexdigest(),
                row_sha256=_text_digest(counts),
            )
        )
        return change, (run, len(change.created), len(updates))

    (run, new_persons, repointed), start = write_change(archive, prepare)
    if records["legacy"].any():
        _forget_legacy_rows(archive)
    return ArchiveLinkResult(run, new_persons, repointed, features.problems, notes, start)


def _forget_legacy_rows(archive: Archive) -> None:
    """After the rows migration 0007 left were written anew: on SQLite, rebuild the file so
    that no freed page keeps their old ciphertext, which the log's old row hashes (taken
    over the clear ``person_id``) would let anyone test guesses of their person against."""
    if archive.engine.dialect.name != "sqlite":
        return
    with archive.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def latest_run(connection: Connection, run_id: str | None = None) -> RunSummary:
    """The run ``run_id``, or the latest one; NotFound when there is none. Its counts only:
    works locked."""
    statement = select(link_runs).order_by(link_runs.c.started_at.desc(), link_runs.c.id.desc())
    if run_id is not None:
        statement = select(link_runs).where(link_runs.c.id == run_id)
    row = connection.execute(statement).first()
    if row is None:
        raise NotFound(
            Phrase("no linkage run %(id)s", id=run_id)
            if run_id
            else Phrase("this archive was never linked"),
            hint=Phrase(
                "Run the linkage first (`bearwitness link ARCHIVE`, or on the linkage page); "
                "it needs an unlock."
            ),
        )
    values = {k: v for k, v in row._mapping.items() if k not in ("sealed", "histories")}
    return RunSummary(**values)


def newest_run(archive: Archive, run_id: str | None = None) -> RunSummary:
    """:func:`latest_run`, on a connection of its own (works locked)."""
    with archive.engine.connect() as connection:
        return latest_run(connection, run_id)


def cluster_sizes(archive: Archive, run_id: str) -> list[tuple[int, int]]:
    """(records per person, persons) of a run, smallest first. Needs an unlock: the
    clusters are sealed."""
    with archive.engine.connect() as connection:
        clusters = run_links(archive, connection, run_id).clusters
    sizes = clusters.groupby("cluster_id").size().value_counts().sort_index()
    return [(int(size), int(count)) for size, count in sizes.items()]


def run_links(archive: Archive, connection: Connection, run_id: str) -> RunLinks:
    """A run's pairs and clusters, opened in memory (needs an unlock). Clusters carry each
    record's ``list`` (a clear field of the record)."""
    require_unlocked(archive)
    sealed = connection.scalar(select(link_runs.c.sealed).where(link_runs.c.id == run_id))
    if sealed is None:
        raise NotFound(
            Phrase("no linkage run %(id)s", id=run_id),
            hint=Phrase(
                "Run the linkage first (`bearwitness link ARCHIVE`, or on the linkage page)."
            ),
        )
    opened = _open_run(archive, run_id, bytes(sealed))
    if "pairs" not in opened:
        raise NotFound(
            Phrase(
                "linkage run %(id)s was kept before links were sealed; the upgrade removed "
                "its clear pairs and clusters",
                id=run_id,
            ),
            hint=Phrase(
                "Run the linkage again (`bearwitness link ARCHIVE`, or on the linkage page): "
                "the new run keeps them sealed."
            ),
        )
    pairs = _frame(opened["pairs"], PAIR_COLUMNS).astype({"probability": float})
    clusters = _frame(opened["clusters"], CLUSTER_COLUMNS).astype({"link_probability": float})
    table = RECORD_TABLES["person_record"]
    lists = dict(connection.execute(select(table.c.id, table.c.list_name)).all())
    clusters["list"] = [lists.get(r) or UNLISTED for r in clusters["record_id"]]
    clusters = clusters[clusters["record_id"].isin(lists.keys())].reset_index(drop=True)
    refused = _frame(
        opened.get("refused", {key: [] for key in REFUSED_COLUMNS}), REFUSED_COLUMNS
    ).astype({"probability": float})
    return RunLinks(pairs, clusters, refused)


def run_pairs(archive: Archive, connection: Connection, run_id: str) -> pd.DataFrame:
    """``left_id``, ``right_id`` (record ids), ``probability``, ``decision`` of a run."""
    return run_links(archive, connection, run_id).pairs


def run_clusters(archive: Archive, connection: Connection, run_id: str) -> pd.DataFrame:
    """``record_id``, ``cluster_id``, ``person_id``, ``link_probability``, ``list``."""
    return run_links(archive, connection, run_id).clusters


def count_runs(connection: Connection) -> int:
    return int(connection.scalar(select(func.count()).select_from(link_runs)) or 0)


def histories(
    archive: Archive,
    lists: list[str] | None = None,
    strata: tuple[str, ...] = (),
    run_id: str | None = None,
) -> pd.DataFrame:
    """Capture histories of a run's persons over ``lists`` (all the run's lists when None),
    by ``strata``. Without strata they come from the run's clear counts and work locked;
    strata (and runs kept before migration 0007) need the sealed clusters, so an unlock."""
    from bearwitness.linkage.counting import capture_histories

    if lists is not None and any(n > 1 for n in Counter(lists).values()):
        raise InputError(Phrase("a list is named twice"), hint=Phrase("Name each list once."))
    with archive.engine.connect() as connection:
        run = latest_run(connection, run_id)
        kept = connection.scalar(select(link_runs.c.histories).where(link_runs.c.id == run.id))
        if kept is not None and not strata:  # the run's clear counts: works locked
            return _marginal(kept, lists)
        clusters = run_clusters(archive, connection, run.id)
    clusters["record_key"] = clusters["list"] + ":" + clusters["record_id"]
    if strata:
        records, _ = read_person_records(archive)
        records = records[records["record_id"].isin(clusters["record_id"])]
        features = build_features(records[["list", "record_id", *ROLES]])
    else:
        features = Features(pd.DataFrame(), ())
    chosen = sorted(set(clusters["list"])) if not lists else list(lists)
    counted = Counter(chosen)
    if any(n > 1 for n in counted.values()):
        raise InputError(Phrase("a list is named twice"), hint=Phrase("Name each list once."))
    return capture_histories(clusters, features, chosen, strata)


def estimation_inputs(
    archive: Archive, strata: tuple[str, ...] = (), run_id: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What ``bearwitness estimate --records --pairs`` reads, for a run: the records
    (``record_id``, ``list``, strata) and the scored pairs (``left_id``, ``right_id``,
    ``probability``), all named by person record ids. Needs an unlock."""
    with archive.engine.connect() as connection:
        run = latest_run(connection, run_id)
        links = run_links(archive, connection, run.id)
    clusters, pairs = links.clusters, links.pairs
    out = clusters[["record_id", "list"]].reset_index(drop=True)
    if strata:
        from bearwitness.linkage.counting import strata_columns

        records, _ = read_person_records(archive)
        records = records[records["record_id"].isin(clusters["record_id"])]
        features = build_features(records[["list", "record_id", *ROLES]])
        values = strata_columns(features, strata)
        values.index = features.table["record_id"].to_numpy()
        values = values.reindex(out["record_id"])
        for stratum in strata:
            out[stratum] = values[stratum].to_numpy()
    return out, pairs[["left_id", "right_id", "probability"]]
