"""Bar charts drawn as inline SVG text: no library, no outside resource, same bytes each time.

A hidden cell gets no bar (its length would give it away), only its label and
the mark the tables use.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

INK = "#222222"
FILL = "#4575b4"
ACCENT = "#b2182b"
MUTED = "#8c8c8c"
WIDTH = 720
BAR = 18
GAP = 6
LABEL = 330
LONGEST = 48  # characters of a label in a chart (the table beside it has it whole)


def bars(title: str, items: Sequence[tuple[str, int | None, str]], hidden_mark: str) -> str:
    """Horizontal bars: (label, value or None when hidden, the value as written)."""
    if not items:
        return ""
    top = max((value for _, value, _ in items if value is not None), default=0) or 1
    span = WIDTH - LABEL - 70
    height = len(items) * (BAR + GAP) + GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, sans-serif" '
        f'font-size="12"><title>{escape(title)}</title>'
    ]
    for index, (label, value, written) in enumerate(items):
        y = GAP + index * (BAR + GAP)
        label = label if len(label) <= LONGEST else label[: LONGEST - 1] + "…"
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + BAR - 5}" text-anchor="end" fill="{INK}">'
            f"{escape(label)}</text>"
        )
        if value is None:
            parts.append(
                f'<text x="{LABEL}" y="{y + BAR - 5}" fill="{MUTED}">{escape(hidden_mark)}</text>'
            )
            continue
        length = round(span * value / top, 1)
        parts.append(
            f'<rect x="{LABEL}" y="{y}" width="{length}" height="{BAR}" fill="{FILL}"/>'
            f'<text x="{LABEL + length + 6}" y="{y + BAR - 5}" fill="{INK}">'
            f"{escape(written)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def interval(
    title: str,
    documented: int | None,
    estimate: tuple[int, int, int] | None,
    labels: tuple[str, str],
    written: tuple[str, str],
) -> str:
    """Documented (a bar) against the estimated total (a dot on its interval)."""
    ends = [x for x in (documented, *(estimate or ())) if x is not None]
    if not ends:
        return ""
    top = max(ends) * 1.1 or 1
    span = WIDTH - LABEL - 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="66" '
        f'viewBox="0 0 {WIDTH} 66" font-family="DejaVu Sans, sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>"
    ]
    if documented is not None:
        length = round(span * documented / top, 1)
        parts.append(
            f'<text x="{LABEL - 8}" y="21" text-anchor="end" fill="{INK}">'
            f"{escape(labels[0])}</text>"
            f'<rect x="{LABEL}" y="8" width="{length}" height="18" fill="{FILL}"/>'
            f'<text x="{LABEL + length + 6}" y="21" fill="{INK}">{escape(written[0])}</text>'
        )
    if estimate is not None:
        median, low, high = (round(span * x / top, 1) + LABEL for x in estimate)
        parts.append(
            f'<text x="{LABEL - 8}" y="51" text-anchor="end" fill="{INK}">'
            f"{escape(labels[1])}</text>"
            f'<line x1="{low}" y1="46" x2="{high}" y2="46" stroke="{ACCENT}" stroke-width="2"/>'
            f'<circle cx="{median}" cy="46" r="5" fill="{ACCENT}"/>'
            f'<text x="{high + 6}" y="51" fill="{INK}">{escape(written[1])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
