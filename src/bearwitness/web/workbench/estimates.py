"""The estimates pages (analysts): kept runs, one run in detail with SVG charts, a new run.

A new run counts the persons of the newest link run and keeps the result in the
archive, committed to the transparency log, through the same service function as
`bearwitness estimate --archive` (:func:`bearwitness.services.estimates.estimate_archive`).
It runs in a thread; the list page shows its progress.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from bearwitness.domain.vocabulary import STRATA
from bearwitness.errors import InputError, Phrase
from bearwitness.services import estimates, status
from bearwitness.web.i18n import N_
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import (
    message,
    page,
    redirect,
    whole_number,
)
from bearwitness.web.workbench.jobs import Job

router = APIRouter(include_in_schema=False)
MESSAGES = (N_("Estimates"), N_("no upper bound"))
MAX_SEED = 2**31 - 1
SHOWN_STRATA = 12  # overlap charts drawn on a run's page
MAX_STRATUM = 100_000


def _interval(n: dict[str, Any] | None) -> dict[str, Any] | None:
    """An interval for display: numbers rounded, a missing upper end kept as None."""
    if not n:
        return None
    return {
        key: None if n.get(key) is None else round(float(n[key]))
        for key in ("median", "lower", "upper")
    }


def _row(run: estimates.StoredEstimate) -> dict[str, Any]:
    strata = run.result.get("strata") or {}
    return {
        "id": run.id,
        "at": run.recorded_at,
        "method": run.method,
        "documented": run.result.get("n_observed"),
        "total": _interval(run.result.get("N")),
        "strata": len(strata),
        "sealed": run.sealed,
        "link_run": run.link_run_id or "",
    }


@router.get("/estimates")
async def estimates_page(
    request: Request, staff: Annotated[Staff, Depends(Needs("analyse"))]
) -> Response:
    session = staff.session
    keys = request.app.state.keys
    kept = await asyncio.to_thread(estimates.list_estimates, keys.archive)
    job = request.app.state.jobs.latest("estimate")
    people = await asyncio.to_thread(status.documented_people, keys.archive)
    return page(
        request,
        "estimates.html",
        session,
        runs=[_row(r) for r in reversed(kept)],
        methods=estimates.METHODS,
        strata=STRATA,
        job=job,
        refresh=job is not None and not job.finished,
        people=people,
        how_counted=status.HOW_COUNTED,
        not_counted=status.NOT_COUNTED,
    )


@router.post("/estimates/run")
async def run_estimate(
    request: Request, staff: Annotated[Staff, Depends(Needs("analyse", fields=20))]
) -> Response:
    session, user, form = staff
    method = form.get("method")
    chosen = tuple(str(s) for s in form.getlist("strata"))
    seed_text = form.get("seed") or "0"
    if method not in estimates.METHODS:
        raise InputError(
            Phrase("unknown method %(value)s", value=repr(str(method)[:20])),
            hint=Phrase("Choose one of %(codes)s.", codes=", ".join(estimates.METHODS)),
        )
    if unknown := sorted(set(chosen) - set(STRATA)):
        raise InputError(
            Phrase("unknown stratum %(value)s", value=repr(unknown[0][:20])),
            hint=Phrase("Choose from %(codes)s.", codes=", ".join(STRATA)),
        )
    seed = whole_number(
        seed_text,
        what=Phrase("the seed"),
        at_most=MAX_SEED,
        hint=Phrase("The same seed gives the same result."),
    )
    keys = request.app.state.keys
    if chosen and keys.locked:
        return message(
            request,
            session,
            "Estimates",
            "Strata are read from sealed fields: estimating by stratum needs an unlock.",
            status=409,
        )
    archive, name = keys.for_user(user), str(method)
    from bearwitness.services import linking  # pandas: the analysis extra

    linking.newest_run(archive)  # NotFound at once, rather than a failed job, if none

    if request.app.state.jobs.running("estimate") is not None:
        return redirect("/estimates")  # started already: its page shows how far it got
    check = keys.guard()

    def work(job: Job) -> str:
        def counted(total: int | None) -> None:
            check()
            job.total = total

        def advanced(units: int) -> None:
            check()  # a lock stops the sampler before the result is kept
            job.advance(units)

        check()
        _, kept = estimates.estimate_archive(
            archive, method=name, strata=chosen, seed=seed, progress=advanced, on_total=counted
        )
        return kept.id

    try:
        request.app.state.jobs.start("estimate", user.actor, work)
    except InputError:  # another request started it a moment ago: show that one
        return redirect("/estimates")
    return redirect("/estimates")


@router.get("/estimates/{run_id}")
async def estimate_page(
    request: Request, run_id: str, staff: Annotated[Staff, Depends(Needs("analyse"))]
) -> Response:
    session = staff.session
    run = await asyncio.to_thread(
        estimates.get_estimate, request.app.state.keys.archive, run_id[:20]
    )
    result = run.result
    strata = [
        {
            "index": index,
            "label": label,
            "documented": s.get("n_observed"),
            "N": _interval(s.get("N")),
            "unrecorded": _interval(s.get("unrecorded")),
            "warnings": s.get("warnings") or [],
            "model": (s.get("details") or {}).get("model"),
        }
        for index, (label, s) in enumerate((result.get("strata") or {}).items())
    ]
    people = await asyncio.to_thread(status.documented_people, request.app.state.keys.archive)
    return page(
        request,
        "estimate.html",
        session,
        people=people,
        run=run,
        result=result,
        strata=strata,
        total=_interval(result.get("N")),
        inputs=result.get("inputs") or {},
        shown=SHOWN_STRATA,
        sealed=run.sealed,
    )


@router.get("/estimates/{run_id}/{chart}.svg", dependencies=[Depends(Needs("analyse"))])
async def chart(request: Request, run_id: str, chart: str) -> Response:
    if chart not in estimates.CHARTS:
        raise HTTPException(404, "There is no such chart.")
    stratum = whole_number(
        request.query_params.get("stratum", "0"),
        what=Phrase("the stratum"),
        at_most=MAX_STRATUM,
        hint=Phrase("Open the chart from the estimate's page."),
    )
    run = await asyncio.to_thread(
        estimates.get_estimate, request.app.state.keys.archive, run_id[:20]
    )
    svg = await asyncio.to_thread(estimates.chart_svg, run, chart, stratum)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, no-store"})
