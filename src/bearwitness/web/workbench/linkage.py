"""The linkage page (analysts): the newest run, "Link now", and the review queue.

Decisions go through :mod:`bearwitness.services.link_review`, as `bearwitness link
review` does: kept, logged in the transparency log with a sealed reason, and used by
the next run. The two records of a pair are opened in memory for this page only
while unlocked; opening them is recorded in the audit trail (ids only).

The linkage services need the analysis extra (pandas, Splink): each page imports them
when it runs, so that the workbench starts without it and these pages say what to install.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from bearwitness.errors import BearWitnessError, InputError, NotFound, Phrase
from bearwitness.services import audit
from bearwitness.web.i18n import N_
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import error_response, message, page, redirect
from bearwitness.web.workbench.jobs import Job

# link_review.REFUSAL_REASONS, for translation (tests/web/test_analysis.py compares them).
REFUSAL_REASONS = {
    "sex": N_("the records give different sexes"),
    "birth": N_("birth years more than 3 years apart (10 for an age)"),
    "father": N_("different fathers' names in the patronymics"),
    "given": N_("different given names"),
}
router = APIRouter(include_in_schema=False)
QUEUE_SHOWN = 50
VERDICTS = ("accept", "reject", "undo")
EDITS = ("split", "merge")
MESSAGES = (
    N_("Linkage"),
    N_("Decision kept"),
    N_("Linking"),
    N_("The two records are sealed: they can be compared after an unlock."),
    N_(
        "Which records are one person is sealed: the cluster sizes, the pairs to review and "
        "the records each decision names are shown after an unlock."
    ),
)


def _field(form: Any, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value[:limit].strip() if isinstance(value, str) else ""


def _text(value: object) -> str:
    return "" if value is None or value != value else str(value)  # None and NaN: empty


def _overview(archive: Any, everything: bool) -> dict[str, Any]:
    """The newest run, its cluster sizes, the queue and the decisions so far (ids only),
    with their reasons once unlocked. Which records are one person is sealed: locked, the
    run's counts and who decided what, when, are all there is to show."""
    from bearwitness.services import link_review, linking  # pandas: the analysis extra

    try:
        run = linking.newest_run(archive)
    except NotFound:
        return {"run": None, "sizes": [], "queue": [], "queued": 0, "decisions": []}
    log = link_review.read_log(archive)
    decisions = [
        {
            "number": n,
            "left": r.left_id or "",
            "right": r.right_id or "",
            "decision": r.decision,
            "analyst": r.analyst,
            "at": r.decided_at,
            "origin": r.origin,
            "reason": r.reason,
        }
        for n, r in enumerate(log.itertuples(), start=1)
    ]
    shown = {"run": run, "decisions": decisions[::-1][:30]}
    if archive.locked:
        return {**shown, "sizes": [], "queue": [], "queued": 0}
    band = (0.0, 1.0) if everything else (0.05, 0.95)
    queue = link_review.queue(archive, band=band)
    return {
        **shown,
        "sizes": linking.cluster_sizes(archive, run.id),
        "queue": [
            (str(r.left_id), str(r.right_id), float(r.probability), getattr(r, "reason", ""))
            for r in queue.head(QUEUE_SHOWN).itertuples()
        ],
        "queued": len(queue),
    }


def _next_pair(archive: Any, index: int, form: Any) -> str:
    """Where a decision leads: the next undecided pair, compared (or the page, if none)."""
    from urllib.parse import urlencode

    from bearwitness.services import link_review

    everything = _field(form, "all", 2) == "1"
    queue = link_review.queue(archive, band=(0.0, 1.0) if everything else (0.05, 0.95))
    query: dict[str, str] = {"kept": str(index)}
    if everything:
        query["all"] = "1"
    for row in queue.head(1).itertuples():
        query.update(left=str(row.left_id), right=str(row.right_id))
        return f"/linkage?{urlencode(query)}#evidence"
    return f"/linkage?{urlencode(query)}"


@router.get("/linkage")
async def linkage(request: Request, staff: Annotated[Staff, Depends(Needs("analyse"))]) -> Response:
    from bearwitness.services import link_review

    session, user, _ = staff
    keys = request.app.state.keys
    everything = request.query_params.get("all") == "1"
    left = request.query_params.get("left", "")[:40].strip()
    right = request.query_params.get("right", "")[:40].strip()
    overview = await asyncio.to_thread(_overview, keys.archive, everything)
    evidence: list[tuple[str, str, str]] = []
    reasons: list[str] = []
    problem = ""
    if left and right:
        if keys.locked:
            problem = "The two records are sealed: they can be compared after an unlock."
        else:
            try:
                view = await asyncio.to_thread(link_review.evidence, keys.archive, left, right)
            except BearWitnessError as error:
                return error_response(request, session, error)
            evidence = [
                (str(name), _text(values.iloc[0]), _text(values.iloc[1]))
                for name, values in view.iterrows()
            ]
            audit.record(
                keys.archive.engine,
                at=keys.archive.now(),
                actor=user.actor,
                action="reveal",
                target=f"{left} {right}",
            )
    if not keys.locked:
        reasons = [decision["reason"] for decision in overview["decisions"]]
    job = request.app.state.jobs.latest("link")
    kept = request.query_params.get("kept", "")[:8]
    return page(
        request,
        "linkage.html",
        session,
        **overview,
        everything=everything,
        left=left,
        right=right,
        evidence=evidence,
        problem=problem,
        reasons=reasons,
        refusal_reasons=REFUSAL_REASONS,
        job=job,
        refresh=job is not None and not job.finished,
        kept=kept if kept.isascii() and kept.isdigit() else "",
    )


@router.post("/linkage/run")
async def link_now(
    request: Request, staff: Annotated[Staff, Depends(Needs("analyse"))]
) -> Response:
    from bearwitness.services import linking

    session, user, _ = staff
    keys = request.app.state.keys
    if keys.locked:
        return message(
            request,
            session,
            "Linking",
            "Linking needs an unlock: person records are read from sealed fields.",
            status=409,
        )
    if request.app.state.jobs.running("link") is not None:
        return redirect("/linkage")  # started already: its page shows how far it got
    archive, check = keys.for_user(user), keys.guard()

    def work(_: Job) -> str:
        # A lock takes the keys from this copy too, so the run fails where it next seals.
        check()
        kept = str(linking.link_archive(archive).run.id)
        check()
        return kept

    try:
        request.app.state.jobs.start("link", user.actor, work)
    except InputError:  # another request started it a moment ago: show that one
        return redirect("/linkage")
    return redirect("/linkage")


@router.post("/linkage/decide")
async def decide(
    request: Request, staff: Annotated[Staff, Depends(Needs("analyse", fields=10))]
) -> Response:
    from bearwitness.services import link_review

    session, user, form = staff
    keys = request.app.state.keys
    verdict, reason = _field(form, "verdict", 20), _field(form, "reason", 4000)
    left, right = _field(form, "left", 40), _field(form, "right", 40)
    records = [part.strip() for part in _field(form, "records").split(",") if part.strip()]
    if verdict not in VERDICTS + EDITS:
        raise InputError(
            Phrase("choose accept, reject, undo, split or merge"),
            hint=Phrase("Use the buttons on the linkage page."),
        )
    if not reason:
        raise InputError(
            Phrase("a decision needs a reason"),
            hint=Phrase("Write why, in a few words: it is sealed and kept with the decision."),
        )
    if keys.locked:
        return message(
            request,
            session,
            "Linkage",
            "Deciding needs an unlock: the reason is sealed.",
            status=409,
        )
    archive = keys.for_user(user)
    if verdict in EDITS:
        count = await asyncio.to_thread(
            link_review.edit_clusters, archive, verdict, records, reason
        )
        text = f"The {verdict} was kept as {count} pair decision(s)."
    else:
        if not (left and right):
            raise InputError(
                Phrase("a decision names two person records"),
                hint=Phrase("Choose a pair from the queue."),
            )
        index = await asyncio.to_thread(link_review.decide, archive, left, right, verdict, reason)
        if verdict != "undo":  # on to the next pair of the queue
            return redirect(await asyncio.to_thread(_next_pair, archive, index, form))
        text = f"Decision {index} kept: {verdict} {left} and {right}."
    return message(
        request,
        session,
        "Decision kept",
        text + " It is in the transparency log; the next link run applies it.",
    )
