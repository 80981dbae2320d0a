"""The shipped m prior (linkage/data/m_prior.json) still fits the model.

with_m_prior leaves a comparison alone when its levels differ from the prior's,
so a renamed, added or removed level would make the prior silently
inapplicable: small archives would go back to linking almost nothing. These
tests fail instead; regenerate the prior with `python -m bearwitness.linkage.prior`.
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest

from bearwitness.demo.generate import generate as generate_demo
from bearwitness.linkage import model
from bearwitness.linkage.engine import duckdb_api
from bearwitness.linkage.features import ROLES, build_features
from bearwitness.linkage.linker import link
from bearwitness.linkage.options import LinkOptions
from bearwitness.linkage.prior import MProbabilities, m_prior, with_m_prior

REGENERATE = "regenerate it: python -m bearwitness.linkage.prior"


def model_levels() -> dict[str, set[str]]:
    """The model's comparisons and their non-null level labels, as with_m_prior sees them."""
    settings = model.settings().create_settings_dict("duckdb")
    return {
        c["output_column_name"]: {
            level["label_for_charts"]
            for level in c["comparison_levels"]
            if not level.get("is_null_level")
        }
        for c in settings["comparisons"]
    }


def test_prior_has_exactly_the_models_comparisons_and_levels() -> None:
    prior = {name: set(levels) for name, levels in m_prior().items()}
    levels = model_levels()
    assert sorted(prior) == sorted(levels), f"comparisons differ from the prior: {REGENERATE}"
    for name, labels in levels.items():
        assert labels == prior[name], (
            f"{name}: only in the model {sorted(labels - prior[name])}, "
            f"only in the prior {sorted(prior[name] - labels)}: {REGENERATE}"
        )


def test_prior_m_are_probabilities_of_each_comparison() -> None:
    for name, levels in m_prior().items():
        assert all(0 < m <= 1 for m in levels.values()), name
        assert sum(levels.values()) == pytest.approx(1), name


def test_with_m_prior_sets_every_level_of_the_model() -> None:
    prior: MProbabilities = m_prior()
    applied = with_m_prior(copy.deepcopy(model.settings().create_settings_dict("duckdb")), prior)
    for comparison in applied["comparisons"]:
        name = comparison["output_column_name"]
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                expected = prior.get(name, {}).get(level["label_for_charts"])
                assert expected is not None and level.get("m_probability") == expected, (
                    f"{name}: level {level['label_for_charts']!r} did not get the prior's m"
                )


def demo_lists() -> pd.DataFrame:
    """The FICTIONAL demo archive's three partner lists, as linkage reads them."""
    rows, _ = generate_demo()
    records: list[dict[str, Any]] = [
        {
            "list": row["list_name"],
            "record_id": row["id"],
            **{role: row.get(role) for role in ROLES},
        }
        for row in rows
        if row["type"] == "person_record"
    ]
    return pd.DataFrame(records)


@pytest.mark.slow
def test_prior_lets_the_small_demo_lists_link() -> None:
    # docs/linkage.md: on the demo's 283 records EM cannot run, and without the
    # prior almost nothing links; with it the result is close to the number of
    # people behind the lists (at most the 180 FICTIONAL victims).
    features = build_features(demo_lists())
    persons = {}
    for use_prior in (True, False):
        result = link(features, duckdb_api(), options=LinkOptions(use_m_prior=use_prior))
        persons[use_prior] = result.records["cluster_id"].nunique()
    assert persons[True] < persons[False]
    assert persons[True] <= 1.1 * 180
