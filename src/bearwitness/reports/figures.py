"""Every figure of a report, each with an id and its values as published.

A figure is what a reader may quote: a table (its cells after disclosure control,
``None`` where hidden), the summary's totals, one estimate run. Its ``values`` are
plain JSON, so the manifest can hold them and ``report verify`` can compare what
it recomputes with what was published, figure by figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bearwitness.domain.records import Record
from bearwitness.reports import claims as claim_figures
from bearwitness.reports import privacy
from bearwitness.reports.claims import ClaimInput
from bearwitness.reports.disclosure import Earlier, Suppression, published, suppress
from bearwitness.reports.spec import ReportSpec
from bearwitness.reports.tables import Table, count_tables, select

SUMMARY = "summary"
UNITS = ("acts", "victims", "events", "interventions")


@dataclass(frozen=True)
class Figure:
    id: str
    kind: str  # "table", "summary", "estimate" or "claims"
    values: dict[str, Any]


@dataclass(frozen=True)
class KeptEstimate:
    """An estimate run as the archive kept it: its id and its result document."""

    id: str
    result: dict[str, Any]


@dataclass(frozen=True)
class Computed:
    figures: list[Figure]
    tables: list[Table]  # as published: noised, when the spec asks for differential privacy
    suppression: Suppression
    budget: privacy.Budget | None = None

    def figure(self, figure_id: str) -> Figure:
        return next(f for f in self.figures if f.id == figure_id)


def compute(
    records: Sequence[Record],
    estimates: Sequence[KeptEstimate],
    spec: ReportSpec,
    earlier: Sequence[Earlier] = (),
    claims: Sequence[ClaimInput] = (),
) -> Computed:
    """The report's figures from the records and kept runs in force at its checkpoint;
    ``earlier``: the same tables as earlier releases published them (differencing).

    With ``epsilon`` in the spec the tables are noised first (``reports/privacy.py``), and
    not linked to earlier releases: noised counts need not add up with exact ones, and
    each release spends its own budget (composition) instead."""
    tables = count_tables(records, spec.scope)
    budget = None
    if spec.settings.epsilon is not None:
        tables, budget = privacy.noised(tables, spec.settings.epsilon)
        earlier = ()
    hidden = suppress(tables, spec.settings, earlier)
    shown = published(tables, hidden)
    figures = [_summary(tables, shown)]
    for table in tables:
        figures.append(table_figure(table, shown[table.id]))
    wanted = spec.estimate_runs
    for kept in estimates:
        if wanted is None or kept.id in wanted:
            figures.append(estimate_figure(kept, spec.settings.k))
    figures += claims_in_scope(records, spec, claims)
    return Computed(figures, tables, hidden, budget)


def claims_in_scope(
    records: Sequence[Record], spec: ReportSpec, claims: Sequence[ClaimInput]
) -> list[Figure]:
    """The claims figures of the incidents in the spec's scope (its events, its acts)."""
    if not claims:
        return []
    events = set(select(records, spec.scope).events)
    acts = set(spec.scope.act_types)
    return claims_figures(
        [c for c in claims if c.event_id in events and (not acts or c.act in acts)]
    )


def claims_figures(claims: Sequence[ClaimInput]) -> list[Figure]:
    """The claims section's figures: one per incident (public claims: neither noised nor
    suppressed, and no claimant named whom consent does not let a report name)."""
    return [
        Figure(figure_id, "claims", values) for figure_id, values in claim_figures.figures(claims)
    ]


def table_figure(table: Table, shown: dict[tuple[str, str], int | None]) -> Figure:
    """A table as the report publishes it: its cells, None where hidden."""
    return Figure(
        table.id,
        "table",
        {
            "unit": table.unit,
            "rows": [table.row_dimension, list(table.rows)],
            "columns": [table.column_dimension, list(table.columns)],
            "cells": [[r, c, value] for (r, c), value in shown.items()],
        },
    )


def _summary(tables: list[Table], shown: dict[str, dict[tuple[str, str], int | None]]) -> Figure:
    totals: dict[str, int | None] = {}
    for table in tables:
        if table.unit not in totals:
            totals[table.unit] = shown[table.id][table.grand()]
    return Figure(SUMMARY, "summary", {unit: totals.get(unit) for unit in UNITS})


def _whole(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return round(value)
    return None


def estimate_figure(kept: KeptEstimate, k: int) -> Figure:
    """One kept run as the report publishes it."""
    result = kept.result
    raw_inputs, raw_total = result.get("inputs"), result.get("N")
    inputs: dict[str, Any] = raw_inputs if isinstance(raw_inputs, dict) else {}
    total: dict[str, Any] = raw_total if isinstance(raw_total, dict) else {}
    documented = _whole(result.get("n_observed"))
    # A run over fewer than k people says how few: it is hidden like a small cell.
    small = documented is None or documented < k
    return Figure(
        f"estimate-{kept.id}",
        "estimate",
        {
            "run": kept.id,
            "method": str(result.get("method", "")),
            "lists": [str(name) for name in inputs.get("lists") or []],
            "stratified_by": [str(name) for name in inputs.get("strata_columns") or []],
            "documented": None if small else documented,
            "median": None if small else _whole(total.get("median")),
            "lower": None if small else _whole(total.get("lower")),
            "upper": None if small else _whole(total.get("upper")),
        },
    )


def earlier_tables(release: str, figures: Iterable[dict[str, Any]]) -> list[Earlier]:
    """The tables of an earlier release, from its manifest's figures."""
    found = []
    for figure in figures:
        if figure.get("kind") != "table":
            continue
        values = figure["values"]
        (row_dimension, rows), (column_dimension, columns) = values["rows"], values["columns"]
        shape = Table(
            str(figure["id"]),
            str(values["unit"]),
            str(row_dimension),
            str(column_dimension),
            tuple(rows),
            tuple(columns),
            {},
        )
        shown = {(str(r), str(c)): value for r, c, value in values["cells"]}
        found.append(Earlier(release, shape, shown))
    return found
