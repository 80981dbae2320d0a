from __future__ import annotations

import numpy as np

from bearwitness.estimate.diagnostics import (
    assumptions,
    check_convergence,
    convergence_warnings,
    data_warnings,
)
from bearwitness.estimate.histories import histories_from_patterns
from bearwitness.estimate.posterior import Posterior


def test_agreeing_chains_pass_and_disagreeing_chains_warn() -> None:
    rng = np.random.default_rng(0)
    good = Posterior(100, rng.poisson(500, size=(4, 1000)).astype(np.int64))
    assert check_convergence(good).ok and not convergence_warnings(check_convergence(good))
    shifted = good.draws + np.array([[0], [0], [0], [60]])
    bad = check_convergence(Posterior(100, shifted))
    assert not bad.ok and bad.rhat > 1.01
    assert "do not agree" in convergence_warnings(bad)[0]


def test_one_chain_cannot_be_checked() -> None:
    single = Posterior(10, np.arange(100, dtype=np.int64).reshape(1, -1))
    assert "Only one chain" in convergence_warnings(check_convergence(single))[0]


def test_sparse_and_disjoint_lists_are_named() -> None:
    h = histories_from_patterns(
        {"100": 300, "010": 250, "001": 200, "101": 3, "011": 9}, ["police", "ngo", "press"]
    )
    warnings = " ".join(data_warnings(h))
    assert "police and ngo share nobody" in warnings
    assert "police and press share only 3" in warnings
    assert "one list only" in warnings


def test_assumptions_state_linkage_and_model() -> None:
    text = " ".join(assumptions("lcmcr", linkage_uncertain=False))
    assert "Closed population" in text and "Perfect linkage" in text and "latent classes" in text
    assert "uncertain" in " ".join(assumptions("dga", linkage_uncertain=True))
