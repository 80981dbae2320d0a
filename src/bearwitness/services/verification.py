"""Verifying a whole archive against its signed log, offline.

:func:`verify_archive` checks, and names in its report every problem it finds:

1. the log (:func:`bearwitness.tlog.verify.verify_log`): the newest checkpoint's
   signature and witness quorum, every tile and entry bundle against its root,
   and consistency with each older checkpoint given (``--against``);
2. the database's queue of entries against the signed log, entry by entry: an
   entry the log holds but the database lacks means the database was rolled
   back or edited;
3. every record version in the database against its logged commitment: unlocked,
   by opening the version and recomputing the salted commitment; locked, by the
   SHA-256 of its ciphertext. Every logged version must still be in the
   database, each version's entry must name the previous version's commitment,
   and the current row must be the newest version;
4. every evidence file: unlocked, decrypted and hashed against the logged
   SHA-256 of the original; locked, its age file against the logged hash of the
   sealed file;
5. every estimate run kept, every link run (with its pairs and clusters, when
   unlocked) and every review decision, against its logged commitment;
6. the inbox: a batch taken in that a fold failed on is a problem (acknowledged,
   yet not in the archive); batches still waiting are counted;
7. every staff account (``web_users``) against its ``account`` entries: its roles
   and disabled flag must be what its last logged change left.

Entries appended after the newest checkpoint are checked against the database
but are not yet covered by a signature: the report counts them.

The log key is the archive's own ``log.vkey`` unless one is pinned (``pinned``):
whoever can write the folder can replace that file and the signing key, rebuild
the log and sign it again, so only a key obtained elsewhere (or an older
checkpoint kept elsewhere) rules that out. A pinned key that differs from
``log.vkey`` is a problem, and the checkpoints are checked with the pinned one.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from bearwitness.crypto.files import check_file
from bearwitness.domain.records import RECORD_TYPES
from bearwitness.errors import BearWitnessError, VerificationError
from bearwitness.intake.importers import sha256_file
from bearwitness.services import inbox, writing
from bearwitness.services._ledger import read_entries
from bearwitness.services._sealing import (
    open_record,
    open_version,
    open_version_data,
    row_digest,
)
from bearwitness.services.archive import Archive
from bearwitness.services.checkpoints import (
    latest_checkpoint,
    log_verifier,
    unpublished_checkpoint,
    witnesses,
)
from bearwitness.services.estimates import estimate_problems
from bearwitness.services.users import account_problems
from bearwitness.store import rows as store
from bearwitness.tlog.entry import LogEntry, commit, parse_entry
from bearwitness.tlog.note import NoteVerifier
from bearwitness.tlog.verify import verify_log

RECORD_ENTRY_KINDS = frozenset({"create", "update", "delete", "import", "evidence"})


@dataclass
class ArchiveVerification:
    unlocked: bool
    checkpoint_size: int = 0
    older_sizes: tuple[int, ...] = ()
    witnesses: tuple[str, ...] = ()
    entries: int = 0  # in the database queue
    versions_checked: int = 0
    files_checked: int = 0
    unpublished: bool = False  # the checkpoint verified is kept but not yet in log/checkpoint
    key: str = ""  # the log key the checkpoints were checked with (a vkey), once known
    pinned: bool = False  # that key was given by the caller, not read from log.vkey
    inbox_waiting: int = 0  # batches taken in, not yet folded
    leftover_files: list[str] = field(default_factory=list)  # in blobs/, no record's
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def uncovered(self) -> int:
        """Entries not yet covered by a signed checkpoint."""
        return max(0, self.entries - self.checkpoint_size)


def verify_archive(
    archive: Archive, *, against: Sequence[bytes] = (), pinned: NoteVerifier | None = None
) -> ArchiveVerification:
    report = ArchiveVerification(unlocked=not archive.locked, pinned=pinned is not None)
    with archive.engine.connect() as connection:
        queued = dict(read_entries(connection))
    report.entries = len(queued)
    logged = _check_log(archive, against, pinned, report)
    for index in sorted(logged):
        if index not in queued:
            report.problems.append(
                f"entry {index}: in the signed log but missing from the "
                "database (the database was rolled back or edited)"
            )
        elif queued[index] != logged[index]:
            report.problems.append(
                f"entry {index}: the database's copy differs from the signed log"
            )
    # What the records are checked against: the signed log where it reaches, then the queue.
    entries: dict[int, bytes] = {**queued, **logged}
    _check_records(archive, entries, report)
    _check_inbox(archive, report)
    # Not tampering: a write killed before its commit; the next write with files removes them.
    report.leftover_files = writing.orphan_files(archive)
    return report


def _check_inbox(archive: Archive, report: ArchiveVerification) -> None:
    for item in inbox.batches(archive):
        if item.state == "stuck":
            report.problems.append(
                f"inbox batch {item.batch}: taken in but not in the archive, a fold failed"
                + (f" ({item.reason})" if item.reason else "")
                + "; see `bearwitness inbox list`"
            )
        elif item.state == "waiting":
            report.inbox_waiting += 1


def _check_log(
    archive: Archive,
    against: Sequence[bytes],
    pinned: NoteVerifier | None,
    report: ArchiveVerification,
) -> dict[int, bytes]:
    """Entries of the signed log by index; empty (and a problem) if the log fails."""
    collected: dict[int, bytes] = {}
    unpublished = None
    try:
        key = _log_key(archive, pinned, report)
        latest_checkpoint(archive)
        # A newer kept checkpoint than the published one: a checkpoint interrupted before
        # publishing if the tiles hold it, a rolled-back log folder if they do not.
        unpublished = unpublished_checkpoint(archive, key)
        result = verify_log(
            archive.log_dir,
            key,
            checkpoint=unpublished.note if unpublished else None,
            older=against,
            witnesses=witnesses(archive),
            quorum=archive.config.quorum,
            on_entry=lambda index, entry: collected.__setitem__(index, entry),
        )
    except BearWitnessError as error:
        report.problems.append(
            f"log: {error.message}"
            if unpublished is None
            else f"log: the published checkpoint is older than the newest one kept (size "
            f"{unpublished.size}), and the log folder fails against that one: {error.message}. "
            f"The log folder was rolled back, or checkpoints/{unpublished.size} was changed."
        )
        return {}
    report.checkpoint_size = result.checkpoint.checkpoint.size
    report.older_sizes = result.older_sizes
    report.witnesses = result.checkpoint.witnesses
    report.unpublished = unpublished is not None
    return collected


def _log_key(
    archive: Archive, pinned: NoteVerifier | None, report: ArchiveVerification
) -> NoteVerifier:
    """The key to check the checkpoints with: the pinned one if given, else log.vkey."""
    if pinned is None:
        own = log_verifier(archive)
        report.key = own.vkey()
        return own
    report.key = pinned.vkey()
    try:
        own = log_verifier(archive)
    except BearWitnessError as error:
        report.problems.append(
            f"log: {error.message}; the log is checked with the pinned key {key_name(pinned)}"
        )
        return pinned
    if own.vkey() != pinned.vkey():
        report.problems.append(
            f"log: the archive's log.vkey is {key_name(own)}, not the pinned key "
            f"{key_name(pinned)}: the log key was replaced (the log may have been rebuilt "
            "and signed again), or the key pinned is not this archive's"
        )
    return pinned


def key_name(key: NoteVerifier) -> str:
    """``<name>+<hex id>``: how a signed note names its key."""
    return f"{key.name}+{key.key_id.hex()}"


def _check_records(
    archive: Archive, entries: dict[int, bytes], report: ArchiveVerification
) -> None:
    by_version: dict[tuple[str, str, int], tuple[int, LogEntry]] = {}
    estimates: dict[str, LogEntry] = {}
    link_runs: dict[str, LogEntry] = {}
    link_reviews: dict[str, LogEntry] = {}
    accounts: list[tuple[int, LogEntry]] = []
    for index in sorted(entries):
        try:
            entry = parse_entry(entries[index])
        except BearWitnessError as error:
            report.problems.append(f"entry {index}: {error.message}")
            continue
        if entry.kind == "estimate":
            estimates[entry.record_id] = entry
        elif entry.kind == "account":
            accounts.append((index, entry))
        elif entry.kind == "link_decision":
            kept = link_runs if entry.record_type == "link_run" else link_reviews
            kept[entry.record_id] = entry
        if entry.kind not in RECORD_ENTRY_KINDS:
            continue
        key = (entry.record_type, entry.record_id, entry.version)
        if key in by_version:
            report.problems.append(
                f"entry {index}: {_name(key)} is logged twice (first at entry {by_version[key][0]})"
            )
            continue
        by_version[key] = (index, entry)
    seen: set[tuple[str, str, int]] = set()
    with archive.engine.connect() as connection:
        for version in store.fetch_versions(connection):
            key = (version.kind, version.id, version.version)
            seen.add(key)
            found = by_version.get(key)
            if found is None:
                report.problems.append(
                    f"{_name(key)} is in the database but not in the log "
                    "(added or changed without being logged)"
                )
                continue
            index, entry = found
            report.versions_checked += 1
            problem = _check_version(archive, version, entry)
            if problem:
                report.problems.append(f"{_name(key)} (entry {index}): {problem}")
            if version.version > 1:
                before = by_version.get((version.kind, version.id, version.version - 1))
                if before is not None and (
                    before[0] > index or entry.previous_commitment != before[1].commitment
                ):
                    report.problems.append(
                        f"{_name(key)} (entry {index}): it does not follow "
                        "the previous version in the log (history reordered)"
                    )
        for key, (index, _) in sorted(by_version.items(), key=lambda item: item[1][0]):
            if key not in seen:
                report.problems.append(
                    f"entry {index}: {_name(key)} is logged but gone from the database (removed)"
                )
        for kind in RECORD_TYPES:
            _check_current_rows(archive, connection, kind, by_version, report)
        report.problems += estimate_problems(archive, connection, estimates)
        report.problems += _linkage_problems(archive, connection, link_runs, link_reviews)
        report.problems += account_problems(connection, accounts)


def _linkage_problems(
    archive: Archive,
    connection: Connection,
    runs: dict[str, LogEntry],
    reviews: dict[str, LogEntry],
) -> list[str]:
    from bearwitness.store.schema import link_decisions, link_runs

    kept = (
        connection.execute(select(func.count()).select_from(link_runs)).scalar_one()
        + connection.execute(select(func.count()).select_from(link_decisions)).scalar_one()
    )
    if not (kept or runs or reviews):
        return []  # never linked: no need to load the linkage stack (pandas)
    from bearwitness.services.link_review import decision_problems
    from bearwitness.services.linking import run_problems

    return run_problems(archive, connection, runs) + decision_problems(archive, connection, reviews)


def _legacy_rows(connection: Connection) -> dict[str, int]:
    from bearwitness.store.schema import legacy_person_rows

    return dict(connection.execute(select(legacy_person_rows)).all())


def _legacy_row_problem(
    archive: Archive, stored: store.StoredRecord, version: store.StoredVersion, logged: str | None
) -> str:
    """What is wrong with a person record whose clear ``person_id`` migration 0007 removed:
    its row, with the person of its logged version put back, must give the logged row hash,
    and its sealed fields must be the logged version's, less that person."""
    try:
        current = open_record(archive.sealer, stored, str(stored.clear["id"]))
        record, _ = open_version(archive.sealer, version)
    except BearWitnessError as error:
        return error.message
    person_id = getattr(record, "person_id", None)
    clear = {**stored.clear, "person_id": person_id}
    if (logged and row_digest(stored.kind, clear, stored.sealed, stored.deleted) != logged) or (
        dataclasses.replace(current, person_id=person_id) != record  # type: ignore[call-arg]
    ):
        return (
            "the current row differs from the logged version (a field was changed in the database)"
        )
    return ""


def _check_version(archive: Archive, version: store.StoredVersion, entry: LogEntry) -> str:
    if entry.commitment != version.commitment:
        return "its commitment differs from the logged one"
    if archive.locked:
        if (
            entry.sealed_sha256
            and hashlib.sha256(version.payload).hexdigest() != entry.sealed_sha256
        ):
            return "its sealed bytes differ from the logged hash (altered)"
        return ""
    try:
        canonical, salt = open_version_data(archive.sealer, version)
    except BearWitnessError as error:
        return error.message
    if commit(salt, canonical) != entry.commitment:
        return "its content no longer gives the logged commitment (altered)"
    return ""


def _check_current_rows(
    archive: Archive,
    connection: Connection,
    kind: str,
    by_version: dict[tuple[str, str, int], tuple[int, LogEntry]],
    report: ArchiveVerification,
) -> None:
    newest = {version.id: version for version in store.fetch_versions(connection, kind)}
    seen: set[str] = set()
    legacy = _legacy_rows(connection) if kind == "person_record" else {}
    for stored in store.query_records(connection, kind, include_deleted=True):
        record_id = str(stored.clear["id"])
        seen.add(record_id)
        key = (kind, record_id, stored.version)
        if (
            key not in by_version
            or record_id not in newest
            or newest[record_id].version != stored.version
        ):
            report.problems.append(
                f"{_name(key)}: the current row is not the newest logged version"
            )
            continue
        expected_file = (
            by_version[(kind, record_id, 1)][1].file_sha256
            if (kind, record_id, 1) in by_version
            else None
        )
        logged_row = by_version[key][1].row_sha256
        if legacy.get(record_id) == stored.version:
            if not archive.locked and (
                problem := _legacy_row_problem(archive, stored, newest[record_id], logged_row)
            ):
                report.problems.append(f"{_name(key)}: {problem}")
            continue  # locked: its logged row hash covers a column since removed (0007)
        if (
            logged_row
            and row_digest(kind, stored.clear, stored.sealed, stored.deleted) != logged_row
        ):
            report.problems.append(
                f"{_name(key)}: the current row differs from the "
                "logged version (a field was changed in the database)"
            )
            continue
        if not archive.locked:
            try:
                current = open_record(archive.sealer, stored, record_id)
                logged, _ = open_version(archive.sealer, newest[record_id])
            except BearWitnessError as error:
                report.problems.append(f"{_name(key)}: {error.message}")
                continue
            if current != logged:
                report.problems.append(
                    f"{_name(key)}: the current row differs from the "
                    "logged version (a field was changed in the database)"
                )
                continue
            expected_file = getattr(current, "sha256", None) or expected_file
        if kind == "evidence" and not stored.deleted:
            problem = _check_file(archive, record_id, expected_file, by_version)
            report.files_checked += 1
            if problem:
                report.problems.append(f"evidence file {record_id}.age: {problem}")
    for record_id in sorted(set(newest) - seen):  # a deletion leaves a tombstone, never this
        report.problems.append(
            f"{_name((kind, record_id, newest[record_id].version))}: its "
            "current row is gone from the database (removed)"
        )


def _check_file(
    archive: Archive,
    evidence_id: str,
    expected_sha256: str | None,
    by_version: dict[tuple[str, str, int], tuple[int, LogEntry]],
) -> str:
    blob = archive.blobs / f"{evidence_id}.age"
    if not blob.is_file():
        return "missing from blobs/"
    if archive.locked:
        first = by_version.get(("evidence", evidence_id, 1))
        if (
            first
            and first[1].sealed_file_sha256
            and sha256_file(blob) != first[1].sealed_file_sha256
        ):
            return "the sealed file differs from the logged hash (altered or replaced)"
        return ""
    try:
        check_file(
            blob,
            archive.require_secrets().identities,
            expected_sha256=expected_sha256,
            what=f"evidence file {evidence_id}",
        )
    except BearWitnessError as error:
        return error.message
    return ""


def _name(key: tuple[str, str, int]) -> str:
    kind, record_id, version = key
    return f"{kind} {record_id} version {version}"


def raise_if_failed(report: ArchiveVerification) -> None:
    if report.problems:
        raise VerificationError(f"{len(report.problems)} problem(s): {report.problems[0]}")
