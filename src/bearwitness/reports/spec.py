"""A report's spec: what it counts, how finely, which sections, which language, which k.

Written in TOML; every key is optional (an empty spec is the default report of the
whole archive)::

    title = "Detentions, 2017-2019"
    lang = "en"                      # or "ru"
    sections = ["summary", "counts", "timeline", "estimates", "claims", "interventions", "method"]

    [scope]
    since = "2017-01"                # a date: YYYY, YYYY-MM or YYYY-MM-DD
    until = "2019-12"
    act_types = ["arbitrary_detention", "torture"]
    districts = ["Argun"]

    [coarsening]
    dates = "month"                  # month, quarter or year
    age_bands = [18, 30, 40, 50, 60] # lower bounds of the bands after the first

    [disclosure]
    k = 5                            # smallest count published
    protect_zeros = false
    epsilon = 1.0                    # optional: differential privacy (the `dp` extra)

    [estimates]
    runs = ["ES-0001"]               # default: every run kept at the checkpoint
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from typing import Any

from bearwitness.domain import vocabulary as v
from bearwitness.domain.dates import PartialDateRange
from bearwitness.errors import InputError, Phrase
from bearwitness.reports.disclosure import Settings
from bearwitness.reports.tables import DEFAULT_AGE_BANDS, Scope

SECTIONS = ("summary", "counts", "timeline", "estimates", "claims", "interventions", "method")
LANGUAGES = ("en", "ru")
DATES = ("month", "quarter", "year")
MAX_K = 1000
EPSILONS = (0.01, 10.0)  # the epsilon a table may spend: below, the noise drowns every count
_KEYS = {
    "": {"title", "lang", "sections", "scope", "coarsening", "disclosure", "estimates"},
    "scope": {"since", "until", "act_types", "districts"},
    "coarsening": {"dates", "age_bands"},
    "disclosure": {"k", "protect_zeros", "epsilon"},
    "estimates": {"runs"},
}


@dataclass(frozen=True)
class ReportSpec:
    title: str = ""
    lang: str = "en"
    sections: tuple[str, ...] = SECTIONS
    scope: Scope = field(default_factory=Scope)
    settings: Settings = field(default_factory=Settings)
    estimate_runs: tuple[str, ...] | None = None  # None: every run kept

    def as_dict(self) -> dict[str, Any]:
        """The spec in a normal form (what the manifest keeps and the spec hash is of)."""
        return {
            "title": self.title,
            "lang": self.lang,
            "sections": list(self.sections),
            "scope": {
                "since": self.scope.since.isoformat() if self.scope.since else None,
                "until": self.scope.until.isoformat() if self.scope.until else None,
                "act_types": list(self.scope.act_types),
                "districts": list(self.scope.districts),
            },
            "coarsening": {"dates": self.scope.dates, "age_bands": list(self.scope.age_bands)},
            "disclosure": self.settings.as_dict(),
            "estimates": {"runs": None if self.estimate_runs is None else list(self.estimate_runs)},
        }


def parse_spec(text: str, *, lang: str | None = None) -> ReportSpec:
    """A spec from TOML text; ``lang`` (the command line's) wins over the file's."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(
            Phrase("the report spec is not valid TOML: %(error)s", error=error),
            hint=Phrase("See docs/reports.md for what a spec may hold."),
        ) from None
    return spec_from_dict(data, lang=lang)


def spec_from_dict(data: dict[str, Any], *, lang: str | None = None) -> ReportSpec:
    """A spec from its parsed form (TOML's, or :meth:`ReportSpec.as_dict`'s)."""
    for table, keys in _KEYS.items():
        part = data if not table else data.get(table, {})
        if not isinstance(part, dict):
            raise _bad(Phrase("[%(table)s] must be a table", table=table))
        unknown = sorted(set(part) - keys)
        if unknown:
            raise _bad(
                Phrase("unknown key %(key)s in [%(table)s]", key=repr(unknown[0]), table=table)
                if table
                else Phrase("unknown key %(key)s", key=repr(unknown[0]))
            )
    scope, coarse = data.get("scope", {}), data.get("coarsening", {})
    disclosure, estimates = data.get("disclosure", {}), data.get("estimates", {})
    language = lang or _text(data.get("lang", "en"), "lang")
    if language not in LANGUAGES:
        raise _bad(
            Phrase(
                "lang must be one of %(codes)s, not %(value)s",
                codes=", ".join(LANGUAGES), value=repr(language),
            )
        )  # fmt: skip
    sections = tuple(_texts(data.get("sections", list(SECTIONS)), "sections"))
    if unknown := [s for s in sections if s not in SECTIONS]:
        raise _bad(
            Phrase(
                "unknown section %(value)s (sections: %(codes)s)",
                value=repr(unknown[0]), codes=", ".join(SECTIONS),
            )
        )  # fmt: skip
    act_types = tuple(_texts(scope.get("act_types", []), "act_types"))
    for code in act_types:
        v.ACT_TYPES.check(code)
    dates = _text(coarse.get("dates", "month"), "dates")
    if dates not in DATES:
        raise _bad(
            Phrase(
                "dates must be one of %(codes)s, not %(value)s",
                codes=", ".join(DATES), value=repr(dates),
            )
        )  # fmt: skip
    bands = coarse.get("age_bands", list(DEFAULT_AGE_BANDS))
    if (
        not isinstance(bands, list)
        or not bands
        or any(type(b) is not int or not 1 <= b <= 120 for b in bands)
        or bands != sorted(set(bands))
        or any(b - a < 5 for a, b in zip([0, *bands], bands, strict=False))
    ):
        raise _bad(
            Phrase("age_bands must be rising whole numbers from 1 to 120, at least 5 years apart")
        )
    k = disclosure.get("k", 5)
    if type(k) is not int or not 1 <= k <= MAX_K:
        raise _bad(Phrase("k must be a whole number from 1 to %(most)s", most=MAX_K))
    zeros = disclosure.get("protect_zeros", False)
    if not isinstance(zeros, bool):
        raise _bad(Phrase("protect_zeros must be true or false"))
    epsilon = disclosure.get("epsilon")
    if epsilon is not None and (
        type(epsilon) not in (int, float) or not EPSILONS[0] <= epsilon <= EPSILONS[1]
    ):
        raise _bad(
            Phrase(
                "epsilon must be a number from %(least)s to %(most)s",
                least=EPSILONS[0], most=format(EPSILONS[1], "g"),
            )
        )  # fmt: skip
    runs = estimates.get("runs")
    return ReportSpec(
        title=_text(data.get("title", ""), "title"),
        lang=language,
        sections=sections,
        scope=Scope(
            since=_date(scope.get("since"), "since", earliest=True),
            until=_date(scope.get("until"), "until", earliest=False),
            act_types=act_types,
            districts=tuple(_texts(scope.get("districts", []), "districts")),
            dates=dates,
            age_bands=tuple(bands),
        ),
        settings=Settings(
            k=k, protect_zeros=zeros, epsilon=None if epsilon is None else float(epsilon)
        ),
        estimate_runs=None if runs is None else tuple(_texts(runs, "runs")),
    )


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or len(value) > 300:
        raise _bad(Phrase("%(name)s must be text (300 characters at most)", name=name))
    return value


def _texts(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _bad(Phrase("%(name)s must be a list of text", name=name))
    return list(value)


def _date(value: Any, name: str, *, earliest: bool) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        period = PartialDateRange.parse(_text(value, name))
    except InputError as error:
        raise _bad(Phrase("%(name)s: %(problem)s", name=name, problem=error.phrases[0])) from None
    return period.earliest if earliest else period.latest


def _bad(reason: Phrase) -> InputError:
    return InputError(
        Phrase("report spec: %(reason)s", reason=reason),
        hint=Phrase("See docs/reports.md for what a spec may hold."),
    )
