"""An evidence dossier for lawyers, as one self-contained HTML page (and so a PDF).

Pure: the items come in already decided (what may be shown, under whose consent, and
which proof bundle proves which file); this module lays them out. Each item says what
it is, where it came from, its chain of custody (every logged version: who, when, what
was done, at which log entry), and which copy the dossier holds, in the spirit of the
Berkeley Protocol on Digital Open Source Investigations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

from bearwitness.reports.i18n import N_, translator


@dataclass(frozen=True)
class CustodyStep:
    """One logged version of an item."""

    version: int
    operation: str
    actor: str  # a pseudonym: the log is published, and so is this
    recorded_at: str
    log_index: int | None


@dataclass(frozen=True)
class Item:
    """One record in the dossier, with what may be shown of it."""

    id: str
    kind: str  # event, act, person, source, document, evidence
    facts: tuple[tuple[str, str], ...]  # (label msgid, value), in order
    custody: tuple[CustodyStep, ...] = ()
    withheld: str = ""  # why some of it is not shown (consent), else empty
    bundle: str = ""  # the proof bundle's folder, relative to the dossier
    copy: str = ""  # which copy the bundle holds (evidence only)
    sha256: str = ""  # of the original file (evidence only)


@dataclass(frozen=True)
class EventPart:
    event: Item
    acts: tuple[Item, ...] = ()
    people: tuple[Item, ...] = ()
    documents: tuple[Item, ...] = ()
    sources: tuple[Item, ...] = ()
    evidence: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Dossier:
    lang: str
    origin: str
    built_at: str
    checkpoint_size: int
    root_hash: str
    purpose: str  # its label, in the dossier's language
    parts: tuple[EventPart, ...] = field(default=())


KIND_TITLES = {
    "acts": N_("Acts"),
    "people": N_("Victims and other people"),
    "sources": N_("Sources"),
    "documents": N_("Documents"),
    "evidence": N_("Evidence files"),
}
EVIDENTIARY = N_("evidentiary copy: the original bytes as received, sealed on intake")
STYLE = (
    "body{font-family:'DejaVu Sans',sans-serif;font-size:10pt;margin:1.5em;color:#111}"
    "h1{font-size:16pt}h2{font-size:13pt;border-bottom:1px solid #999;margin-top:1.6em}"
    "h3{font-size:11pt;margin-bottom:.2em}table{border-collapse:collapse;margin:.3em 0 .8em}"
    "td,th{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}"
    ".item{page-break-inside:avoid;margin-bottom:.8em}.withheld{color:#8a1c1c}"
    ".source{color:#444;font-size:9pt}code{font-size:8.5pt;word-break:break-all}"
)


def html(dossier: Dossier) -> str:
    _ = translator(dossier.lang)
    title = _("Evidence dossier")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{dossier.lang}"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        '<p class="source">'
        + escape(
            _(
                "Built on {date} from the archive {origin} as signed at log size {size} "
                "(root hash {root}), for: {purpose}."
            ).format(
                date=dossier.built_at,
                origin=dossier.origin,
                size=dossier.checkpoint_size,
                root=dossier.root_hash,
                purpose=dossier.purpose,
            )
        )
        + "</p>",
        "<p>"
        + escape(
            _(
                "People are named only as their consent allows; otherwise they appear by "
                "pseudonymous id. Each evidence file has a proof bundle in this folder: "
                "check it with python tools/verify_bundle.py BUNDLE --vkey KEY, with the "
                "log key received separately."
            )
        )
        + "</p>",
    ]
    for part in dossier.parts:
        parts.append(f"<h2>{escape(_('Event'))} {escape(part.event.id)}</h2>")
        parts.append(_item(part.event, _))
        for name in ("acts", "people", "sources", "documents", "evidence"):
            items: Sequence[Item] = getattr(part, name)
            if items:
                parts.append(f"<h3>{escape(_(KIND_TITLES[name]))}</h3>")
                parts += [_item(item, _) for item in items]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _item(item: Item, gettext: Callable[[str], str]) -> str:
    rows = [
        f"<tr><th>{escape(gettext(label))}</th><td>{escape(value)}</td></tr>"
        for label, value in item.facts
        if value
    ]
    if item.sha256:
        rows.append(f"<tr><th>SHA-256</th><td><code>{escape(item.sha256)}</code></td></tr>")
    if item.copy:
        rows.append(
            f"<tr><th>{escape(gettext('Copy'))}</th><td>{escape(gettext(item.copy))}</td></tr>"
        )
    if item.bundle:
        rows.append(
            f"<tr><th>{escape(gettext('Proof bundle'))}</th>"
            f"<td><code>{escape(item.bundle)}</code></td></tr>"
        )
    block = [f'<div class="item" id="{escape(item.id)}"><strong>{escape(item.id)}</strong>']
    if item.withheld:
        block.append(
            f'<p class="withheld">{escape(gettext("Shown in part: consent does not cover"))} '
            f"{escape(item.withheld)}</p>"
        )
    block.append("<table>" + "".join(rows) + "</table>")
    if item.custody:
        block.append(
            f"<table><tr><th>{escape(gettext('Version'))}</th><th>{escape(gettext('What'))}"
            f"</th><th>{escape(gettext('By'))}</th><th>{escape(gettext('When'))}</th>"
            f"<th>{escape(gettext('Log entry'))}</th></tr>"
            + "".join(
                f"<tr><td>{step.version}</td><td>{escape(gettext(step.operation))}</td>"
                f"<td>{escape(step.actor)}</td><td>{escape(step.recorded_at)}</td>"
                f"<td>{'' if step.log_index is None else step.log_index}</td></tr>"
                for step in item.custody
            )
            + "</table>"
        )
    block.append("</div>")
    return "".join(block)
