"""Charts of an estimate: list overlaps (UpSet style), the posterior of N, strata.

Each function draws one figure and writes it as SVG and PNG; nothing is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

from bearwitness.estimate.histories import CaptureHistories
from bearwitness.estimate.posterior import Interval

INK = "#222222"
ACCENT = "#b2182b"
MUTED = "#8c8c8c"
FILL = "#4575b4"


def save(figure: Figure, stem: Path) -> list[Path]:
    """Write `stem`.svg and `stem`.png and close the figure."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".svg"), stem.with_suffix(".png")]
    figure.savefig(paths[0], bbox_inches="tight")
    figure.savefig(paths[1], dpi=150, bbox_inches="tight")
    plt.close(figure)
    return paths


def draw_overlaps(histories: CaptureHistories, top: int = 20) -> Figure:
    """UpSet-style chart: bars of people per combination of lists, dots marking the lists."""
    order = np.argsort(-histories.counts, kind="stable")[:top]
    counts = histories.counts[order]
    patterns = histories.patterns[order]
    j = histories.n_lists
    figure, (bars, dots) = plt.subplots(
        2,
        1,
        figsize=(max(6.0, 0.45 * len(order) + 2.5), 2.8 + 0.35 * j),
        gridspec_kw={"height_ratios": [3, max(1.0, 0.35 * j)]},
        sharex=True,
    )
    xs = np.arange(len(order))
    bars.bar(xs, counts, color=FILL, width=0.7)
    for x, c in zip(xs, counts, strict=True):
        bars.text(x, c, f"{int(c):,}", ha="center", va="bottom", fontsize=7, color=INK)
    bars.set_ylabel("People recorded")
    shown = (
        ""
        if len(order) == len(histories.counts)
        else (f"; the {len(order)} largest of {len(histories.counts)} combinations")
    )
    bars.set_title(
        f"Who was recorded on which lists ({histories.n_observed:,} people{shown})",
        loc="left",
        fontsize=11,
    )
    bars.spines[["top", "right"]].set_visible(False)
    for row in range(j):
        on = patterns[:, row] == 1
        dots.scatter(xs[~on], np.full((~on).sum(), row), color="#dddddd", s=40)
        dots.scatter(xs[on], np.full(on.sum(), row), color=INK, s=40)
    for x, pattern in zip(xs, patterns, strict=True):
        rows = np.flatnonzero(pattern)
        if len(rows) > 1:
            dots.plot([x, x], [rows.min(), rows.max()], color=INK, linewidth=2)
    sizes = histories.list_sizes()
    dots.set_yticks(range(j), [f"{name} ({sizes[name]:,})" for name in histories.lists])
    dots.invert_yaxis()
    dots.set_xticks([])
    dots.spines[["top", "right", "bottom"]].set_visible(False)
    figure.tight_layout()
    return figure


def draw_posterior(
    values: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64] | None,
    n_observed: int,
    interval: Interval,
    title: str = "How many people in total?",
) -> Figure:
    """Posterior of N (draws, or a grid with weights), the documented count marked."""
    figure, axis = plt.subplots(figsize=(7.5, 3.8))
    if weights is None:
        axis.hist(values, bins=60, color=FILL, alpha=0.75, density=True)
    else:
        keep = weights > weights.max() * 1e-4
        axis.fill_between(values[keep], weights[keep], color=FILL, alpha=0.75, step="mid")
    axis.axvline(n_observed, color=INK, linewidth=2)
    top = axis.get_ylim()[1]
    axis.text(
        n_observed,
        top * 0.95,
        f"  documented: {n_observed:,}\n  (a lower bound)",
        va="top",
        fontsize=9,
        color=INK,
    )
    axis.axvspan(interval.lower, interval.upper, color=ACCENT, alpha=0.08)
    axis.axvline(interval.median, color=ACCENT, linewidth=2)
    axis.text(
        interval.upper,
        top * 0.95,
        f"  estimate: {interval.median:,.0f}\n  95%: {interval.lower:,.0f}–{interval.upper:,.0f}",
        va="top",
        fontsize=9,
        color=ACCENT,
    )
    axis.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    axis.set_xlabel("Total number of people (documented + never recorded)")
    axis.set_yticks([])
    axis.set_title(title, loc="left", fontsize=11)
    axis.spines[["top", "right", "left"]].set_visible(False)
    axis.set_xlim(left=min(n_observed, interval.lower) * 0.95)
    figure.tight_layout()
    return figure


def draw_strata(
    estimates: Mapping[str, Interval],
    documented: Mapping[str, int],
    title: str = "Estimates by stratum",
) -> Figure:
    """One row per stratum: documented count and estimate with its 95% interval."""
    labels: Sequence[str] = list(estimates)
    figure, axis = plt.subplots(figsize=(7.5, 1.0 + 0.5 * len(labels)))
    ys = np.arange(len(labels))
    for y, label in zip(ys, labels, strict=True):
        est = estimates[label]
        upper = est.upper if np.isfinite(est.upper) else est.median * 3
        axis.plot([est.lower, upper], [y, y], color=ACCENT, linewidth=3, alpha=0.6)
        axis.scatter(
            [est.median],
            [y],
            color=ACCENT,
            s=40,
            zorder=3,
            label="estimate, 95% interval" if y == 0 else None,
        )
        axis.scatter(
            [documented[label]],
            [y],
            color=INK,
            marker="|",
            s=200,
            zorder=3,
            label="documented" if y == 0 else None,
        )
    axis.set_yticks(ys, labels)
    axis.invert_yaxis()
    axis.set_xlabel("People")
    axis.set_xlim(left=0)
    # Below the axis, so the legend never covers an interval.
    axis.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.18 - 0.6 / len(labels)),
        ncol=2,
        frameon=False,
        fontsize=8,
    )
    axis.set_title(title, loc="left", fontsize=11)
    axis.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure
