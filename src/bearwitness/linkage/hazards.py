"""Two records that cannot be one person, and why.

The Fellegi-Sunter model treats its comparisons as independent given a match
or a non-match. Siblings break that: they share a surname, a patronymic, a
home village and often the date and acts of the same raid, so the agreements
pile up as if they were one person, while the one field that tells them apart
(the given name, the year of birth, the sex) is outvoted. Namesake cousins do
the same with a common given name. These rules are not evidence to weigh but
facts that rule a pair out:

- ``sex``: the two records give different sexes (stated, or as the gendered
  patronymic or surname ending says: Хасанов / Хасанова, -ович / -овна);
- ``birth``: their birth years (intervals, ages anchored to dates) lie more
  than :data:`BIRTH_GAP` years apart (:data:`AGE_GAP` where either comes from an
  age, which lists round and anchor to dates of their own); a wrong digit in a
  year can do that too, which is why a reviewer can accept such a pair;
- ``father``: both give a patronymic and the fathers' names differ and are not
  one spelling of the other (a typo or a transliteration);
- ``given``: both give a given name, the names are of two different known
  variant families and not one edit apart.

A pair ruled out keeps its model probability in the conflicts the linker
reports, for review, and gets probability 0 in the pairs (what clustering and
the estimators read); clustering never joins two clusters across a ruled-out
pair, and reports the link it refused with the reason. A reviewer's accept
overrides all of it.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

BIRTH_GAP = 3  # years between two birth intervals (dates or years) beyond which they are two
AGE_GAP = 10  # the same when either comes from an age (rounded, anchored to an uncertain date)

REASONS = {
    "sex": "the records give different sexes",
    "birth": f"birth years more than {BIRTH_GAP} years apart ({AGE_GAP} for an age)",
    "father": "different fathers' names in the patronymics",
    "given": "different given names",
}


@cache
def _near(a: str, b: str) -> bool:
    """One spelling of the other: equal, one a prefix of the other, or at most
    one edit (insertion, deletion, substitution or transposition) apart."""
    if a == b or a.startswith(b) or b.startswith(a):
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    # Optimal string alignment distance, bounded at 2.
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > 1:
            return False
        previous2, previous = previous, current
    return previous[-1] <= 1


class Hazards:
    """The fields the rules read, per record position (``unique_id`` order)."""

    def __init__(self, table: pd.DataFrame) -> None:
        def strings(column: str) -> np.ndarray:
            if column not in table:
                return np.full(len(table), "", dtype=object)
            values: np.ndarray = table[column].fillna("").astype(str).to_numpy(dtype=object)
            return values

        def numbers(column: str) -> np.ndarray:
            values: np.ndarray = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
            return values

        self.sex = strings("sex")
        self.birth_lo = numbers("birth_lo")
        self.birth_hi = numbers("birth_hi")
        self.from_age = (
            table["birth_from_age"].fillna(False).astype(bool).to_numpy()
            if "birth_from_age" in table
            else np.zeros(len(table), dtype=bool)
        )
        self.father = strings("patronymic_fold")
        self.father_key = strings("patronymic_key")
        self.given_family = strings("given_family")
        self.given = strings("given_fold")

    def reason(self, i: int, j: int) -> str:
        """The rule that rules out records ``i`` and ``j`` being one person, or ''."""
        if self.sex[i] and self.sex[j] and self.sex[i] != self.sex[j]:
            return "sex"
        lo_i, hi_i = self.birth_lo[i], self.birth_hi[i]
        lo_j, hi_j = self.birth_lo[j], self.birth_hi[j]
        gap = AGE_GAP if self.from_age[i] or self.from_age[j] else BIRTH_GAP
        if not np.isnan(lo_i + hi_i + lo_j + hi_j) and (lo_i > hi_j + gap or lo_j > hi_i + gap):
            return "birth"
        fi, fj = self.father[i], self.father[j]
        if fi and fj and self.father_key[i] != self.father_key[j] and not _near(fi, fj):
            return "father"
        gi, gj = self.given_family[i], self.given_family[j]
        if gi and gj and gi != gj and not _near(self.given[i], self.given[j]):
            return "given"
        return ""

    def reasons(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """:meth:`reason` for each pair of positions."""
        return np.array(
            [self.reason(int(i), int(j)) for i, j in zip(left, right, strict=True)], dtype=object
        )
