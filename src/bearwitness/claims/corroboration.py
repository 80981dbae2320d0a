"""Who originally said it, who relays it, who denies it, and what the figures support.

Pure functions over :class:`Assertion` (a claim as one document carries it):

- an assertion's **origin** is its claimant, or the outlet when the outlet speaks in its
  own voice (no attribution);
- an outlet that quotes a claimant adds no origin (the origin is the claimant); an outlet
  the text names as the channel **relays** the claimant even where it writes in its own
  voice ("X told the BBC": the BBC relays X; "according to the Herald, citing X": the
  Herald relays X); a person's correction (:attr:`Assertion.relays`) overrides the text;
- a claim is **independently corroborated** only when at least two origins that do not
  relay one another assert it;
- the **most conservative supported figure** is ACLED's rule: the lowest figure any
  asserting origin supports; low / best / high as UCDP gives them.

Denials are kept beside the claims as counter-claims, never subtracted; disagreements stay
as data.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bearwitness.claims.quantities import Count


@dataclass(frozen=True)
class Assertion:
    act: str
    stance: str  # assert or deny
    count: Count | None
    claimant: str | None
    outlet: str | None
    via: str | None = None
    relays: str | None = None  # a person's correction: whose claim this origin repeats
    reliability: str = "F"  # Admiralty source reliability, A-F (F: cannot be judged)
    credibility: str = "6"  # information credibility, 1-6 (6: cannot be judged)


def key(name: str | None) -> str:
    """A name compared loosely: case, "the", quotation marks and spaces ignored."""
    text = re.sub(r"[«»\"“”]", "", (name or "").lower())
    return " ".join(re.sub(r"^(?:the|a|an)\s+", "", text.strip()).split())


_PERSON_OR_MEDIUM = re.compile(
    r"\s*\(.*\)$|\s+(?:press release|statement|report|website|director|spokes\w+|chief|head|"
    r"coordinator|координатор|представител\w*|пресс-\w+)\b.*$"
)


def origin(assertion: Assertion) -> str:
    """Who originally said it: the claimant's organisation where it names one ("Network
    (Ivan Petrov)", "Civic Watch director [NAME]" and "Civic Watch press release" are
    the Network and Civic Watch), else the outlet's own voice."""
    name = key(assertion.claimant) or key(assertion.outlet) or "unknown"
    return _PERSON_OR_MEDIUM.sub("", name).strip() or name


def _merged(names: Iterable[str]) -> dict[str, str]:
    """Each name -> the shortest name it contains word for word ("fictional civic watch"
    and "civic watch" are one)."""
    unique = sorted(set(names), key=len)
    merged: dict[str, str] = {}
    for name in unique:
        merged[name] = next(
            (
                short
                for short in unique
                if short != name and re.search(rf"\b{re.escape(short)}\b", name)
            ),
            name,
        )
    return merged


def relay_map(assertions: Iterable[Assertion]) -> dict[str, str]:
    """origin -> the origin it relays, from the attributions (a correction wins)."""
    relays: dict[str, str] = {}
    corrected: dict[str, str] = {}
    for assertion in assertions:
        source = origin(assertion)
        if assertion.relays:
            corrected[source] = key(assertion.relays)
        if assertion.via and key(assertion.via) not in ("", source) and _named(assertion.via):
            relays.setdefault(key(assertion.via), source)
    relays.update(corrected)
    return relays


def _named(via: str) -> bool:
    """An outlet's name ("the BBC"), not a medium ("in a press release")."""
    return not re.match(r"(?:in|via|through|в|на)\s", via, re.IGNORECASE)


def root(name: str, relays: dict[str, str]) -> str:
    """The original source behind ``name``, following who relays whom."""
    seen = {name}
    while name in relays and relays[name] not in seen:
        name = relays[name]
        seen.add(name)
    return name


def conservative(count: Count) -> int | None:
    """The lowest figure a count supports: its lower bound, else its stated number."""
    return count.low if count.low is not None else count.value


@dataclass(frozen=True)
class Corroboration:
    act: str
    claimants: list[tuple[str, str, str]]  # (original claimant, reliability, credibility)
    relayed: dict[str, str]  # relaying origin -> original
    qualifiers: list[str]  # the spread: "around 40", "at least 41", ...
    denials: list[Assertion]
    independent: bool  # at least two origins that do not relay one another assert it
    most_conservative: int | None
    low: int | None
    best: int | None
    high: int | None
    figures: dict[str, list[Count]] = field(default_factory=dict)  # original -> its counts


def corroborate(assertions: Sequence[Assertion], act: str) -> Corroboration:
    """The corroboration of ``act`` across ``assertions`` (of any acts; others ignored)."""
    mine = [a for a in assertions if a.act == act]
    relays = relay_map(assertions)
    asserting = [a for a in mine if a.stance == "assert"]
    figures: dict[str, list[Count]] = {}
    grades: dict[str, tuple[str, str]] = {}
    same = _merged([root(origin(a), relays) for a in asserting])
    for assertion in asserting:
        original = same[root(origin(assertion), relays)]
        figures.setdefault(original, [])
        if assertion.count is not None and not assertion.count.zero:
            figures[original].append(assertion.count)
        grades.setdefault(original, (assertion.reliability, assertion.credibility))
    lows = [v for counts in figures.values() for c in counts if (v := conservative(c)) is not None]
    highs = [
        v
        for counts in figures.values()
        for c in counts
        if (v := c.high if c.high is not None else c.value) is not None
    ]
    bests = [
        min(v for c in counts if (v := c.value if c.value is not None else c.low) is not None)
        for counts in figures.values()
        if any((c.value if c.value is not None else c.low) is not None for c in counts)
    ]
    return Corroboration(
        act=act,
        claimants=[(name, *grades[name]) for name in figures],
        relayed={name: root(name, relays) for name in relays if root(name, relays) != name},
        qualifiers=[describe(c) for counts in figures.values() for c in counts],
        denials=[a for a in mine if a.stance == "deny"],
        independent=len(figures) >= 2,
        most_conservative=min(lows) if lows else None,
        low=min(lows) if lows else None,
        best=int(statistics.median(bests)) if bests else None,
        high=max(highs) if highs else None,
        figures=figures,
    )


def describe(count: Count) -> str:
    """A count in words: "around 40", "at least 41", "at most 40", "30 to 40", "40"."""
    if count.qualifier == "approx":
        return f"around {count.value}"
    if count.qualifier == "at_least":
        return f"at least {count.low}"
    if count.qualifier == "at_most":
        return f"at most {count.high}"
    if count.qualifier == "range":
        return f"{count.low} to {count.high}"
    return f"{count.value}"
