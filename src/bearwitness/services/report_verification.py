"""Verifying a report folder against the archive it was built from (``report verify``).

Every figure is computed again from the archive as it stood at the report's signed
checkpoint and rendered again; each file is compared with what the figures give, and
each figure that differs is named, with every other problem, in the result. Nothing
here says a report is good without these checks having run: ``ok`` is "no problem
found" after all of them.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bearwitness.errors import BearWitnessError, NotFound, VerificationError
from bearwitness.reports import pdf, privacy, render
from bearwitness.reports.disclosure import Earlier, Suppression
from bearwitness.reports.figures import (
    SUMMARY,
    UNITS,
    Computed,
    Figure,
    claims_in_scope,
    compute,
    earlier_tables,
    estimate_figure,
    table_figure,
)
from bearwitness.reports.spec import ReportSpec, spec_from_dict
from bearwitness.reports.tables import Table, count_tables
from bearwitness.services._ledger import read_entries
from bearwitness.services.archive import RELEASES, Archive
from bearwitness.services.checkpoints import log_verifier
from bearwitness.services.reporting import (
    CLAIMS_CSV,
    ESTIMATES_CSV,
    FORMAT,
    MANIFEST,
    PDF,
    SIGNATURE,
    Snapshot,
    context_of,
    outputs,
    sha256,
    snapshot,
)
from bearwitness.tlog.checkpoint import open_checkpoint
from bearwitness.tlog.entry import SALT_SIZE, canonical_json, commit, parse_entry
from bearwitness.tlog.note import verify_note


@dataclass
class ReportVerification:
    report_id: str = ""
    checkpoint_size: int = 0
    root_hash: str = ""
    log_index: int | None = None
    figures_checked: int = 0
    differing: list[str] = field(default_factory=list)  # figure ids
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_manifest(folder: Path) -> tuple[bytes, dict[str, Any]]:
    path = folder / MANIFEST
    if not path.is_file():
        raise NotFound(
            f"{folder} holds no {MANIFEST}", hint="Give the folder a report was built in."
        )
    data = path.read_bytes()
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise VerificationError(f"{MANIFEST} is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise VerificationError(f"{MANIFEST} is not a {FORMAT} manifest")
    return data, manifest


def verify(archive: Archive, folder: Path) -> ReportVerification:
    """Check a report folder against the archive; every problem is named in the result."""
    archive.require_secrets()
    report = ReportVerification()
    data, manifest = read_manifest(folder)
    report.report_id = str(manifest.get("report", ""))
    try:
        _check_signature(archive, folder, data, manifest)
    except BearWitnessError as error:
        report.problems.append(f"signature: {error.message}")
    checkpoint = manifest.get("checkpoint") or {}
    try:
        opened = open_checkpoint(str(checkpoint["note"]).encode(), log_verifier(archive))
        size, root_hash = opened.checkpoint.size, opened.checkpoint.root_hash
    except (KeyError, TypeError, BearWitnessError) as error:
        message = error.message if isinstance(error, BearWitnessError) else "missing"
        report.problems.append(f"checkpoint: {message}")
        return report
    report.checkpoint_size, report.root_hash = size, root_hash.hex()
    if checkpoint.get("size") != size or checkpoint.get("root_hash") != root_hash.hex():
        report.problems.append("checkpoint: the manifest's size or root is not its checkpoint's")
    report.log_index = _logged_at(archive, report.report_id, data)
    if report.log_index is None:
        report.problems.append("log: the manifest's hash is not in the archive's log")
    try:
        spec = spec_from_dict(manifest["spec"])
    except (KeyError, TypeError, BearWitnessError) as error:
        report.problems.append(
            f"spec: {error.message if isinstance(error, BearWitnessError) else 'missing'}"
        )
        return report
    if sha256(canonical_json(spec.as_dict())) != manifest.get("spec_sha256"):
        report.problems.append("spec: its hash differs from the manifest's")
    state = snapshot(archive, size, root_hash)
    published = {str(f.get("id")): f for f in manifest.get("figures", []) if isinstance(f, dict)}
    stated = manifest.get("privacy") if spec.settings.epsilon is not None else None
    if spec.settings.epsilon is not None:
        computed = _noised(state, spec, published, manifest.get("privacy"), report)
    else:
        earlier = _checked_against(archive, manifest, report)
        computed = compute(state.records, state.estimates, spec, earlier, state.claims)
        selected = {f.id: f for f in render.shown(computed.figures, spec.sections)}
        for figure_id in sorted(set(selected) | set(published)):
            report.figures_checked += 1
            mine, theirs = selected.get(figure_id), published.get(figure_id)
            if mine is None or theirs is None or mine.values != theirs.get("values"):
                _differs(report, figure_id, "the archive at that checkpoint gives other values")
    context = context_of(
        report.report_id,
        spec,
        str(manifest.get("origin", "")),
        size,
        root_hash,
        str(manifest.get("built_at", "")),
        stated if isinstance(stated, dict) else None,
    )
    listed = manifest.get("files") or {}
    expected = outputs(computed, context, with_pdf=PDF in listed)
    for name in sorted(set(expected) | set(listed)):
        _check_file(report, folder, name, expected.get(name), listed.get(name))
    return report


def _noised(
    state: Snapshot,
    spec: ReportSpec,
    published: dict[str, dict[str, Any]],
    stated: Any,
    report: ReportVerification,
) -> Computed:
    """A report with differential privacy: its noise was not kept, so its counts cannot be
    computed again. What is checked: the budget stated is the spec's; each table lists
    the categories the archive gives, and every published count lies within the noise's
    one-in-a-billion bound of the archive's count; the summary likewise; the estimates
    exactly. The files are then rendered from the manifest's figures and compared (a
    number changed in the HTML, the CSV or the PDF is named as without noise)."""
    epsilon = float(spec.settings.epsilon or 0)
    true = count_tables(state.records, spec.scope)
    if not isinstance(stated, dict) or not _budget_is(stated, epsilon, [t.id for t in true]):
        report.problems.append("privacy: the budget stated is not the spec's")
    runs = [
        estimate_figure(kept, spec.settings.k)
        for kept in state.estimates
        if spec.estimate_runs is None or kept.id in spec.estimate_runs
    ]
    shapes = [table_figure(t, {}) for t in true]
    claims = claims_in_scope(state.records, spec, state.claims)
    expected = render.shown(
        [Figure(SUMMARY, "summary", {}), *shapes, *runs, *claims], spec.sections
    )
    wanted = {figure.id: figure for figure in expected}
    by_id = {table.id: table for table in true}
    figures = []
    for figure_id in sorted(set(wanted) | set(published)):
        report.figures_checked += 1
        mine, theirs = wanted.get(figure_id), published.get(figure_id)
        values = theirs.get("values") if theirs is not None else None
        if mine is None or not isinstance(values, dict):
            _differs(report, figure_id, "not a figure the archive at that checkpoint gives")
            continue
        figure = Figure(figure_id, mine.kind, values)
        if mine.kind in ("estimate", "claims"):  # neither is noised
            good = mine.values == values
        elif mine.kind == "summary":
            good = _summary_plausible(values, true, epsilon)
            if good:  # in the order the report lists them (the manifest sorts its keys)
                figure = Figure(figure_id, mine.kind, {unit: values[unit] for unit in UNITS})
        else:
            good = _table_plausible(by_id[figure_id], values, epsilon)
        if not good:
            _differs(
                report,
                figure_id,
                "the archive at that checkpoint gives counts further off than the noise allows",
            )
        figures.append(figure)
    order = {figure.id: index for index, figure in enumerate(expected)}
    figures.sort(key=lambda figure: order.get(figure.id, len(order)))
    return Computed(figures, true, Suppression())


def _budget_is(stated: dict[str, Any], epsilon: float, tables: list[str]) -> bool:
    per_table, total = stated.get("epsilon_per_table"), stated.get("epsilon_total")
    if not isinstance(per_table, int | float) or not isinstance(total, int | float):
        return False
    return (
        stated.get("tables") == tables
        and stated.get("noise_seed") is None
        and epsilon <= per_table <= epsilon * (1 + 1e-9)
        and math.isclose(total, per_table * len(tables), rel_tol=1e-9)
    )


def _table_plausible(true: Table, values: dict[str, Any], epsilon: float) -> bool:
    try:
        (row_dimension, rows), (column_dimension, columns) = values["rows"], values["columns"]
        cells = {(str(r), str(c)): value for r, c, value in values["cells"]}
    except (KeyError, TypeError, ValueError):
        return False
    if (row_dimension, column_dimension, values.get("unit")) != (
        true.row_dimension,
        true.column_dimension,
        true.unit,
    ):
        return False
    return privacy.plausible(true, rows, columns, cells, epsilon)


def _summary_plausible(values: dict[str, Any], true: list[Table], epsilon: float) -> bool:
    first: dict[str, Table] = {}
    for table in true:
        first.setdefault(table.unit, table)
    if set(values) != set(UNITS):
        return False
    for unit in UNITS:
        value, counted = values[unit], first.get(unit)
        if counted is None:
            if value is not None:
                return False
            continue
        if value is None:
            continue
        allowed = privacy.tolerance(epsilon, len(counted.inner()))
        if not isinstance(value, int) or abs(value - counted.value(counted.grand())) > allowed:
            return False
    return True


def _checked_against(
    archive: Archive, manifest: dict[str, Any], report: ReportVerification
) -> list[Earlier]:
    """The earlier releases a report was checked against, from the archive's ledger."""
    earlier: list[Earlier] = []
    for item in manifest.get("checked_against") or []:
        release = str(item.get("report", ""))
        path = archive.folder / RELEASES / f"{release}.json"
        data = path.read_bytes() if path.is_file() and "/" not in release else b""
        if not data or sha256(data) != item.get("manifest_sha256"):
            report.problems.append(f"release ledger: {release} is missing or changed")
            continue
        earlier += earlier_tables(release, json.loads(data).get("figures", []))
    return earlier


def _differs(report: ReportVerification, figure_id: str, why: str) -> None:
    if figure_id not in report.differing:
        report.differing.append(figure_id)
    report.problems.append(f"figure {figure_id}: {why}")


def _check_file(
    report: ReportVerification, folder: Path, name: str, expected: bytes | None, listed: Any
) -> None:
    path = folder / name
    if expected is None or listed is None:
        report.problems.append(f"{name}: not a file this report has")
        return
    if not path.is_file():
        report.problems.append(f"{name}: missing")
        return
    data = path.read_bytes()
    if name == PDF:
        _check_pdf(report, data, expected, listed)
        return
    if listed != sha256(expected):
        report.problems.append(f"{name}: the manifest's hash is not what the figures give")
    if data == expected:
        return
    actual, wanted = data.decode(errors="replace"), expected.decode()
    if name.endswith(".csv") and name not in (ESTIMATES_CSV, CLAIMS_CSV):
        _differs(report, name.removesuffix(".csv"), f"{name} differs from what it must say")
        return
    if name == ESTIMATES_CSV:
        before = dict(_csv_rows(wanted))
        for run, line in _csv_rows(actual):
            if before.get(run) != line:
                _differs(report, f"estimate-{run}", f"{name} differs from what it must say")
        return
    if name == CLAIMS_CSV:  # rows by figure id: name each figure whose rows differ
        rows, changed = _rows_by_figure(wanted), _rows_by_figure(actual)
        for figure_id in sorted(set(rows) | set(changed)):
            if rows.get(figure_id) != changed.get(figure_id):
                _differs(report, figure_id, f"{name} differs from what it must say")
        return
    blocks, found = render.figure_blocks(wanted), render.figure_blocks(actual)
    named = False
    for figure_id in sorted(set(blocks) | set(found)):
        if blocks.get(figure_id) != found.get(figure_id):
            _differs(report, figure_id, f"{name} differs from what it must say")
            named = True
    if not named or render.outside_figures(wanted) != render.outside_figures(actual):
        report.problems.append(f"{name}: its text outside the figures was changed")


def _check_pdf(report: ReportVerification, data: bytes, expected: bytes, listed: Any) -> None:
    """The PDF is laid out again from the HTML the figures give. Other fonts or another
    WeasyPrint give other bytes, so what is compared is its text; a line that differs is
    put down to the figure whose id follows it on the page."""
    if sha256(data) != listed:
        report.problems.append(f"{PDF}: its hash is not the manifest's (changed)")
    if data == expected:
        return
    try:
        actual = pdf.text(data).splitlines()
    except Exception:  # pypdf raises many kinds on a damaged file: it fails either way
        report.problems.append(f"{PDF}: it cannot be read as a PDF")
        return
    wanted = pdf.text(expected).splitlines()
    if actual == wanted:
        return
    marker = re.compile(r"(?:Figure|Показатель) ([A-Za-z0-9._-]+)$")
    changed = {
        index
        for tag, start, end, _, _ in difflib.SequenceMatcher(a=wanted, b=actual).get_opcodes()
        if tag != "equal"
        for index in range(start, max(end, start + 1))
    }
    named = False
    for index in sorted(changed):
        following = (marker.search(line) for line in wanted[index:])
        figure_id = next((m.group(1) for m in following if m), None)
        if figure_id is not None:
            _differs(report, figure_id, f"{PDF} differs from what it must say")
            named = True
    if not named:
        report.problems.append(f"{PDF}: its text outside the figures was changed")


def _rows_by_figure(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for figure_id, line in _csv_rows(text):
        found.setdefault(figure_id, []).append(line)
    return found


def _csv_rows(text: str) -> list[tuple[str, str]]:
    return [(line.split(",", 1)[0], line) for line in text.splitlines()[1:]]


def _check_signature(archive: Archive, folder: Path, data: bytes, manifest: dict[str, Any]) -> None:
    path = folder / SIGNATURE
    if not path.is_file():
        raise VerificationError(f"{SIGNATURE} is missing")
    note, _ = verify_note(path.read_bytes(), [log_verifier(archive)])
    expected = (
        f"{FORMAT}\n{manifest.get('origin')}\n{manifest.get('report')}\nsha256:{sha256(data)}\n"
    )
    if note.text.decode() != expected:
        raise VerificationError("the signed note does not name this manifest's hash")


def _logged_at(archive: Archive, report_id: str, data: bytes) -> int | None:
    wanted = commit(bytes(SALT_SIZE), data)
    with archive.engine.connect() as connection:
        for index, raw in read_entries(connection):
            if b'"report"' not in raw:
                continue
            entry = parse_entry(raw)
            if (
                entry.kind == "report"
                and entry.record_id == report_id
                and entry.commitment == wanted
            ):
                return index
    return None
