"""The fault-injection suite's scenarios: each a piece of work a user would do, killed (or its
disk filled) at its steps, then checked as the next person to open the archive would find it.

A scenario builds a template (an archive, and a backup folder or restore target beside it
where the work needs one) once; every faulted run works in a fresh copy of it, in a forked
child (``tests.faults.run_faulted``). After the fault, :meth:`Scenario.check`:

- **verifies** the archive as it was left: a problem there is a *false alarm* (a crash is not
  tampering);
- finds **every acknowledged item** (a command that returned, a submission that got its
  receipt) in the archive, or waiting in the inbox and folded by the next unlock; one missing
  is *lost*;
- runs the **work again**, as a user would after the crash, with no manual fix: it must work;
- and verifies again, after signing a checkpoint.

The test (``tests/archive/test_faults.py``) faults a spread of each scenario's steps; the
benchmark (``bench/faults.py``) every one, and prints the counts.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bearwitness.crypto import odk
from bearwitness.crypto.kdf import KdfParams
from bearwitness.crypto.keys import ArchiveSecrets
from bearwitness.errors import BearWitnessError
from bearwitness.intake.importers import ImportRow
from bearwitness.services import (
    backup,
    checkpoints,
    estimates,
    inbox,
    intake_web,
    linking,
    odk_forms,
    odk_keys,
    reading,
    restore,
    storing,
    writing,
)
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry
from bearwitness.services.openrosa import Receiver
from bearwitness.services.verification import verify_archive
from bearwitness.store import rows as store
from tests.faults import FULL, KILL, Outcome, choose_points, run_faulted
from tests.web.test_openrosa import PHOTO, incident_xml

PASSPHRASE = "FICTIONAL fault-suite passphrase"
ARCHIVE = "archive"
BACKUPS = "backups"
RESTORED = "restored"


@dataclass
class Built:
    secrets: ArchiveSecrets
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Verdict:
    """What one faulted run left, as checked afterwards."""

    lost: list[str] = field(default_factory=list)  # acknowledged items not found
    alarms: list[str] = field(default_factory=list)  # verification problems after the fault
    failures: list[str] = field(default_factory=list)  # the next command failed, and other

    @property
    def survived(self) -> bool:
        return not (self.lost or self.alarms or self.failures)


@dataclass
class Tally:
    scenario: str
    mode: str
    steps: int = 0
    injected: int = 0
    survived: int = 0
    lost: int = 0
    false_alarms: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, point: int, kind: str, verdict: Verdict) -> None:
        self.injected += 1
        self.survived += verdict.survived
        self.lost += len(verdict.lost)
        self.false_alarms += len(verdict.alarms)
        for what in (*verdict.lost, *verdict.alarms, *verdict.failures):
            self.problems.append(f"{self.scenario} {self.mode} at step {point} ({kind}): {what}")


@dataclass
class Scenario:
    name: str
    build: Callable[[Path, KdfParams], Built]  # the template, in this folder
    work: Callable[[Archive | Path, Path, Built, Callable[[Any], None]], object]
    check: Callable[[Path, Built, list[Any], Outcome], Verdict]
    locked: bool = False  # the work runs without the archive's keys
    full_disk: bool = True  # also run with the disk filling up at each step

    def setup(self, run: Path, built: Built) -> Callable[[], Archive | Path]:
        if self.name == "restore":
            return lambda: run
        secrets = None if self.locked else built.secrets
        return lambda: Archive.open(run / ARCHIVE, secrets=secrets)


# --- shared pieces ---------------------------------------------------------------------------


def _create(folder: Path, kdf: KdfParams) -> tuple[Archive, ArchiveSecrets]:
    folder.mkdir(parents=True, exist_ok=True)
    archive, _ = Archive.create(folder / ARCHIVE, passphrase=PASSPHRASE, kdf_params=kdf)
    checkpoints.sign_new_checkpoint(archive)  # the log key is made with the first checkpoint
    return archive, archive.require_secrets()


def _scans(folder: Path, count: int = 2) -> list[Path]:
    (folder / "files").mkdir(exist_ok=True)
    made = []
    for number in range(1, count + 1):
        path = folder / "files" / f"scan{number}.pdf"
        path.write_bytes(b"%PDF FICTIONAL scan " + bytes([number]) * 3000)
        made.append(path)
    return made


def _entries(run: Path, tag: str, upload: bool = False) -> list[Entry]:
    """A document and two evidence files, ids given (so an acknowledged write is findable)."""
    scans = sorted((run / "files").iterdir())
    rows = [Entry(1, {"type": "document", "id": f"D-{tag}", "text": f"FICTIONAL {tag}"})]
    for number, scan in enumerate(scans, start=2):
        content: bytes | Path = scan.read_bytes() if upload else scan
        rows.append(
            Entry(
                number,
                {
                    "type": "evidence",
                    "id": f"F-{tag}{number}",
                    "document_id": f"D-{tag}",
                    "sha256": hashlib.sha256(scan.read_bytes()).hexdigest(),
                    "size": scan.stat().st_size,
                },
                content,
            )
        )
    return rows


def _ids(rows: list[Entry]) -> list[tuple[str, str]]:
    return [(str(row.data["type"]), str(row.data["id"])) for row in rows]


def _open(run: Path, built: Built) -> Archive:
    return Archive.open(run / ARCHIVE, secrets=built.secrets)


def _verify(archive: Archive, verdict: Verdict, when: str) -> None:
    try:
        report = verify_archive(archive)
    except BearWitnessError as error:
        verdict.alarms.append(f"verify {when} raised {type(error).__name__}: {error.message}")
        return
    verdict.alarms += [f"verify {when}: {problem}" for problem in report.problems]


def _missing(archive: Archive, wanted: list[tuple[str, str]]) -> list[str]:
    with archive.engine.connect() as connection:
        return [
            f"{kind} {record_id}"
            for kind, record_id in wanted
            if not store.existing_ids(connection, kind, [record_id])
        ]


def _next_command(verdict: Verdict, what: str, action: Callable[[], object]) -> None:
    try:
        action()
    except Exception as error:  # any failure of the next command needs a manual fix
        message = error.message if isinstance(error, BearWitnessError) else repr(error)
        verdict.failures.append(f"{what} failed: {type(error).__name__}: {message}")


def _finish(archive: Archive, verdict: Verdict) -> None:
    """Sign a checkpoint, verify again; nothing may be left in blobs/ without its record."""
    _next_command(verdict, "log checkpoint", lambda: checkpoints.sign_new_checkpoint(archive))
    try:
        report = verify_archive(archive)
    except BearWitnessError as error:
        verdict.alarms.append(f"verify at the end raised {error.message}")
        return
    verdict.alarms += [f"verify at the end: {problem}" for problem in report.problems]
    if report.leftover_files:
        verdict.failures.append(f"left in blobs/ after the next write: {report.leftover_files}")


def _fold_and_find(archive: Archive, wanted: list[tuple[str, str]], verdict: Verdict) -> None:
    """The next unlock folds the inbox; every acknowledged record must then be there once."""
    try:
        report = inbox.fold(archive)
    except BearWitnessError as error:
        verdict.failures.append(f"fold failed: {error.message}")
        return
    verdict.failures += [f"fold left batch {batch}: {reason}" for batch, reason in report.failed]
    verdict.lost += _missing(archive, wanted)


# --- import (unlocked: written now; a web entry with uploaded bytes is the same write) ------


def _build_import(folder: Path, kdf: KdfParams) -> Built:
    archive, secrets = _create(folder, kdf)
    archive.close()
    _scans(folder)
    return Built(secrets)


def _work_import(upload: bool) -> Callable[..., object]:
    def work(archive: Any, run: Path, built: Built, ack: Callable[[Any], None]) -> None:
        for tag in ("0001", "0002"):
            rows = _entries(run, tag, upload)
            storing.store(archive, rows, f"scans-{tag}.csv", "import")
            ack(_ids(rows))

    return work


def _check_import(upload: bool) -> Callable[..., Verdict]:
    def check(run: Path, built: Built, acked: list[Any], outcome: Outcome) -> Verdict:
        verdict = Verdict()
        with _open(run, built) as archive:
            _verify(archive, verdict, "after the fault")
            verdict.lost += _missing(archive, [tuple(i) for batch in acked for i in batch])
            for tag in ("0001", "0002"):  # the user runs the import again: what is there stays
                rows = _entries(run, tag, upload)
                if _missing(archive, _ids(rows)):
                    _next_command(
                        verdict,
                        f"import {tag} again",
                        lambda rows=rows, tag=tag: storing.store(
                            archive, rows, f"scans-{tag}.csv", "import"
                        ),
                    )
            verdict.lost += [
                f"after the import ran again: {item}"
                for item in _missing(
                    archive, [i for tag in ("0001", "0002") for i in _ids(_entries(run, tag))]
                )
            ]
            _finish(archive, verdict)
        return verdict

    return check


# --- import locked: sealed into the inbox, written at the next unlock ------------------------


def _work_locked_import(archive: Any, run: Path, built: Built, ack: Callable[[Any], None]) -> None:
    for tag in ("0001", "0002"):
        rows = _entries(run, tag)
        storing.store(archive, rows, f"scans-{tag}.csv", "import")
        ack(_ids(rows))


def _check_locked_import(run: Path, built: Built, acked: list[Any], outcome: Outcome) -> Verdict:
    verdict = Verdict()
    with Archive.open(run / ARCHIVE) as locked:  # locked, as the intake would go on
        _verify(locked, verdict, "locked, after the fault")
        for tag in ("0001", "0002"):
            rows = _entries(run, tag)
            _next_command(
                verdict,
                f"locked import {tag} again",
                lambda rows=rows, tag=tag: storing.store(
                    locked, rows, f"scans-{tag}.csv", "import"
                ),
            )
    with _open(run, built) as archive:
        wanted = [i for tag in ("0001", "0002") for i in _ids(_entries(run, tag))]
        _fold_and_find(archive, wanted, verdict)
        _finish(archive, verdict)
    return verdict


# --- fold at unlock ----------------------------------------------------------------------------


def _build_fold(folder: Path, kdf: KdfParams) -> Built:
    archive, secrets = _create(folder, kdf)
    archive.close()
    _scans(folder)
    with Archive.open(folder / ARCHIVE) as locked:
        for tag in ("0001", "0002"):
            storing.store(locked, _entries(folder, tag), f"scans-{tag}.csv", "import")
        storing.store(
            locked,
            [Entry(1, {"type": "person", "id": "P-0001", "full_name": "FICTIONAL One"})],
            "form",
        )
    return Built(secrets)


def _fold_wanted(run: Path) -> list[tuple[str, str]]:
    return [
        ("person", "P-0001"),
        *[i for tag in ("0001", "0002") for i in _ids(_entries(run, tag))],
    ]


def _work_fold(archive: Any, run: Path, built: Built, ack: Callable[[Any], None]) -> None:
    inbox.fold(archive)
    ack("folded")


def _check_fold(run: Path, built: Built, acked: list[Any], outcome: Outcome) -> Verdict:
    verdict = Verdict()  # every batch was acknowledged when it was sealed into the inbox
    with _open(run, built) as archive:
        _verify(archive, verdict, "after the fault")
        _fold_and_find(archive, _fold_wanted(run), verdict)
        evidence = reading.list_records(archive, "evidence")
        if len(evidence) != 4:
            verdict.failures.append(f"{len(evidence)} evidence records, not 4 (doubled?)")
        if list(archive.inbox.iterdir()):
            verdict.failures.append("the inbox is not empty after the fold")
        _finish(archive, verdict)
    return verdict


# --- link ARCHIVE, estimate --archive --------------------------------------------------------


def _person_rows(people: int = 40) -> list[ImportRow]:
    from bearwitness.linkage.synthetic import generate

    roles = ["full_name", "surname", "given_name", "patronymic", "sex", "birth", "age"]
    roles += ["residence", "event_type", "event_date", "event_place"]
    data = generate(people, seed=5)
    return [
        ImportRow(
            number,
            {
                "type": "person_record",
                "id": f"R-{number:04d}",
                "fictional": True,
                "list_name": row.list,
                "list_record_id": row.record_id,
                **{role: str(getattr(row, role) or "") for role in roles},
            },
        )
        for number, row in enumerate(data.records.itertuples(index=False), start=1)
    ]


def _in_child(folder: Path, built: Built, action: Callable[[Archive], object]) -> str | None:
    """Run ``action`` on the archive in a forked child; its error, if any. Linkage runs
    DuckDB, whose threads must never start in the process that forks the faulted runs."""
    outcome = run_faulted(
        [],
        FULL,  # never faulted (no step is counted outside the roots): errors come back
        None,
        folder / ".scratch",
        lambda: _open(folder, built),
        lambda archive, _ack: action(archive),
    )
    shutil.rmtree(folder / ".scratch", ignore_errors=True)
    return None if outcome.error is None else f"{outcome.error['type']}: {outcome.error['message']}"


def _build_link(folder: Path, kdf: KdfParams) -> Built:
    archive, secrets = _create(folder, kdf)
    with archive:
        writing.write_records(archive, writing.resolve_rows(archive, _person_rows(), "lists"))
        checkpoints.sign_new_checkpoint(archive)
    return Built(secrets)


def _work_link(archive: Any, run: Path, built: Built, ack: Callable[[Any], None]) -> None:
    ack(linking.link_archive(archive).run.id)


def _again_in_child(verdict: Verdict, what: str, run: Path, built: Built, action: Any) -> None:
    error = _in_child(run, built, action)
    if error is not None:
        verdict.failures.append(f"{what} failed: {error}")


def _check_link(run: Path, built: Built, acked: list[Any], outcome: Outcome) -> Verdict:
    verdict = Verdict()
    with _open(run, built) as archive:
        _verify(archive, verdict, "after the fault")
        with archive.engine.connect() as connection:
            kept = {linking.latest_run(connection).id} if linking.count_runs(connection) else set()
        verdict.lost += [f"link run {run_id}" for run_id in acked if run_id not in kept]
        _again_in_child(verdict, "link again", run, built, linking.link_archive)
        _finish(archive, verdict)
    return verdict


def _build_estimate(folder: Path, kdf: KdfParams) -> Built:
    built = _build_link(folder, kdf)
    error = _in_child(folder, built, linking.link_archive)
    assert error is None, error
    return built


def _work_estimate(archive: Any, run: Path, built: Built, ack: Callable[[Any], None]) -> None:
    _, kept = estimates.estimate_archive(archive, method="loglinear")
    ack(kept.id)


def _check_estimate(run: Path, built: Built, acked: list[Any], outcome: Outcome) -> Verdict:
    verdict = Verdict()
    with _open(run, built) as archive:
        _verify(archive, verdict, "after the fault")
        for run_id in acked:
            _next_command(
                verdict,
                f"read estimate {run_id}",
                lambda r=run_id: estimates.get_estimate(archive, r),
            )
        _again_in_child(
            verdict,
            "estimate again",
            run,
            built,
            lambda opened: estimates.estimate_archive(opened, method="loglinear"),
        )
        _finish(archive, verdict)
    return verdict


# --- log checkpoint -------------------------------------------------------------------------


def _build_checkpoint(folder: Path, kdf: KdfParams) -> Built:
    archive, secrets = _create(folder, kdf)
    with archive:
        checkpoints.sign_new_checkpoint(archive)
        storing.store(
            archive, [Entry(1, {"type": "person", "id": "P-0001", "full_name": "FICTIONAL"})], "x"
        )
    return Built(secrets)


def _work_checkpoint(archive: Any, run: Path, built: Built, ack: Callable[[Any], None]) -> None:
    ack(checkpoints.sign_new_checkpoint(archive).size)


def _check_checkpoint(run: Path, built: Built, acked: list[Any], outcome: Outcome) -> Verdict:
    verdict = Verdict()
    with _open(run, built) as archive:
        _verify(archive, verdict, "after the fault")
        newest = checkpoints.latest_checkpoint(archive).size
        verdict.lost += [f"checkpoint {size}" for size in acked if size > newest]
        _next_command(
            verdict,
            "export checkpoint",
            lambda: checkpoints.export_checkpoint(archive, run / "exported"),
        )
        _finish(archive, verdict)
    return verdict


# --- record edits (the workbench's edit form) -------------------------------------------------


def _build_edit(folder: Path, kdf: KdfParams) -> Built:
    archive, secrets = _create(folder, kdf)
    with archive:
        storing.store(
            archive,
            [Entry(1, {"type": "person", "id": "P-0001", "full_name": "FICTIONAL Before"})],
            "form",
        )
    return Built(secrets)


def _work_edit(archive: Any, run: Path, built: Built, ack: Callable[[Any], None]) -> None:
    for number in (1, 2):
        writing.change_record(
            archive, "person", "P-0001", {"full_name": f"FICTIONAL Edit {number}"}
        )
        ack(number + 1)  # the version the edit made


def _check_edit(run: Path, built: Built, acked: list[Any], outcome: Outcome) -> Verdict:
    verdict = Verdict()
    with _open(run, built) as archive:
        _verify(archive, verdict, "after the fault")
        (person,) = reading.list_records(archive, "person")
        verdict.lost += [f"person P-0001 version {v}" for v in acked if person.version < v]
        _next_command(
            verdict,
            "edit again",
            lambda: writing.change_record(
                archive, "person", "P-0001", {"full_name": "FICTIONAL After"}
            ),
        )
        _finish(archive, verdict)
    return verdict


# --- web submissions: the anonymous intake form, and a field device (OpenRosa) -------------


def _build_web(folder: Path, kdf: KdfParams) -> Built:
    archive, secrets = _create(folder, kdf)
    public = odk_keys.create(archive)
    archive.close()
    return Built(secrets, {"odk_public": public})


def _work_web(archive: Any, run: Path, built: Built, ack: Callable[[Any], None]) -> None:
    for number in (1, 2):
        submission = intake_web.Submission(text=f"FICTIONAL testimony {number}", language="en")
        batch, _code = intake_web.submit_sealed(archive.inbox, archive.recipient, submission)
        ack(["intake", batch])  # the receipt page is shown only after this returns
    public = odk.load_public_base64(built.extra["odk_public"])
    instance = f"uuid:{uuid.UUID(int=7)}"
    manifest, files = odk.seal_submission(
        public,
        form_id=odk_forms.FORM_ID,
        version=odk_forms.FORM_VERSION,
        instance_id=instance,
        xml=incident_xml(instance),
        media=[("1561432532482.jpg", PHOTO)],
    )
    receiver = Receiver(archive.folder)
    if receiver.receive(archive.recipient, "DV-1", manifest, list(files.items())).status == 201:
        ack(["odk", instance])


def _check_web(run: Path, built: Built, acked: list[Any], outcome: Outcome) -> Verdict:
    verdict = Verdict()
    with Archive.open(run / ARCHIVE) as locked:
        _verify(locked, verdict, "locked, after the fault")
        waiting = {item.batch for item in inbox.batches(locked)}
        for what, name in acked:
            if what == "intake" and name not in waiting:
                verdict.lost.append(f"intake batch {name}")
    with _open(run, built) as archive:
        before = len(reading.list_records(archive, "document"))
        _fold_and_find(archive, [], verdict)
        documents = len(reading.list_records(archive, "document"))
        intake_acked = sum(1 for what, _ in acked if what == "intake")
        if documents - before < intake_acked:
            verdict.lost.append(f"{intake_acked} testimonies acknowledged, {documents} folded")
        if any(what == "odk" for what, _ in acked) and not reading.list_records(archive, "event"):
            verdict.lost.append("the field submission acknowledged (201) is not in the archive")
        _finish(archive, verdict)
    return verdict


# --- backup and restore --------------------------------------------------------------------


def _build_backup(folder: Path, kdf: KdfParams) -> Built:
    archive, secrets = _create(folder, kdf)
    _scans(folder)
    with archive:
        storing.store(archive, _entries(folder, "0001"), "scans.csv", "import")
        backup.back_up(archive, folder / BACKUPS)  # the second backup is the incremental one
        storing.store(
            archive, [Entry(1, {"type": "person", "id": "P-0001", "full_name": "FICTIONAL"})], "x"
        )
    with Archive.open(folder / ARCHIVE) as locked:  # and one batch waits in the inbox
        storing.store(locked, _entries(folder, "0002"), "later.csv", "import")
    return Built(secrets)


def _work_backup(archive: Any, run: Path, built: Built, ack: Callable[[Any], None]) -> None:
    ack(backup.back_up(archive, run / BACKUPS).snapshot)


def _backup_keys(run: Path) -> restore.BackupKeys:
    return restore.keys_from_passphrase(run / BACKUPS, None, PASSPHRASE)


def _check_backup(run: Path, built: Built, acked: list[Any], outcome: Outcome) -> Verdict:
    verdict = Verdict()
    with _open(run, built) as archive:
        _verify(archive, verdict, "after the fault")
        check = restore.verify_backup(run / BACKUPS, _backup_keys(run))
        verdict.alarms += [f"backup verify after the fault: {p}" for p in check.problems]
        verdict.lost += [f"snapshot {s}" for s in acked if s not in check.snapshots]
        _next_command(verdict, "backup again", lambda: backup.back_up(archive, run / BACKUPS))
        _finish(archive, verdict)
    target = run / "drill"
    _next_command(
        verdict,
        "restore the newest snapshot",
        lambda: restore.restore(run / BACKUPS, target, _backup_keys(run)),
    )
    if target.exists():
        with Archive.open(target, secrets=built.secrets) as restored:
            wanted = [i for tag in ("0001", "0002") for i in _ids(_entries(run, tag))]
            _fold_and_find(restored, [*wanted, ("person", "P-0001")], verdict)
    return verdict


def _build_restore(folder: Path, kdf: KdfParams) -> Built:
    built = _build_backup(folder, kdf)
    with _open(folder, built) as archive:
        backup.back_up(archive, folder / BACKUPS)
    return built


def _work_restore(run: Any, _run: Path, built: Built, ack: Callable[[Any], None]) -> None:
    done = restore.restore(run / BACKUPS, run / RESTORED, _backup_keys(run))
    ack(done.snapshot)


def _check_restore(run: Path, built: Built, acked: list[Any], outcome: Outcome) -> Verdict:
    verdict = Verdict()
    check = restore.verify_backup(run / BACKUPS, _backup_keys(run))
    verdict.alarms += [f"backup verify after the fault: {p}" for p in check.problems]
    target = run / RESTORED
    if acked:  # it said "restored": it must be whole
        with Archive.open(target, secrets=built.secrets) as restored:
            _verify(restored, verdict, "the restored archive")
    else:  # killed before it said so: the same command again must work
        _next_command(
            verdict,
            "restore again into the same folder",
            lambda: restore.restore(run / BACKUPS, target, _backup_keys(run)),
        )
    if target.exists():
        with Archive.open(target, secrets=built.secrets) as restored:
            wanted = [i for tag in ("0001", "0002") for i in _ids(_entries(run, tag))]
            _fold_and_find(restored, [*wanted, ("person", "P-0001")], verdict)
            _finish(restored, verdict)
    else:
        verdict.failures.append("no restored archive after the restore ran again")
    return verdict


SCENARIOS = [
    Scenario("import", _build_import, _work_import(False), _check_import(False)),
    Scenario("web-entry", _build_import, _work_import(True), _check_import(True)),
    Scenario("import-locked", _build_import, _work_locked_import, _check_locked_import, True),
    Scenario("fold", _build_fold, _work_fold, _check_fold),
    Scenario("link", _build_link, _work_link, _check_link, full_disk=False),
    Scenario("estimate", _build_estimate, _work_estimate, _check_estimate, full_disk=False),
    Scenario("checkpoint", _build_checkpoint, _work_checkpoint, _check_checkpoint),
    Scenario("edit", _build_edit, _work_edit, _check_edit),
    Scenario("web-submission", _build_web, _work_web, _check_web, True),
    Scenario("backup", _build_backup, _work_backup, _check_backup),
    Scenario("restore", _build_restore, _work_restore, _check_restore),
]


def run_scenario(
    scenario: Scenario, workdir: Path, kdf: KdfParams, *, mode: str = KILL, most: int | None
) -> Tally:
    """Build the template, count the steps, fault ``most`` of them (None: all), check each."""
    template = workdir / "template"
    built = scenario.build(template, kdf)
    tally = Tally(scenario.name, mode)
    scratch = workdir / "scratch"

    def faulted(point: int | None) -> tuple[Path, Outcome]:
        run = workdir / f"run-{point or 0}"
        shutil.rmtree(run, ignore_errors=True)
        shutil.copytree(template, run, symlinks=True)
        outcome = run_faulted(
            [run],
            mode,
            point,
            scratch,
            scenario.setup(run, built),
            lambda prepared, ack: scenario.work(prepared, run, built, ack),
        )
        return run, outcome

    run, whole = faulted(None)
    if whole.status != 0 or whole.error:
        raise AssertionError(f"{scenario.name}: the work fails unfaulted: {whole.error}")
    clean = scenario.check(run, built, whole.acked, whole)
    if not clean.survived:
        raise AssertionError(f"{scenario.name}: the check fails unfaulted: {clean}")
    shutil.rmtree(run)
    kinds = whole.kinds
    tally.steps = len(kinds)
    for point in choose_points(kinds, most):
        run, outcome = faulted(point)
        verdict = scenario.check(run, built, outcome.acked, outcome)
        if mode == KILL and not outcome.killed:
            verdict.failures.append(f"not killed (status {outcome.status})")
        if mode == FULL:
            _judge_full(outcome, verdict)
            # A fold that met the full disk keeps that batch back with the reason, and
            # verify says so until the next fold writes it: the disk's error, reported.
            verdict.alarms = [a for a in verdict.alarms if "No space left on device" not in a]
        tally.add(point, kinds[point - 1], verdict)
        shutil.rmtree(run, ignore_errors=True)
    return tally


def _judge_full(outcome: Outcome, verdict: Verdict) -> None:
    """A full disk must come back as an error that says so (the CLI turns an OSError into a
    clear message), never as another error that hides it."""
    error = outcome.error
    if error is None:
        return  # the write that failed was one the work does not need (a cleanup)
    text = f"{error['type']}: {error['message']}"
    if "No space left" not in text and "disk is full" not in text and "full" not in text:
        verdict.failures.append(f"a full disk reported as {text}")


def summary(tallies: list[Tally]) -> str:
    lines = [
        f"{'scenario':16} {'mode':5} {'steps':>5} {'faults':>6} {'survived':>8} "
        f"{'lost':>4} {'false alarms':>12}"
    ]
    for t in tallies:
        lines.append(
            f"{t.scenario:16} {t.mode:5} {t.steps:5} {t.injected:6} {t.survived:8} "
            f"{t.lost:4} {t.false_alarms:12}"
        )
    total = [
        sum(getattr(t, name) for t in tallies)
        for name in ("steps", "injected", "survived", "lost", "false_alarms")
    ]
    lines.append(
        f"{'all':16} {'':5} {total[0]:5} {total[1]:6} {total[2]:8} {total[3]:4} {total[4]:12}"
    )
    return "\n".join(lines)


__all__ = ["SCENARIOS", "Scenario", "Tally", "os", "run_scenario", "summary"]
