"""dga model averaging against dga 2.0.2 (exact on the grid: quantiles must match exactly)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bearwitness.estimate.dga import decomposable_graphs, estimate_dga
from bearwitness.estimate.histories import CaptureHistories, histories_from_patterns

CASES = [
    (name, i)
    for name, count in [("kosovo_1999", 2), ("hiv_rome", 2), ("madigan_york_3list", 2)]
    for i in range(count)
]


def test_graph_counts_match_dga() -> None:
    assert [len(decomposable_graphs(p)) for p in (3, 4, 5)] == [8, 61, 822]


@pytest.mark.parametrize(("name", "row"), CASES)
def test_matches_dga(
    name: str, row: int, reference: dict[str, Any], tables: dict[str, CaptureHistories]
) -> None:
    ref = reference[name]["reference_results"]["dga"][row]
    result = estimate_dga(tables[name], delta=ref["delta"])
    assert int(result.grid[-1]) == ref["N_grid_max"]
    assert (result.quantile(0.025), result.quantile(0.5), result.quantile(0.975)) == (
        ref["q025"],
        ref["median"],
        ref["q975"],
    )
    assert result.mode() == ref["mode"]
    assert result.mean() == pytest.approx(ref["mean"], abs=0.06)
    assert result.top_graph()[1] == pytest.approx(ref["top_model_weight"], abs=6e-5)


def test_default_delta_is_two_to_minus_p(tables: dict[str, CaptureHistories]) -> None:
    assert estimate_dga(tables["kosovo_1999"]).delta == 2.0**-4


def test_list_order_does_not_matter(reference: dict[str, Any]) -> None:
    d = reference["kosovo_1999"]
    order = [2, 0, 3, 1]
    permuted = {"".join(k[i] for i in order): v for k, v in d["patterns"].items()}
    h1 = histories_from_patterns(d["patterns"], d["lists"])
    h2 = histories_from_patterns(permuted, [d["lists"][i] for i in order])
    assert np.allclose(estimate_dga(h1).posterior, estimate_dga(h2).posterior, atol=1e-12)
