"""The linkage model: the comparisons and blocking rules Splink evaluates,
built on the normalised features (bearwitness.linkage.features).

Every comparison starts with a null level, so that a missing value neither
helps nor hurts a pair. Name comparisons carry term-frequency adjustments: two
records sharing a rare surname are stronger evidence than two "Magomed"s.
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on


def _name(key: str, folded: str) -> Any:
    """Exact on the key (variant families merged), then similarity of the key
    or of the plain fold, so that a typo in a family name ("Ptimat") still
    comes close to its family's spellings ("Petimat")."""
    levels: list[Any] = [
        cll.NullLevel(key),
        cll.ExactMatchLevel(key, term_frequency_adjustments=True),
        cll.Or(cll.JaroWinklerLevel(key, 0.94), cll.JaroWinklerLevel(folded, 0.94)),
        # One edit apart: a typo, or two names that differ by one letter
        # (Aslan, Adlan); EM weighs the mix. Jaro-Winkler at 0.85 was too
        # lenient on short names (Salman, Aslan: 0.88).
        cll.DamerauLevenshteinLevel(folded, 1),
        cll.ElseLevel(),
    ]
    return cl.CustomComparison(levels, output_column_name=key)


def _interval(
    name: str, lo: str, hi: str, tolerances: tuple[int, ...], unit: str, narrow: tuple[int, ...]
) -> Any:
    """Interval agreement, graded by how precise the two values are: two records
    naming the same day (or year) are far stronger evidence than a day falling
    inside a year-wide "late 2018", though both overlap. ``narrow`` lists the
    widths (in ``unit``) below which an overlap gets its own, stronger level."""
    overlap = f"{lo}_l <= {hi}_r AND {lo}_r <= {hi}_l"
    levels: list[Any] = [
        cll.CustomLevel(f"{lo}_l IS NULL OR {lo}_r IS NULL", "null").configure(is_null_level=True),
    ]
    for width in narrow:
        levels.append(
            cll.CustomLevel(
                f"{overlap} AND {hi}_l - {lo}_l <= {width} AND {hi}_r - {lo}_r <= {width}",
                f"overlapping, both within {width} {unit}",
            )
        )
    levels.append(cll.CustomLevel(overlap, "overlapping"))
    for tolerance in tolerances:
        levels.append(
            cll.CustomLevel(
                f"{lo}_l <= {hi}_r + {tolerance} AND {lo}_r <= {hi}_l + {tolerance}",
                f"within {tolerance} {unit}",
            )
        )
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(levels, output_column_name=name)


def _exact(column: str, *, frequencies: bool = False) -> Any:
    """Exact agreement; with ``frequencies``, a shared rare value (a village)
    counts for more than a shared common one (the capital)."""
    return cl.CustomComparison(
        [
            cll.NullLevel(column),
            cll.ExactMatchLevel(column, term_frequency_adjustments=frequencies),
            cll.ElseLevel(),
        ],
        output_column_name=column,
    )


def comparisons() -> list[Any]:
    return [
        _name("surname_key", "surname_fold"),
        _name("given_key", "given_fold"),
        cl.CustomComparison(
            [
                cll.NullLevel("patronymic_key"),
                cll.ExactMatchLevel("patronymic_key"),
                cll.JaroWinklerLevel("patronymic_key", 0.88),
                cll.ElseLevel(),
            ],
            output_column_name="patronymic_key",
        ),
        _exact("sex"),
        _interval("birth", "birth_lo", "birth_hi", (1, 3), "years", (0,)),
        _interval("event_date", "event_lo", "event_hi", (31, 366), "days", (0, 31)),
        _exact("event_place", frequencies=True),
        _exact("residence", frequencies=True),
        cl.CustomComparison(
            # The same set of acts (weighted by how common the set is), then one act in common.
            [
                cll.NullLevel("event_set"),
                cll.ExactMatchLevel("event_set", term_frequency_adjustments=True),
                cll.ArrayIntersectLevel("event_types", 1),
                cll.ElseLevel(),
            ],
            output_column_name="event_types",
        ),
        # A list names a person once, save for its few duplicates; two lists
        # overlap far more. Without this level a pair inside one list would get
        # the prior of a pair across lists, several times too high.
        cl.CustomComparison(
            [cll.CustomLevel("source_l = source_r", "same list"), cll.ElseLevel()],
            output_column_name="source",
        ),
    ]


def blocking_rules() -> list[Any]:
    """Pairs worth scoring: any rule admitting a pair admits it (their union)."""
    return [
        block_on("surname_key", "given_key"),
        block_on("surname_head", "given_key"),
        block_on("surname_tail", "given_key"),
        block_on("surname_key", "given_initial"),
        block_on("surname_letters", "given_letters"),
        block_on("given_key", "birth_lo"),
        block_on("surname_key", "birth_lo"),
        block_on("surname_key", "patronymic_key"),
        block_on("surname_key", "event_month"),
        block_on("given_key", "event_month", "sex"),
    ]


# Deterministic rule used only to estimate how many pairs match at all
# (linker._match_prior), written for a self-join of the features as l and r.
DETERMINISTIC_RULE = (
    "l.surname_key = r.surname_key AND l.given_key = r.given_key "
    "AND l.birth_lo <= r.birth_hi AND r.birth_lo <= l.birth_hi"
)

# Blocking rules for the EM sessions: each leaves some comparisons free to be
# estimated; together they estimate every comparison's m probabilities.
EM_RULES = (
    block_on("surname_key", "given_key"),
    block_on("given_key", "birth_lo"),
    block_on("surname_key", "birth_lo"),
)


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        additional_columns_to_retain=[],
    )
