"""The claims section: per incident, who originally said what, and who denies it.

An incident is an event and the act a claim is about (the act is read from the claim's
statement by the claims lexicon's words: "detained" is arbitrary detention). For each
incident the claims are corroborated by original claimant (``claims/corroboration.py``):
the distinct original claimants with their reliability and figures, the spread of
qualifiers, the denials, whether at least two independent origins assert it, the most
conservative supported figure, and low / best / high.

Who may be named is decided before this module sees a claim (``services/reporting.py``
builds each :class:`ClaimInput`): a claimant is named when it is an organisation, a
publication or an official speaking in public, or a source of kind ``person`` whose
consent covers naming in publication; anyone else appears as "a private source (not
named)", grouped by source but without any id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bearwitness.claims.corroboration import Assertion, corroborate, origin
from bearwitness.claims.lexicon import ACTS
from bearwitness.claims.quantities import APPROX, AT_LEAST, AT_MOST, EXACT, RANGE, Count, qualified
from bearwitness.domain.counts import QualifiedCount, Qualifier
from bearwitness.domain.records import Source

OTHER = "other"  # a claim whose statement names no act the lexicon knows
_QUALIFIERS = {
    Qualifier.EXACT: EXACT,
    Qualifier.APPROXIMATELY: APPROX,
    Qualifier.AT_LEAST: AT_LEAST,
    Qualifier.AT_MOST: AT_MOST,
    Qualifier.RANGE: RANGE,
}
# What follows an organisation's name and names a person or a medium: "Network (Ivan
# Petrov)", "Civic Watch director X", "the Ministry's press release".
_PERSON_OR_MEDIUM = re.compile(
    r"\s*\(.*\)$|\s+(?:press release|statement|report|website|director|spokes\w+|chief|head|"
    r"coordinator|координатор|представител\w*|пресс-релиз\w*)\b.*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ClaimInput:
    """One claim as the section may use it: ``claimant`` is the name that may be published,
    None when it may not (``group`` then keeps one private source's claims together)."""

    claim_id: str
    event_id: str
    act: str
    stance: str  # asserts or denies
    count: QualifiedCount | None
    claimant: str | None
    group: str
    reliability: str = "F"
    source_id: str | None = None  # the archive's source the claimant is, if any


def act_of(statement: str) -> str:
    """The act a statement is about: the first of the lexicon's acts it names."""
    for act, pattern in ACTS:
        if pattern.search(statement):
            return act
    return OTHER


def public_name(speaker: str) -> str:
    """An organisation's name as a claim gives it, without the person or the medium."""
    text = " ".join(re.sub(r"[«»\"“”]", "", speaker).split())
    return _PERSON_OR_MEDIUM.sub("", text).strip() or text


def origin_key(name: str) -> str:
    """Names compared as the corroboration compares them."""
    return origin(Assertion(act="", stance="assert", count=None, claimant=name, outlet=None))


class ClaimantSources:
    """Which of the archive's sources a claim's speaker is: the one rule for the review
    queue, the incident page and the published report.

    A speaker is the source whose name compares equal to it as origins compare ("Network
    (Ivan Petrov)" is the source "Network"); where two sources share a name, the first id.
    So a claimant's Admiralty reliability is graded once, on its source record, for all
    its claims."""

    def __init__(self, sources: Iterable[Source]) -> None:
        self._by_name: dict[str, Source] = {}
        for source in sorted(sources, key=lambda s: s.id):
            if source.name.strip():
                self._by_name.setdefault(origin_key(source.name), source)

    def of(self, speaker: str) -> Source | None:
        """The source ``speaker`` is, or None (no speaker: the outlet's own voice)."""
        return self._by_name.get(origin_key(speaker)) if speaker.strip() else None


def _count(count: QualifiedCount | None) -> Count | None:
    if count is None:
        return None
    qualifier = _QUALIFIERS[count.qualifier]
    best, low, high = qualified(qualifier, count.value, count.upper)
    return Count(qualifier, best, low, high, zero=count.value == 0 and qualifier == EXACT)


def figures(claims: Iterable[ClaimInput]) -> list[tuple[str, dict[str, object]]]:
    """(figure id, values) for each incident, in event and act order."""
    by_incident: dict[tuple[str, str], list[ClaimInput]] = {}
    for claim in sorted(claims, key=lambda c: (c.event_id, c.act, c.claim_id)):
        by_incident.setdefault((claim.event_id, claim.act), []).append(claim)
    found = []
    for (event_id, act), mine in by_incident.items():
        found.append((f"claims-{event_id}-{act}", _incident(event_id, act, mine)))
    return found


def _incident(event_id: str, act: str, claims: Sequence[ClaimInput]) -> dict[str, object]:
    assertions = [
        Assertion(
            act=act,
            stance="deny" if claim.stance == "denies" else "assert",
            count=_count(claim.count),
            claimant=claim.group,
            outlet=None,
            reliability=claim.reliability,
        )
        for claim in claims
    ]
    result = corroborate(assertions, act)
    names: dict[str, str | None] = {}
    counts: dict[str, list[str]] = {}
    for claim in claims:
        key = origin_key(claim.group)
        names.setdefault(key, claim.claimant)
        if claim.count is not None:
            counts.setdefault(f"{claim.stance}:{key}", []).append(str(claim.count))
    # The corroboration merges names that contain one another ("fictional civic watch"
    # and "civic watch"): each merged origin is named as its first claim names it.
    claimants: list[dict[str, Any]] = [
        {
            "name": names.get(key, _first(names, key)),
            "reliability": reliability,
            "counts": counts.get(f"asserts:{key}", _merged_counts(counts, "asserts", key)),
        }
        for key, reliability, _ in result.claimants
    ]
    denials: dict[str, dict[str, object]] = {}
    for denial in result.denials:
        key = origin(denial)
        denials.setdefault(
            key,
            {
                "name": names.get(key),
                "reliability": denial.reliability,
                "counts": counts.get(f"denies:{key}", []),
            },
        )
    return {
        "event": event_id,
        "act": act,
        "claimants": claimants,
        "qualifiers": sorted({c for claimant in claimants for c in claimant["counts"]}),
        "denials": list(denials.values()),
        "independent": result.independent,
        "most_conservative": result.most_conservative,
        "low": result.low,
        "best": result.best,
        "high": result.high,
    }


def _first(names: dict[str, str | None], key: str) -> str | None:
    """The name of the first origin merged into ``key``."""
    return next((name for other, name in names.items() if key in other), None)


def _merged_counts(counts: dict[str, list[str]], stance: str, key: str) -> list[str]:
    return [
        count
        for label, found in counts.items()
        if label.startswith(f"{stance}:") and key in label.split(":", 1)[1]
        for count in found
    ]
