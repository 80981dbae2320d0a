"""The start page's dashboard: charts drawn by the server as SVG (no script needed), and
the district map's boundary file, uploaded by an admin."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Annotated

from babel.dates import format_date
from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from bearwitness.domain import vocabulary
from bearwitness.errors import BearWitnessError
from bearwitness.services import audit, boundaries
from bearwitness.services.dashboard import Dashboard, month_start
from bearwitness.web.i18n import N_
from bearwitness.web.rendering import gettext, label
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import redirect, said, status_for

router = APIRouter(include_in_schema=False)
# Colour-blind-safe (Okabe–Ito and Tol), one per act type in vocabulary order.
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#000000",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#882255",
    "#999933",
    "#44aa99",
    "#6f6f6f",
)
SHADES = ("#eef4fa", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
NO_FILE = N_("Choose a GeoJSON boundary file (.geojson) to upload.")
CHART_W, CHART_H, LEFT, RIGHT, BOTTOM = 720.0, 240.0, 44.0, 28.0, 34.0


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    colour: str
    title: str


@dataclass(frozen=True)
class Tick:
    at: float
    text: str


def _step(most: int) -> int:
    """A round step for an axis up to ``most``: 1, 2 or 5 times a power of ten."""
    raw = max(most, 1) / 4
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    return next(s * power for s in (1, 2, 5, 10) if s * power >= raw)


def month_chart(board: Dashboard, language: str) -> dict[str, object]:
    """Stacked bars: acts by type for each month."""
    months = board.months
    most = max((m.total for m in months), default=0)
    step = _step(most)
    top = max(step * math.ceil(most / step), step)
    plot_w, plot_h = CHART_W - LEFT - RIGHT, CHART_H - BOTTOM - 8
    width = plot_w / max(len(months), 1)
    colours = {code: PALETTE[i % len(PALETTE)] for i, code in enumerate(board.act_types)}
    locale = "ru" if language == "ru" else "en"
    rects, labels = [], []
    every = max(1, math.ceil(len(months) / 12))
    for number, month in enumerate(months):
        x = LEFT + number * width
        y = 8 + plot_h
        name = format_date(month_start(month.month), "LLLL y", locale=locale)
        for code, count in month.counts.items():
            h = plot_h * count / top
            y -= h
            rects.append(
                Rect(
                    round(x + width * 0.1, 1),
                    round(y, 1),
                    round(width * 0.8, 1),
                    round(h, 1),
                    colours[code],
                    f"{name}: {label(vocabulary.ACT_TYPES, code, language)}, {count}",
                )
            )
        if number % every == 0:
            short = format_date(month_start(month.month), "LLL yy", locale=locale)
            labels.append(Tick(round(x + width / 2, 1), short))
    ticks = [Tick(round(8 + plot_h - plot_h * v / top, 1), str(v)) for v in range(0, top + 1, step)]
    legend = [(colours[c], label(vocabulary.ACT_TYPES, c, language)) for c in board.act_types]
    return {
        "rects": rects,
        "labels": labels,
        "ticks": ticks,
        "legend": legend,
        "width": CHART_W,
        "height": CHART_H,
        "left": LEFT,
        "right": CHART_W - RIGHT,
        "base": 8 + plot_h,
    }


def district_chart(board: Dashboard) -> dict[str, object]:
    """Horizontal bars: acts by the district of their event."""
    rows = list(board.districts)
    most = max((n for _, n in rows), default=1)
    name_w, bar_w, row_h = 150.0, 480.0, 24.0
    bars = [
        (name, count, round(bar_w * count / most, 1), round(4 + i * row_h, 1))
        for i, (name, count) in enumerate(rows)
    ]
    return {
        "bars": bars,
        "name_w": name_w,
        "width": name_w + bar_w + 60,
        "height": 8 + len(rows) * row_h,
    }


def map_fill(board: Dashboard) -> dict[str, str]:
    """Each district's shade on the map: darker for more documented acts."""
    counts = dict(board.districts)
    most = max(counts.values(), default=0)
    fills = {}
    for shape in board.map.shapes if board.map else ():
        count = counts.get(shape.name, 0)
        shade = 0 if not count else 1 + min(4, int(5 * count / (most + 1)))
        fills[shape.name] = SHADES[shade]
    return fills


def timeline_chart(board: Dashboard) -> dict[str, object]:
    """Each dated event a dot on a line of months, and a link to the event."""
    dated = [m for m in board.timeline if m.sort]
    if not dated:
        return {"dots": [], "width": CHART_W, "height": 60.0, "labels": []}
    first, last = dated[0].sort[:7], dated[-1].sort[:7]

    def index(month: str) -> int:
        return int(month[:4]) * 12 + int(month[5:7]) - 1

    span = max(index(last) - index(first) + 1, 1)
    plot_w = CHART_W - 2 * 16
    stacked: dict[int, int] = {}
    dots = []
    for moment in dated:
        slot = index(moment.sort[:7]) - index(first)
        level = stacked.get(slot, 0)
        stacked[slot] = level + 1
        x = 16 + plot_w * (slot + 0.5) / span
        dots.append((moment, round(x, 1), round(20 + 9 * min(level, 40), 1)))
    height = 40 + 9 * min(max(stacked.values()), 40)
    return {"dots": dots, "width": CHART_W, "height": float(height), "first": first, "last": last}


@router.post("/boundaries")
async def upload_boundaries(
    request: Request, staff: Annotated[Staff, Depends(Needs("users", files=1))]
) -> Response:
    from bearwitness.web.workbench.pages import home_page

    session, user, form = staff
    upload = form.get("boundaries")
    if not isinstance(upload, UploadFile) or not upload.filename:
        text = gettext(session.language, NO_FILE)
        return home_page(request, session, status=400, map_error=text)
    data = await upload.read(boundaries.MAX_BYTES + 1)
    archive = request.app.state.keys.archive
    try:
        await asyncio.to_thread(boundaries.save, archive.folder, data)
    except BearWitnessError as error:
        text = said(session.language, error)
        return home_page(request, session, status=status_for(error), map_error=text)
    audit.record(archive.engine, at=archive.now(), actor=user.actor, action="boundaries")
    return redirect("/#map")
