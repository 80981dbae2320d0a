"""Populations with a known total, for testing estimators (FICTIONAL data only).

People fall into latent classes with their own capture probabilities per
list; within a class, lists are independent (the LCMCR model). Classes with
different probabilities make capture heterogeneous and lists dependent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from bearwitness.estimate.histories import ALL, CaptureHistories, histories_from_table


def simulate_captures(
    rng: np.random.Generator,
    size: int,
    class_weights: Sequence[float],
    capture: npt.ArrayLike,  # (classes, lists) probabilities
) -> npt.NDArray[np.int64]:
    """One row of 0/1 per person in the population, recorded or not."""
    probabilities = np.asarray(capture, dtype=np.float64)
    classes = rng.choice(len(class_weights), size=size, p=np.asarray(class_weights))
    marks: npt.NDArray[np.int64] = (
        rng.random((size, probabilities.shape[1])) < probabilities[classes]
    ).astype(np.int64)
    return marks


def simulate_histories(
    rng: np.random.Generator,
    size: int,
    class_weights: Sequence[float],
    capture: npt.ArrayLike,
    lists: Sequence[str] | None = None,
) -> CaptureHistories:
    """Capture histories of the recorded part of a simulated population of `size`."""
    marks = simulate_captures(rng, size, class_weights, capture)
    names = list(lists) if lists is not None else [f"L{i + 1}" for i in range(marks.shape[1])]
    seen = marks[marks.sum(axis=1) > 0]
    return histories_from_table(pd.DataFrame(seen, columns=names))[ALL]
