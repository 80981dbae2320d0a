"""Event types in free text (Russian, English, French, German) mapped to the
act-type codes of the controlled vocabulary."""

from __future__ import annotations

import re
from functools import cache

from bearwitness.linkage.normalise.tables import load_table

ACT_TYPES = (
    "arbitrary_detention",
    "torture",
    "killing",
    "death_in_custody",
    "enforced_disappearance",
    "seizure_of_documents",
    "forced_signature",
    "threats_to_relatives",
    "coerced_disclosure",
    "obstruction_of_justice",
    "restriction_of_movement",
    "extortion",
    "forced_outing",
)


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    patterns = []
    for code, stems in load_table("event_types")["codes"].items():
        alternatives = "|".join(re.escape(s) for s in sorted(stems, key=len, reverse=True))
        patterns.append((code, re.compile(r"(?<!\w)(?:" + alternatives + ")")))
    return patterns


def event_codes(text: str) -> tuple[str, ...]:
    """The act-type codes a free-text value names, in vocabulary order; empty
    when none is recognised. A code itself (``torture``) is accepted as written."""
    lowered = " ".join(text.lower().split())
    found = {code for code in ACT_TYPES if re.search(r"(?<!\w)" + code + r"(?!\w)", lowered)}
    found |= {code for code, pattern in _patterns() if pattern.search(lowered)}
    # "died in custody" also reads as "died": keep the specific act only.
    return tuple(code for code in ACT_TYPES if code in found)
