from __future__ import annotations

import json
from pathlib import Path

import pytest

from bearwitness.errors import EstimationError
from bearwitness.estimate import Options, estimate
from bearwitness.estimate.histories import CaptureHistories
from bearwitness.estimate.lcmcr import LcmcrSettings

TINY = LcmcrSettings(K=5, burnin=300, samples=100, thinning=5, chains=2)


def test_stratified_lcmcr_total_adds_strata(
    tables: dict[str, CaptureHistories], tmp_path: Path
) -> None:
    strata = {"spring": tables["madigan_york_3list"], "summer": tables["madigan_york_3list"]}
    result = estimate(
        strata, "lcmcr", seed=5, options=Options(lcmcr=TINY), strata_columns=("season",)
    )
    assert result.total is not None
    parts = sum(s.N.median for s in result.strata.values())
    assert result.total.median == pytest.approx(parts, rel=0.03)
    # Independent strata: the total's interval is narrower than the sum of the parts'.
    assert result.total.upper - result.total.lower < sum(
        s.N.upper - s.N.lower for s in result.strata.values()
    )
    path = tmp_path / "r.json"
    result.write_json(path)
    data = json.loads(path.read_text())
    assert data["inputs"]["strata_columns"] == ["season"]
    assert data["strata"]["spring"]["unrecorded"]["median"] == pytest.approx(
        data["strata"]["spring"]["N"]["median"] - 626
    )


def test_sensitivity_reruns_with_other_k_and_prior(tables: dict[str, CaptureHistories]) -> None:
    result = estimate(
        {"all": tables["madigan_york_3list"]},
        "lcmcr",
        seed=1,
        options=Options(lcmcr=TINY, sensitivity=True),
    )
    rows = result.strata["all"].details["sensitivity"]
    assert [(r["K"], r["a_alpha"]) for r in rows] == [(5, 0.25), (10, 0.25), (20, 0.25), (10, 1.0)]
    assert all(600 < r["median"] < 900 for r in rows)


def test_unknown_method_is_refused(tables: dict[str, CaptureHistories]) -> None:
    with pytest.raises(EstimationError, match="Unknown method"):
        estimate({"all": tables["hiv_rome"]}, "petersen")
