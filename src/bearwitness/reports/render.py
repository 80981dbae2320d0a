"""A report as one self-contained HTML file and one CSV per published table.

Rendering is a pure function of the figures and a :class:`Context`, so ``report
verify`` can render again and compare byte for byte. Each figure sits between
``<!-- figure:ID -->`` and ``<!-- /figure:ID -->`` in the HTML, which lets it name
the figure that differs. Nothing outside is loaded: styles are inline, charts are
inline SVG, and a Content-Security-Policy forbids any other source.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from bearwitness.reports import charts
from bearwitness.reports.figures import SUMMARY, Figure
from bearwitness.reports.i18n import N_, label, number, translator
from bearwitness.reports.tables import COUNT, TOTAL

HIDDEN = "x"
SECTION_OF = {
    "summary": "summary",
    "acts-by-type-and-district": "counts",
    "acts-by-month": "counts",
    "victims-by-sex-and-age": "counts",
    "events-by-month": "timeline",
    "interventions-by-kind-and-status": "interventions",
}
TITLES = {
    "acts-by-type-and-district": N_("Documented acts by type and district"),
    "acts-by-month": N_("Documented acts by period"),
    "victims-by-sex-and-age": N_("Documented victims by sex and age band"),
    "events-by-month": N_("Documented events by period"),
    "interventions-by-kind-and-status": N_("Interventions by kind and status"),
}
DIMENSIONS = {
    "act_type": N_("Act type"),
    "district": N_("District"),
    "period": N_("Period"),
    "sex": N_("Sex"),
    "age_band": N_("Age band"),
    "intervention": N_("Intervention"),
    "intervention_status": N_("Status"),
}
SECTION_TITLES = {
    "summary": N_("Summary"),
    "counts": N_("Documented counts"),
    "timeline": N_("Timeline of events"),
    "estimates": N_("Estimates"),
    "claims": N_("Claims and denials"),
    "interventions": N_("Interventions"),
    "method": N_("Method"),
}
CLAIMS_CSV = "claims.csv"
CLAIMS_NOTE = N_(
    "Claims are what others said, not what the archive documents. Each original claimant "
    "counts once, however many outlets repeat it; a claim is independently corroborated when "
    "at least two original claimants that do not relay one another assert it. Denials are "
    "kept beside the claims, never subtracted. The most conservative supported figure is the "
    "lowest figure any claimant supports."
)
METHOD_WORDS = {
    "lcmcr": N_(
        "Latent-class multiple systems estimation (LCMCR): people are grouped into "
        "classes that are each equally likely to appear on each list, which allows for "
        "people who are easier or harder to document."
    ),
    "loglinear": N_(
        "Log-linear multiple systems estimation: models how the lists overlap, "
        "allowing for lists that depend on each other, and averages over the models."
    ),
    "dga": N_(
        "Bayesian model averaging over decomposable graphical models (DGA): the lists may "
        "depend on each other in any of the ways such a graph allows."
    ),
}
_FIGURE = re.compile(r"<!-- figure:([A-Za-z0-9._-]+) -->(.*?)<!-- /figure:\1 -->", re.S)


@dataclass(frozen=True)
class Context:
    """What the text says about where the figures come from."""

    report_id: str
    title: str
    lang: str
    origin: str
    checkpoint_size: int
    root_hash: str  # hex
    built_at: str  # YYYY-MM-DD
    k: int
    protect_zeros: bool
    dates: str
    sections: tuple[str, ...]
    # Differential privacy, when the spec asks for it: the manifest's "privacy" statement
    # (reports/privacy.py Budget.as_dict()); None for exact counts.
    privacy: dict[str, Any] | None = None


def section_of(figure: Figure) -> str:
    if figure.kind == "estimate":
        return "estimates"
    if figure.kind == "claims":
        return "claims"
    return SECTION_OF[figure.id]


def shown(figures: Sequence[Figure], sections: Sequence[str]) -> list[Figure]:
    """The figures a report with these sections publishes."""
    return [f for f in figures if section_of(f) in sections]


def html(figures: Sequence[Figure], context: Context) -> str:
    _ = translator(context.lang)
    title = context.title or _("Documented abuses: a report from the archive")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{context.lang}"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="bearwitness-report" content="{escape(context.report_id)}">',
        '<meta name="description" content="'
        + escape(
            f"BearWitness report {context.report_id}; archive {context.origin} at log size "
            f"{context.checkpoint_size}, root hash {context.root_hash}"
        )
        + '">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f'<header><h1>{escape(title)}</h1><p class="source">'
        + escape(
            _(
                "Built on {date} from the archive {origin} as signed at log size {size} "
                "(root hash {root}). Report {report}."
            ).format(
                date=context.built_at,
                origin=context.origin,
                size=context.checkpoint_size,
                root=context.root_hash[:16] + "…",
                report=context.report_id,
            )
        )
        + "</p></header>",
    ]
    selected = shown(figures, context.sections)
    for section in context.sections:
        if section == "method":
            parts.append(_method(context))
            continue
        inside = [f for f in selected if section_of(f) == section]
        parts.append(
            f'<section id="section-{section}"><h2>{escape(_(SECTION_TITLES[section]))}</h2>'
        )
        if section == "claims":
            parts.append(f'<p class="lower-bound">{escape(_(CLAIMS_NOTE))}</p>')
        if section == "counts":
            parts.append(f'<p class="lower-bound">{escape(_(LOWER_BOUND))}</p>')
            if context.privacy is not None:
                parts.append(f'<p class="noised">{escape(_noise_note(context))}</p>')
        if not inside:
            parts.append(f"<p>{escape(_('Nothing to show.'))}</p>")
        for figure in inside:
            parts.append(f"<!-- figure:{figure.id} -->")
            parts.append(_figure(figure, context))
            parts.append(
                f'<p class="figure-id">{escape(_("Figure"))} {escape(figure.id)}</p>'
                f"<!-- /figure:{figure.id} -->"
            )
        parts.append("</section>")
    parts.append(
        "<footer><p>"
        + escape(
            _(
                "Check every figure: bearwitness report verify ARCHIVE FOLDER, or without the "
                "archive: python tools/verify_report.py FOLDER --vkey-file KEY"
            )
        )
        + "</p></footer></body></html>\n"
    )
    return "\n".join(parts)


LOWER_BOUND = N_(
    "Every count here is documented (a lower bound): it counts what the archive holds, not "
    "everything that happened, and it is not a pattern: who was documented depends on who "
    "could speak."
)


def figure_blocks(document: str) -> dict[str, str]:
    """Each figure's part of a report's HTML, by id."""
    return {match.group(1): match.group(2) for match in _FIGURE.finditer(document)}


def outside_figures(document: str) -> str:
    return _FIGURE.sub("", document)


def _figure(figure: Figure, context: Context) -> str:
    if figure.kind == "summary":
        return _summary(figure, context)
    if figure.kind == "estimate":
        return _estimate(figure, context)
    if figure.kind == "claims":
        return _claims(figure, context)
    return _table(figure, context)


def _written(value: int | None, context: Context) -> str:
    return HIDDEN if value is None else number(value, context.lang)


def _summary(figure: Figure, context: Context) -> str:
    _ = translator(context.lang)
    names = {
        "acts": _("Documented acts"),
        "victims": _("Documented victims"),
        "events": _("Documented events"),
        "interventions": _("Interventions"),
    }
    items = "".join(
        f"<li>{escape(names[unit])}: <strong>{_written(value, context)}</strong>"
        + (
            f' <span class="note">({escape(_("documented, a lower bound"))})</span>'
            if unit != "interventions"
            else ""
        )
        + "</li>"
        for unit, value in figure.values.items()
    )
    return f'<div class="figure" id="{SUMMARY}"><ul class="summary">{items}</ul></div>'


def _cells(figure: Figure) -> dict[tuple[str, str], int | None]:
    return {(r, c): value for r, c, value in figure.values["cells"]}


def _table(figure: Figure, context: Context) -> str:
    _ = translator(context.lang)
    row_dimension, rows = figure.values["rows"]
    column_dimension, columns = figure.values["columns"]
    cells = _cells(figure)
    caption = _(TITLES[figure.id])
    if not rows:
        return (
            f'<div class="figure" id="{figure.id}"><h3>{escape(caption)}</h3>'
            f"<p>{escape(_('Nothing documented in this scope.'))}</p></div>"
        )
    two_way = column_dimension != COUNT
    head = [_(DIMENSIONS[row_dimension])]
    head += [label(column_dimension, c, context.lang) for c in columns] if two_way else []
    head.append(_("Total") if two_way else _("Documented"))
    lines = ["<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead>"]
    body = []
    for row in [*rows, TOTAL]:
        name = _("Total") if row == TOTAL else label(row_dimension, row, context.lang)
        values = [cells[(row, c)] for c in columns] if two_way and row != TOTAL else []
        if two_way and row == TOTAL:
            values = [cells[(TOTAL, c)] for c in columns]
        values.append(cells[(row, TOTAL)] if two_way else cells[(row, COUNT)])
        tag = "th" if row == TOTAL else "td"
        body.append(
            f"<tr><{tag}>{escape(name)}</{tag}>"
            + "".join(f'<td class="n">{_written(value, context)}</td>' for value in values)
            + "</tr>"
        )
    lines.append("<tbody>" + "".join(body) + "</tbody>")
    chart_items = [
        (
            label(row_dimension, row, context.lang),
            cells[(row, TOTAL)] if two_way else cells[(row, COUNT)],
            _written(cells[(row, TOTAL)] if two_way else cells[(row, COUNT)], context),
        )
        for row in rows
    ]
    chart = charts.bars(caption, chart_items, _("hidden"))
    note = _(
        "x: hidden, to protect the people counted (a count under {k}, or one that would let "
        "someone work out such a count)."
    ).format(k=context.k)
    return (
        f'<div class="figure" id="{figure.id}"><h3>{escape(caption)} '
        f'<span class="note">({escape(_("documented, a lower bound"))})</span></h3>'
        f'<div class="chart">{chart}</div>'
        f'<table>{"".join(lines)}</table><p class="note">{escape(note)} '
        f"CSV: {figure.id}.csv</p></div>"
    )


def _estimate(figure: Figure, context: Context) -> str:
    _ = translator(context.lang)
    values = figure.values
    lang = context.lang
    documented, median, lower, upper = (
        values[key] for key in ("documented", "median", "lower", "upper")
    )
    estimate = (median, lower, upper) if None not in (median, lower, upper) else None
    text = [
        f"<h3>{escape(_('Estimate {run}').format(run=values['run']))}</h3>",
    ]
    if documented is None:
        text.append(f"<p>{escape(_('Too few people for this estimate to be published.'))}</p>")
    else:
        text.append(
            "<p>"
            + escape(
                _("Documented: {documented} people (a lower bound).").format(
                    documented=number(documented, lang)
                )
            )
            + " "
            + escape(
                _("Estimated total: {median} (95% interval {lower} to {upper}).").format(
                    median=number(median, lang),
                    lower=number(lower, lang),
                    upper=number(upper, lang),
                )
                if estimate is not None
                else _("No estimated total could be given honestly for this run.")
            )
            + "</p>"
        )
        text.append(
            charts.interval(
                _("Documented and estimated"),
                documented,
                estimate,
                (_("Documented"), _("Estimated")),
                (
                    number(documented, lang),
                    ""
                    if estimate is None
                    else f"{number(median, lang)} [{number(lower, lang)}–{number(upper, lang)}]",
                ),
            )
        )
    lists = ", ".join(values["lists"]) or "—"
    text.append(f"<p>{escape(_('Lists used: {lists}.').format(lists=lists))}</p>")
    if values["stratified_by"]:
        text.append(
            "<p>"
            + escape(
                _("Estimated by stratum ({strata}); the strata are not shown.").format(
                    strata=", ".join(values["stratified_by"])
                )
            )
            + "</p>"
        )
    method = METHOD_WORDS.get(values["method"])
    text.append(
        f"<p>{escape(_('Method:'))} {escape(_(method) if method else values['method'])}</p>"
    )
    text.append(
        "<p>"
        + escape(
            _(
                "Assumptions, in plain words: the lists were made of one fixed group of people "
                "over the period; each person on a list is a real, distinct person and was "
                "matched correctly across lists; and the method's model of how the lists "
                "overlap fits. If people who were never on any list differ from everyone "
                "listed in ways the model cannot see, the estimate is off."
            )
        )
        + "</p>"
    )
    return f'<div class="figure" id="{figure.id}">{"".join(text)}</div>'


def _method(context: Context) -> str:
    _ = translator(context.lang)
    dates = {"month": _("months"), "quarter": _("quarters"), "year": _("years")}[context.dates]
    sentences = [
        _(
            "The figures were computed from the records of the archive as they stood when its "
            "log held {size} entries, a state signed in a checkpoint (root hash {root})."
        ).format(size=context.checkpoint_size, root=context.root_hash),
        _(
            "No count under {k} is published, nor any count that would let someone work one "
            "out from the totals or the other tables; an attacker test checked that no hidden "
            "count can be recovered."
        ).format(k=context.k),
        _("Zero counts are hidden as well.") if context.protect_zeros else "",
        _(
            "Dates are shown as {dates}, ages as bands and places as districts; a date too "
            "vague for that is counted under its year or as unknown."
        ).format(dates=dates),
        _(
            "Every figure has an id; the manifest (manifest.json, signed with the log key) ties "
            "it to the checkpoint, the spec and the disclosure settings, and gives the hash of "
            "every file."
        ),
    ]
    if context.privacy is not None:
        sentences.append(_budget(context))
    text = "".join(f"<p>{escape(s)}</p>" for s in sentences if s)
    return f'<section id="section-method"><h2>{escape(_("Method"))}</h2>{text}</section>'


def _epsilon(value: Any, language: str) -> str:
    text = f"{float(value):.4g}"
    return text.replace(".", ",") if language == "ru" else text


def _noise_note(context: Context) -> str:
    _ = translator(context.lang)
    stated = context.privacy or {}
    return _(
        "Random noise was added to every count (differential privacy, epsilon {epsilon} per "
        "table): a count may lie a little above or below what the archive holds, and the "
        "totals add up the noised counts."
    ).format(epsilon=_epsilon(stated.get("epsilon_per_table", 0), context.lang))


def _budget(context: Context) -> str:
    _ = translator(context.lang)
    stated = context.privacy or {}
    return _(
        "Differential privacy: OpenDP's Laplace mechanism for whole numbers (scale {scale}) "
        "added noise to every count of each of the {tables} tables before anything was "
        "hidden. Adding or removing one record (an act, a victim, an event or an "
        "intervention) changes the chance of anything a table shows by a factor of at most e "
        "to the power {epsilon}; the report as a whole spends epsilon {total} (the tables' "
        "budgets added up). Estimates are not noised. The noise was not kept and cannot be "
        "drawn again."
    ).format(
        scale=_epsilon(stated.get("scale", 0), context.lang),
        tables=len(stated.get("tables") or []),
        epsilon=_epsilon(stated.get("epsilon_per_table", 0), context.lang),
        total=_epsilon(stated.get("epsilon_total", 0), context.lang),
    )


def said(count: str, language: str) -> str:
    """A claimed figure in words: "~40" is "around 40" (около 40), ">=2" "at least 2"."""
    _ = translator(language)
    if count.startswith("~"):
        return _("around {n}").format(n=count[1:])
    if count.startswith(">="):
        return _("at least {n}").format(n=count[2:])
    if count.startswith("<="):
        return _("at most {n}").format(n=count[2:])
    if "-" in count:
        low, high = count.split("-", 1)
        return _("{low} to {high}").format(low=low, high=high)
    return count


def _claimant(item: dict[str, Any], context: Context) -> str:
    _ = translator(context.lang)
    name = item.get("name")
    return str(name) if name else _("a private source (not named)")


def _claims(figure: Figure, context: Context) -> str:
    _ = translator(context.lang)
    values = figure.values
    act = (
        _("other act")
        if values["act"] == "other"
        else label("act_type", str(values["act"]), context.lang)
    )
    caption = _("Event {event}: {act}").format(event=values["event"], act=act)
    rows = []
    for stance, items in (("asserts", values["claimants"]), ("denies", values["denials"])):
        role = label("stance", stance, context.lang)
        for item in items:
            says = ", ".join(said(c, context.lang) for c in item["counts"]) or "—"
            rows.append(
                f"<tr><td>{escape(_claimant(item, context))}</td><td>{escape(role)}</td>"
                f"<td>{escape(str(item['reliability']))}</td><td>{escape(says)}</td></tr>"
            )
    head = "".join(
        f"<th>{escape(h)}</th>"
        for h in (_("Original claimant"), _("Stance"), _("Reliability"), _("Figures"))
    )

    def shown_number(value: Any) -> str:
        return _("not given") if value is None else number(int(value), context.lang)

    corroborated = _("yes") if values["independent"] else _("no")
    summary = _(
        "Independently corroborated: {answer}. Most conservative supported figure: {n}; low "
        "{low}, best {best}, high {high}."
    ).format(
        answer=corroborated,
        n=shown_number(values["most_conservative"]),
        low=shown_number(values["low"]),
        best=shown_number(values["best"]),
        high=shown_number(values["high"]),
    )
    return (
        f'<div class="figure" id="{figure.id}"><h3>{escape(caption)}</h3>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<p>{escape(summary)}</p><p class="note">CSV: {CLAIMS_CSV}</p></div>'
    )


def claims_csv(figures: Sequence[Figure]) -> str:
    """Every claims figure as rows: one per original claimant and per denial."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["figure", "event", "act", "stance", "claimant", "reliability", "figures",
         "independent", "most_conservative", "low", "best", "high"]
    )  # fmt: skip
    for figure in figures:
        v = figure.values
        tail = ["yes" if v["independent"] else "no"] + [
            "" if v[key] is None else str(v[key])
            for key in ("most_conservative", "low", "best", "high")
        ]
        for stance, items in (("asserts", v["claimants"]), ("denies", v["denials"])):
            for item in items:
                writer.writerow(
                    [figure.id, v["event"], v["act"], stance, item["name"] or "",
                     item["reliability"], ";".join(item["counts"]), *tail]
                )  # fmt: skip
    return buffer.getvalue()


def table_csv(figure: Figure) -> str:
    """A table figure as CSV: codes, not labels (the same in both languages); ``x`` hidden."""
    row_dimension, rows = figure.values["rows"]
    column_dimension, columns = figure.values["columns"]
    cells = _cells(figure)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    two_way = column_dimension != COUNT
    writer.writerow([row_dimension, *(columns if two_way else []), "total" if two_way else "count"])
    for row in [*rows, TOTAL]:
        keys = [(row, c) for c in columns] + [(row, TOTAL)] if two_way else [(row, COUNT)]
        writer.writerow(
            ["total" if row == TOTAL else row]
            + [HIDDEN if cells[key] is None else str(cells[key]) for key in keys]
        )
    return buffer.getvalue()


def estimates_csv(figures: Sequence[Figure]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["run", "method", "lists", "documented", "median", "lower", "upper"])
    for figure in figures:
        v = figure.values
        writer.writerow(
            [v["run"], v["method"], ";".join(v["lists"])]
            + [
                "" if v[key] is None else str(v[key])
                for key in ("documented", "median", "lower", "upper")
            ]
        )
    return buffer.getvalue()


STYLE = (
    "body{font-family:'DejaVu Sans',Arial,sans-serif;color:#222;max-width:60rem;margin:2rem auto;"
    "padding:0 1rem;line-height:1.45}h1{font-size:1.7rem}h2{border-bottom:1px solid #ccc;"
    "margin-top:2rem}h3{font-size:1.05rem}table{border-collapse:collapse;margin:.5rem 0}"
    "th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}.note{color:#555;font-size:.85rem;font-weight:normal}"
    ".source{color:#555}.lower-bound{background:#f5f5f0;padding:.5rem;border-left:4px solid "
    "#b2182b}.figure{margin:1.5rem 0}.chart{break-inside:avoid}tr{break-inside:avoid}"
    "svg{max-width:100%;height:auto}.figure-id{color:#777;font-size:.75rem}"
    "@page{size:A4;margin:15mm;@bottom-right{content:counter(page) ' / ' counter(pages);"
    "font-size:8pt;color:#777}}"
    "@media print{body{max-width:none;margin:0;padding:0;font-size:9.5pt}"
    "table{font-size:8pt;width:100%}th,td{padding:.1rem .25rem}h2{break-after:avoid}"
    "h3{break-after:avoid}}"
)
