"""The LCMCR kernel's own random draws against their exact distributions (seeded)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bearwitness.estimate._lcmcr_kernel import _beta, _log_stick, _multinomial, seed_stream

DRAWS = 20_000


@pytest.mark.parametrize(
    ("a", "b"), [(2.0, 2.0), (2.0, 40.0), (40.0, 3.0), (500.0, 3_000.0), (1.0, 7.0), (5.0, 1.0)]
)
def test_beta_draws_follow_the_beta_distribution(a: float, b: float) -> None:
    seed_stream(1)
    draws = np.array([_beta(a, b) for _ in range(DRAWS)])
    assert stats.kstest(draws, stats.beta(a, b).cdf).pvalue > 0.001


@pytest.mark.parametrize(
    ("a", "b"), [(1.0, 0.03), (1.0, 2.5), (1.0, 4_000.0), (3.0, 0.4), (12.0, 900.0)]
)
def test_stick_draws_are_log_beta(a: float, b: float) -> None:
    # log V and log(1 - V) of one Beta(a, b) draw: they must describe the same V.
    seed_stream(2)
    pairs = np.array([_log_stick(a, b) for _ in range(DRAWS)])
    log_v, log_rest = pairs[:, 0], pairs[:, 1]
    assert np.allclose(np.exp(log_v) + np.exp(log_rest), 1.0)
    # Compare on the side that keeps its precision (V can sit right next to 1).
    assert stats.kstest(np.exp(log_rest), stats.beta(b, a).cdf).pvalue > 0.001


def test_multinomial_takes_unnormalised_weights_in_any_order() -> None:
    seed_stream(3)
    weights = np.array([0.5, 3.0, 1e-9, 1.5, 0.0])
    order = np.array([1, 3, 0, 2, 4])
    suffix, out = np.empty(5), np.empty(5, dtype=np.int64)
    total = np.zeros(5)
    for _ in range(2_000):
        _multinomial(50, weights, order, suffix, out)
        assert out.sum() == 50
        total += out
    expected = 2_000 * 50 * weights / weights.sum()
    assert total[4] == 0
    assert np.allclose(total[:2], expected[:2], rtol=0.03)
    assert total[3] == pytest.approx(expected[3], rel=0.03)
