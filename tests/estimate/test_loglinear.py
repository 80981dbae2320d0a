"""Log-linear models against Rcapture 1.4-4 (deterministic: agree to the printed digits)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bearwitness.estimate.histories import CaptureHistories
from bearwitness.estimate.loglinear import candidate_models, fit_model, select_model

DATASETS = ["kosovo_1999", "hiv_rome", "madigan_york_3list"]


def rcapture(reference: dict[str, Any], name: str, model: str) -> dict[str, Any]:
    rows = reference[name]["reference_results"]["rcapture"]
    return next(r for r in rows if r["function"] == "closedpCI.t" and r["model"] == model)


@pytest.mark.parametrize("name", DATASETS)
def test_independence_and_all_two_way_match_rcapture(
    name: str, reference: dict[str, Any], tables: dict[str, CaptureHistories]
) -> None:
    h = tables[name]
    pairs = tuple(itertools.combinations(range(h.n_lists), 2))
    for generators, model in [((), "Mt (independence)"), (pairs, "Mt + all two-way interactions")]:
        fit = fit_model(h, generators)
        ref = rcapture(reference, name, model)
        assert fit.n_hat == pytest.approx(ref["abundance"], abs=0.01)
        assert fit.deviance == pytest.approx(ref["deviance"], abs=2e-3)
        assert fit.df == ref["df"]
        assert fit.aic == pytest.approx(ref["AIC"], abs=0.01)
        assert fit.bic == pytest.approx(ref["BIC"], abs=0.01)


@pytest.mark.parametrize("name", DATASETS)
def test_bic_selection_and_profile_interval_match_rcapture(
    name: str, reference: dict[str, Any], tables: dict[str, CaptureHistories]
) -> None:
    h = tables[name]
    result = select_model(h, "bic")
    ref = next(
        r
        for r in reference[name]["reference_results"]["rcapture"]
        if r["model"].startswith("BIC-best with profile CI")
    )
    assert ref["model"].endswith(result.chosen.name(h.n_lists))
    assert result.chosen.n_hat == pytest.approx(ref["abundance"], abs=0.01)
    assert result.interval.median == pytest.approx(ref["profile_mle"], abs=0.2)
    assert result.interval.lower == pytest.approx(ref["ci95_low"], abs=0.1)
    assert result.interval.upper == pytest.approx(ref["ci95_high"], abs=0.1)


def test_kosovo_bic_best_reproduces_ball_et_al(tables: dict[str, CaptureHistories]) -> None:
    # Ball et al. (2002): aggregated estimates 'fall quite close to 10 356'.
    assert select_model(tables["kosovo_1999"]).chosen.n_hat == pytest.approx(10_356.5, abs=0.1)


def test_number_of_models_compared_matches_rcapture() -> None:
    assert len(candidate_models(3)) == 8
    assert len(candidate_models(4)) == 113
    assert len(candidate_models(5)) == 1024


def test_disjoint_pair_interaction_is_not_estimable() -> None:
    from bearwitness.estimate.histories import histories_from_patterns

    # Lists 1 and 2 never overlap: the [12] interaction goes to minus infinity.
    h = histories_from_patterns(
        {"100": 50, "010": 40, "001": 30, "101": 10, "011": 8}, ["a", "b", "c"]
    )
    assert not fit_model(h, ((0, 1),)).estimable
    assert fit_model(h, ()).estimable
    assert select_model(h).chosen.generators != ((0, 1),)


def test_six_lists_are_searched_stepwise() -> None:
    import numpy as np

    from bearwitness.errors import EstimationError
    from bearwitness.estimate.dga import estimate_dga
    from bearwitness.estimate.simulation import simulate_histories

    rng = np.random.default_rng(6)
    h = simulate_histories(
        rng, 3_000, [0.7, 0.3], [[0.3, 0.25, 0.2, 0.3, 0.25, 0.2], [0.6, 0.6, 0.1, 0.1, 0.1, 0.1]]
    )
    result = select_model(h, "bic")
    assert result.chosen.estimable and len(result.ranking) < 200
    # The two lists that share the second class are linked in the chosen model.
    assert (0, 1) in result.chosen.generators
    assert result.interval.lower < 3_000 < result.interval.upper
    with pytest.raises(EstimationError, match="3 to 5 lists"):
        estimate_dga(h)
