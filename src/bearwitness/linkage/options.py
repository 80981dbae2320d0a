"""Settings of a linkage run and the strata counting knows: plain values, no heavy imports,
so that the command line can show its help without loading pandas or Splink."""

from __future__ import annotations

from dataclasses import dataclass

from bearwitness.domain.vocabulary import STRATA

__all__ = ["STRATA", "LinkOptions"]


@dataclass(frozen=True)
class LinkOptions:
    threshold: float = 0.5  # a pair at or above it joins two records in one cluster
    keep_above: float = 0.01  # pairs scored below it are not kept
    seed: int = 2024
    u_max_pairs: float = 2e6
    em_max_pairs: float = 5e5
    prior_recall: float = 0.7  # share of true matches the deterministic rule finds
    min_labels_for_m: int = 30  # accepted pairs needed to re-estimate m from reviews
    m_floor: float = 0.005  # no level is impossible among matches (see linker._floor_m)
    # No disagreement on who someone is (surname, given name, patronymic, sex,
    # birth) above this among matches (see linker._ceil_disagreement).
    m_disagree_ceiling: float = 0.02
    # Off: on the tuning data it cost recall (F1 0.992 to 0.990 at 1,000 people,
    # seed 7) and the tuning data is the only data it may be chosen on.
    whole_name_frequency: bool = False  # see linker._whole_name_adjustment
    use_m_prior: bool = True  # start EM from the shipped m probabilities (linkage.prior)
