"""Building reports: the archive as it stood at a signed checkpoint, counted.

:func:`build` (``bearwitness report build``) needs an unlock. It signs a checkpoint
(or takes a kept one), reads every record as it was when the log had that many
entries (:func:`snapshot`), counts, applies disclosure control, renders, runs the
redaction check (``services/redaction.py``) over every output, and only then writes
the folder::

    OUT/report.html          self-contained: inline styles and SVG, no outside resource
    OUT/report.pdf           the same laid out by WeasyPrint, fonts embedded
    OUT/<table id>.csv       one per published table; estimates.csv for the runs
    OUT/manifest.json        RFC 8785 canonical JSON: checkpoint, spec and its hash,
                             disclosure settings, every figure with its values, every
                             file's SHA-256
    OUT/manifest.json.sig    a signed note by the log key naming the manifest's SHA-256
    OUT/checkpoint           the signed checkpoint the figures come from
    OUT/log.vkey             the log's verifier key

The manifest's hash is logged (a ``report`` entry).
``services/report_verification.py`` checks a report folder against the archive; a
stranger without the archive checks the signature and the hashes with
``tools/verify_report.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bearwitness.domain.records import RECORD_TYPES, Claim, Consent, Record, Source
from bearwitness.errors import (
    InputError,
    NotFound,
    Phrase,
    PublicationRefused,
    VerificationError,
)
from bearwitness.reports import pdf, privacy, render
from bearwitness.reports.claims import ClaimantSources, ClaimInput, act_of, public_name
from bearwitness.reports.disclosure import Earlier
from bearwitness.reports.figures import Computed, Figure, KeptEstimate, compute, earlier_tables
from bearwitness.reports.spec import ReportSpec, parse_spec, spec_from_dict
from bearwitness.services import consent
from bearwitness.services._ledger import append_entries, read_entries, sync_log
from bearwitness.services._sealing import open_version_fields
from bearwitness.services.archive import RELEASES, Archive
from bearwitness.services.checkpoints import (
    log_verifier,
    sign_new_checkpoint,
    sign_with_log_key,
    signed_checkpoints,
)
from bearwitness.services.estimates import get_estimate
from bearwitness.services.redaction import (
    CLEAR_TEXT,
    CODED,
    SEALED,
    SealedValue,
    normal,
    redaction_hits,
)
from bearwitness.store import rows as store
from bearwitness.tlog.checkpoint import open_checkpoint
from bearwitness.tlog.entry import (
    SALT_SIZE,
    LogEntry,
    canonical_json,
    commit,
    format_time,
    parse_entry,
)
from bearwitness.tlog.merkle import hash_leaf, root

FORMAT = "bearwitness-report/1"
HTML = "report.html"
PDF = "report.pdf"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
ESTIMATES_CSV = "estimates.csv"
CLAIMS_CSV = render.CLAIMS_CSV
RECORD_KINDS = frozenset({"create", "update", "delete", "import", "evidence"})
# What the tables count, and the fields they read (a record is built from those alone:
# building whole records of every person and act would take most of a report's time).
COUNTED = {
    "event": ("id", "date", "district"),
    "act": ("id", "event_id", "victim_id", "act_type", "date"),
    "person": ("id", "sex", "birth_date"),
    "intervention": ("id", "kind", "status", "person_id", "date"),
    # read whole: who is left out of the statistics (services/consent.py)
    "consent": tuple(f.name for f in dataclasses.fields(Consent)),
    # the claims section: who said what (sealed; only what consent lets a report name is
    # published, see claim_inputs), and the sources a claimant may be
    "claim": ("id", "event_ids", "count", "stance", "statement", "speaker"),
    "source": ("id", "kind", "reliability", "name"),
}
NAMING = "naming_in_publication"


@dataclass(frozen=True)
class Snapshot:
    """The records (opened) and kept estimate runs in force when the log had ``size`` entries."""

    size: int
    root_hash: bytes
    records: list[Record]
    estimates: list[KeptEstimate]
    claims: list[ClaimInput] = dataclasses.field(default_factory=list)


def snapshot(archive: Archive, size: int, root_hash: bytes) -> Snapshot:
    """Every record counted in a report, as it was when the log held ``size`` entries
    (needs an unlock).

    The log says which version of each record was current then: the newest logged
    at an index below ``size``. The entries read are checked against ``root_hash``
    (the signed checkpoint's), and each version's commitment against the logged one
    (``bearwitness verify`` recomputes the commitments from the contents).
    """
    return _read(archive, size, root_hash, sealed=False)[0]


def _read(
    archive: Archive, size: int, root_hash: bytes, *, sealed: bool
) -> tuple[Snapshot, list[SealedValue], set[str]]:
    """The snapshot; with ``sealed``, also every sealed value of every version of every
    record (held in memory only) and the clear text values in force (each version is
    opened once)."""
    archive.require_secrets()
    sealer = archive.sealer
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    runs: list[str] = []
    with archive.engine.connect() as connection:
        entries = [entry for _, entry in read_entries(connection, 0, size)]
    if len(entries) != size or root([hash_leaf(e) for e in entries]) != root_hash:
        raise VerificationError(
            Phrase("the archive's log does not give the checkpoint of size %(size)s", size=size),
            hint=Phrase("Run `bearwitness verify ARCHIVE`: the log or the database was changed."),
        )
    for data in entries:  # already bound to the signed root: read, not re-checked
        entry = json.loads(data)
        if entry["kind"] in RECORD_KINDS:
            wanted[(entry["record_type"], entry["record_id"])] = entry
        elif entry["kind"] == "estimate" and entry["record_id"] not in runs:
            runs.append(entry["record_id"])
    records: list[Record] = []
    values: list[SealedValue] = []
    clear: set[str] = set(CODED)
    found = 0
    with archive.engine.connect() as connection:
        for version in store.fetch_versions(connection):
            logged = wanted.get((version.kind, version.id))
            current = logged is not None and logged["version"] == version.version
            if not current and not sealed:
                continue
            if current and logged is not None:
                found += 1
                if logged["commitment"] != version.commitment:
                    raise VerificationError(
                        Phrase(
                            "%(kind)s %(id)s version %(version)s is not what the log holds",
                            kind=version.kind, id=version.id, version=version.version,
                        ),
                        hint=Phrase("Run `bearwitness verify ARCHIVE`."),
                    )  # fmt: skip
            counted = current and logged is not None and logged["kind"] != "delete"
            if not sealed and not (counted and version.kind in COUNTED):
                continue  # verifying: only what the tables count is opened
            fields = open_version_fields(sealer, version)
            if sealed:
                values += [
                    SealedValue(version.kind, version.id, name, fields[name])
                    for name in SEALED[version.kind]
                    if isinstance(fields.get(name), str) and fields[name].strip()
                ]
            if not counted:
                continue
            if sealed:
                clear.update(
                    normal(fields[name])
                    for name in CLEAR_TEXT[version.kind]
                    if isinstance(fields.get(name), str)
                )
            if version.kind in COUNTED:
                wanted_fields = {k: fields.get(k) for k in COUNTED[version.kind]}
                records.append(RECORD_TYPES[version.kind].from_dict(wanted_fields))
    if found != len(wanted):
        raise VerificationError(
            Phrase(
                "%(count)s record version(s) logged by size %(size)s are gone from the database",
                count=len(wanted) - found, size=size,
            ),
            hint=Phrase("Run `bearwitness verify ARCHIVE`."),
        )  # fmt: skip
    estimates = [KeptEstimate(run, get_estimate(archive, run).result) for run in runs]
    # Consent as it stood at the checkpoint: a later withdrawal leaves the person out of
    # later reports, and a report verified later still gives the figures it published.
    claims = claim_inputs(records)
    counted = [r for r in consent.for_statistics(records) if not isinstance(r, Claim | Source)]
    return Snapshot(size, root_hash, counted, estimates, claims), values, clear


def claim_inputs(records: Iterable[Record]) -> list[ClaimInput]:
    """The claims section's input, with consent as it stood at the checkpoint.

    A claimant is named (by its organisation's name, without a person's: "Network (Ivan
    Petrov)" is the Network) unless it is one of the archive's sources of kind person
    whose consent does not cover naming in publication; then it is "a private source".
    A claim with no speaker is a private source's too. A claim about no event is not in
    the section (an incident is an event)."""
    records = list(records)
    rules = consent.Policy(r for r in records if isinstance(r, Consent))
    sources = ClaimantSources(r for r in records if isinstance(r, Source))
    found = []
    for claim in sorted((r for r in records if isinstance(r, Claim)), key=lambda r: r.id):
        speaker = claim.speaker.strip()
        source = sources.of(speaker)
        named = bool(speaker) and (
            source is None
            or source.kind != "person"
            or consent.naming_refusal(rules, source, NAMING) is None
        )
        claimant = public_name(speaker) if named else None
        group = claimant or f"private source {source.id if source else claim.id}"
        for event_id in claim.event_ids:
            found.append(
                ClaimInput(
                    claim.id,
                    event_id,
                    act_of(claim.statement),
                    claim.stance,
                    claim.count,
                    claimant,
                    group,
                    source.reliability if source is not None else "F",
                    source.id if source is not None else None,
                )
            )
    return found


def _published_claimants(
    claims: Iterable[ClaimInput], records: list[SealedValue]
) -> list[SealedValue]:
    """The sealed values the redaction check still looks for: all but the speakers of the
    claimants the claims section names (what it prints is their organisation's name)."""
    named = {("claim", c.claim_id, "speaker") for c in claims if c.claimant is not None}
    named |= {("source", c.source_id, "name") for c in claims if c.claimant and c.source_id}
    return [value for value in records if (value.kind, value.record_id, value.field) not in named]


@dataclass(frozen=True)
class BuiltReport:
    report_id: str
    folder: Path
    checkpoint_size: int
    figures: list[str]
    files: list[str]
    log_index: int
    hidden_cells: int


def compose_spec(data: dict[str, Any]) -> ReportSpec:
    """A spec from what a form composed (the same keys and checks as a spec file's)."""
    return spec_from_dict(data)


def read_spec(text: str, *, lang: str | None = None) -> ReportSpec:
    """A report spec from its TOML text (empty: the default report); ``lang`` overrides."""
    return parse_spec(text, lang=lang)


def _checkpoint(archive: Archive, size: int | None, *, sign: bool) -> tuple[int, bytes, bytes]:
    """(size, root hash, signed note) of the checkpoint to build from; without ``sign``
    and a size, the log's head as it stands, unsigned (the note is empty)."""
    if size is None and not sign:
        with archive.engine.connect() as connection:
            leaves = [hash_leaf(entry) for _, entry in read_entries(connection)]
        return len(leaves), root(leaves), b""
    if size is None:
        signed = sign_new_checkpoint(archive)
        note = signed.note
    else:
        kept = {item.size: item for item in signed_checkpoints(archive)}
        if size not in kept:
            raise NotFound(
                Phrase("no checkpoint of size %(size)s is kept", size=size),
                hint=Phrase("Kept sizes: %(sizes)s.", sizes=", ".join(map(str, sorted(kept))))
                if kept
                else Phrase("No checkpoint is kept yet."),
            )
        note = kept[size].note
    checkpoint = open_checkpoint(note, log_verifier(archive)).checkpoint
    return checkpoint.size, checkpoint.root_hash, note


def outputs(computed: Computed, context: render.Context, *, with_pdf: bool) -> dict[str, bytes]:
    """Every file of the report, as bytes: the HTML, the CSVs and, when asked, the PDF."""
    texts = _texts(computed, context)
    files = {name: text.encode() for name, text in texts.items()}
    if with_pdf:
        files[PDF] = pdf.pdf(texts[HTML])
    return files


def _texts(computed: Computed, context: render.Context) -> dict[str, str]:
    selected = render.shown(computed.figures, context.sections)
    files = {HTML: render.html(computed.figures, context)}
    for figure in selected:
        if figure.kind == "table":
            files[f"{figure.id}.csv"] = render.table_csv(figure)
    runs = [f for f in selected if f.kind == "estimate"]
    if runs:
        files[ESTIMATES_CSV] = render.estimates_csv(runs)
    claims = [f for f in selected if f.kind == "claims"]
    if claims:
        files[CLAIMS_CSV] = render.claims_csv(claims)
    return files


def _figure_files(figure: Figure, files: Iterable[str]) -> list[str]:
    names = [HTML, *([PDF] if PDF in files else [])]
    if f"{figure.id}.csv" in files:
        names.append(f"{figure.id}.csv")
    if figure.kind == "estimate" and ESTIMATES_CSV in files:
        names.append(ESTIMATES_CSV)
    if figure.kind == "claims" and CLAIMS_CSV in files:
        names.append(CLAIMS_CSV)
    return names


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Prepared:
    """A report computed, rendered and through the redaction check, not yet written."""

    report_id: str
    size: int
    note: bytes
    files: dict[str, bytes]
    manifest: bytes
    figures: list[str]
    hidden_cells: int


def prepare(
    archive: Archive,
    spec: ReportSpec,
    *,
    checkpoint_size: int | None = None,
    with_pdf: bool = True,
    sign: bool = True,
) -> Prepared:
    """Everything :func:`build` does before it writes: the report as it would be published,
    refused with :class:`PublicationRefused` if a sealed value is in it. Nothing is
    written but a new signed checkpoint, when none is given; with ``sign=False`` (a
    preview) not even that: the figures come from the log's head as it stands, which
    :func:`build` signs when the report is published, so a preview and the report
    published next, with nothing written between, give the same figures."""
    archive.require_secrets()
    if spec.settings.epsilon is not None:
        privacy.require()  # the dp extra, before a checkpoint is signed
    size, root_hash, note = _checkpoint(archive, checkpoint_size, sign=sign)
    state, sealed, clear = _read(archive, size, root_hash, sealed=True)
    ledger = _comparable_releases(archive, spec, size)
    computed = compute(state.records, state.estimates, spec, _earlier(ledger), state.claims)
    sealed = _published_claimants(state.claims, sealed)
    built_at = archive.clock().date().isoformat()
    spec_data = spec.as_dict()
    spec_hash = sha256(canonical_json(spec_data))
    report_id = (
        "RP-"
        + sha256(canonical_json([spec_hash, size, root_hash.hex(), format_time(archive.clock())]))[
            :12
        ]
    )
    stated = None if computed.budget is None else computed.budget.as_dict()
    context = context_of(report_id, spec, archive.config.origin, size, root_hash, built_at, stated)
    files = outputs(computed, context, with_pdf=with_pdf)
    selected = render.shown(computed.figures, spec.sections)
    manifest = {
        "format": FORMAT,
        "report": report_id,
        "origin": archive.config.origin,
        "built_at": built_at,
        "lang": spec.lang,
        "checkpoint": {
            "size": size,
            "root_hash": root_hash.hex(),
            "note": note.decode(),
        },
        "spec": spec_data,
        "spec_sha256": spec_hash,
        "disclosure": spec.settings.as_dict(),
        # Differential privacy: the budget spent, the mechanism, and no seed (there is none).
        **({} if stated is None else {"privacy": stated}),
        # The earlier releases of the same scope it was checked against for differencing.
        "checked_against": [
            {"report": release, "manifest_sha256": sha256(data)} for release, data, _ in ledger
        ],
        "figures": [
            {
                "id": figure.id,
                "kind": figure.kind,
                "values": figure.values,
                "values_sha256": sha256(canonical_json(figure.values)),
                "files": _figure_files(figure, files),
            }
            for figure in selected
        ],
        "files": {name: sha256(data) for name, data in sorted(files.items())},
    }
    manifest_bytes = canonical_json(manifest)
    readable = {name: data.decode() for name, data in files.items() if name != PDF}
    if PDF in files:
        readable[f"{PDF} (its text)"] = pdf.text(files[PDF])
    hits = redaction_hits({**readable, MANIFEST: manifest_bytes.decode()}, sealed, clear)
    if hits:
        raise PublicationRefused(
            Phrase(
                "the report was not written: a sealed value appears in it (%(count)s found; "
                "first: %(first)s)",
                count=len(hits), first=hits[0],
            ),
            hint=Phrase("Remove what names a person or a source from the spec (its title)."),
        )  # fmt: skip
    return Prepared(
        report_id,
        size,
        note,
        files,
        manifest_bytes,
        [figure.id for figure in selected],
        sum(len(cells) for cells in computed.suppression.hidden.values()),
    )


def build(
    archive: Archive,
    spec: ReportSpec,
    out: Path,
    *,
    checkpoint_size: int | None = None,
    with_pdf: bool = True,
) -> BuiltReport:
    """Build, check and publish a report into the new folder ``out`` (needs an unlock).

    ``with_pdf=False`` leaves the PDF out (WeasyPrint takes seconds to load)."""
    archive.require_secrets()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(
            Phrase("%(folder)s is not an empty folder", folder=out),
            hint=Phrase("Give the report a new folder."),
        )
    ready = prepare(archive, spec, checkpoint_size=checkpoint_size, with_pdf=with_pdf)
    report_id, manifest_bytes = ready.report_id, ready.manifest
    digest = sha256(manifest_bytes)
    signature = sign_with_log_key(
        archive, f"{FORMAT}\n{archive.config.origin}\n{report_id}\nsha256:{digest}\n".encode()
    )
    out.mkdir(parents=True, exist_ok=True)
    for name, data in ready.files.items():
        (out / name).write_bytes(data)
    (out / MANIFEST).write_bytes(manifest_bytes)
    (out / SIGNATURE).write_bytes(signature)
    (out / "checkpoint").write_bytes(ready.note)
    (out / "log.vkey").write_text(log_verifier(archive).vkey() + "\n")
    releases = archive.folder / RELEASES
    releases.mkdir(exist_ok=True)
    (releases / f"{report_id}.json").write_bytes(manifest_bytes)
    entry = LogEntry(
        kind="report",
        record_type="report",
        record_id=report_id,
        version=1,
        commitment=commit(bytes(SALT_SIZE), manifest_bytes),
        actor=archive.actor,
        time=format_time(archive.clock()),
    )
    with archive.engine.begin() as connection:
        index = append_entries(connection, [entry])
    sync_log(archive)
    return BuiltReport(
        report_id,
        out,
        ready.size,
        ready.figures,
        sorted([*ready.files, MANIFEST, SIGNATURE, "checkpoint", "log.vkey"]),
        index,
        ready.hidden_cells,
    )


# --- reports published from the workbench: kept in the archive's folder -------------------

PUBLISHED = "reports"  # ARCHIVE/reports/RP-…/: what the workbench published, to download


@dataclass(frozen=True)
class PublishedReport:
    report_id: str
    title: str
    lang: str
    built_at: str
    checkpoint_size: int
    files: list[str]


def publish(archive: Archive, spec: ReportSpec, *, with_pdf: bool = True) -> BuiltReport:
    """:func:`build` into ``ARCHIVE/reports/<report id>/``, where the workbench offers its
    files for download. Built aside and renamed into place, so a crash leaves no half."""
    folder = archive.folder / PUBLISHED
    folder.mkdir(exist_ok=True)
    aside = folder / f".building-{secrets.token_hex(6)}"
    try:
        built = build(archive, spec, aside, with_pdf=with_pdf)
        final = folder / built.report_id
        aside.rename(final)
    finally:
        if aside.exists():
            shutil.rmtree(aside)
    return dataclasses.replace(built, folder=final)


def published(archive: Archive) -> list[PublishedReport]:
    """The reports published into the archive's folder, newest first."""
    found = []
    for manifest_path in sorted((archive.folder / PUBLISHED).glob("RP-*/" + MANIFEST)):
        manifest = json.loads(manifest_path.read_bytes())
        found.append(
            PublishedReport(
                str(manifest["report"]),
                str(manifest.get("spec", {}).get("title", "")),
                str(manifest.get("lang", "")),
                str(manifest.get("built_at", "")),
                int(manifest["checkpoint"]["size"]),
                sorted(p.name for p in manifest_path.parent.iterdir() if p.is_file()),
            )
        )
    return sorted(found, key=lambda r: (r.checkpoint_size, r.report_id), reverse=True)


def published_file(archive: Archive, report_id: str, name: str) -> Path:
    """One file of a published report, by names only the listing gives."""
    for report in published(archive):
        if report.report_id == report_id and name in report.files:
            return archive.folder / PUBLISHED / report_id / name
    raise NotFound(
        Phrase("no file %(file)s in report %(report)s", file=repr(name), report=repr(report_id)),
        hint=Phrase("See the reports page."),
    )


def _comparable_releases(
    archive: Archive, spec: ReportSpec, size: int
) -> list[tuple[str, bytes, dict[str, Any]]]:
    """The release ledger's reports that count the same scope, as finely, from an earlier
    state of the archive: (report id, manifest bytes, manifest). Only releases whose
    manifest the log holds are taken."""
    folder = archive.folder / RELEASES
    if not folder.is_dir():
        return []
    wanted = spec.as_dict()
    found = []
    logged = _logged_reports(archive)
    for path in sorted(folder.glob("RP-*.json")):
        data = path.read_bytes()
        try:
            manifest = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        release = str(manifest.get("report", ""))
        if logged.get(release) != commit(bytes(SALT_SIZE), data):
            continue  # not a release this archive published
        spec_data = manifest.get("spec") or {}
        if "epsilon" in (spec_data.get("disclosure") or {}) or spec.settings.epsilon:
            continue  # noised counts need not add up with others: composition instead
        if (
            spec_data.get("scope") == wanted["scope"]
            and spec_data.get("coarsening") == wanted["coarsening"]
            and int((manifest.get("checkpoint") or {}).get("size", size + 1)) <= size
        ):
            found.append((release, data, manifest))
    return found


def _earlier(ledger: list[tuple[str, bytes, dict[str, Any]]]) -> list[Earlier]:
    return [
        table
        for release, _, manifest in ledger
        for table in earlier_tables(release, manifest.get("figures", []))
    ]


def _logged_reports(archive: Archive) -> dict[str, str]:
    """Each published report's id and the commitment its ``report`` entry holds."""
    found = {}
    with archive.engine.connect() as connection:
        for _, raw in read_entries(connection):
            if b'"report"' in raw:
                entry = parse_entry(raw)
                if entry.kind == "report":
                    found[entry.record_id] = entry.commitment
    return found


def context_of(
    report_id: str,
    spec: ReportSpec,
    origin: str,
    size: int,
    root_hash: bytes,
    built_at: str,
    stated_privacy: dict[str, Any] | None = None,
) -> render.Context:
    return render.Context(
        report_id=report_id,
        title=spec.title,
        lang=spec.lang,
        origin=origin,
        checkpoint_size=size,
        root_hash=root_hash.hex(),
        built_at=built_at,
        k=spec.settings.k,
        protect_zeros=spec.settings.protect_zeros,
        dates=spec.scope.dates,
        sections=spec.sections,
        privacy=stated_privacy,
    )
