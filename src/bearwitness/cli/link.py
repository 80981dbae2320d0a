"""`bearwitness link`: link records of the same person across lists.

`link lists` links CSV lists directly; `link report` summarises a linkage
(with precision and recall when a labelled sample exists). Linking an archive
and reviewing its queue are added by the archive's own commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from bearwitness.errors import InputError
from bearwitness.linkage.counting import STRATA, capture_histories, estimation_pairs
from bearwitness.linkage.engine import duckdb_api
from bearwitness.linkage.features import build_features
from bearwitness.linkage.linker import LinkOptions, link
from bearwitness.linkage.listfiles import read_columns, read_lists
from bearwitness.linkage.review import review_queue
from bearwitness.linkage.scoring import score

link_app = typer.Typer(help="Link records of the same person across lists.",
                       no_args_is_help=True)
_err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.add_typer(link_app, name="link")


def _strata(text: str) -> tuple[str, ...]:
    chosen = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = set(chosen) - set(STRATA)
    if unknown:
        raise InputError(f"Unknown stratum {', '.join(sorted(unknown))}.",
                         hint=f"Choose from {', '.join(STRATA)}, comma-separated.")
    return chosen


_OUT = "Output: record_id, cluster_id, list, link_probability."
_PAIRS = "Output: scored pairs (left_id, right_id, probability)."
_HISTORIES = "Output: capture-history counts."
_PROBLEMS = "Output: values that could not be read, per row."
_THRESHOLD = "Probability at which two records are one person."
_STRATA = f"Strata for the histories, comma-separated, from {', '.join(STRATA)}."
_LABELS = "Labelled sample: list, record_id, person_id."


@link_app.command("lists")
def lists_command(
    files: Annotated[list[Path], typer.Argument(help="CSV lists, one per organisation.",
                                                exists=True, dir_okay=False)],
    columns: Annotated[Path, typer.Option(help="TOML file: which column holds what, per list.",
                                          exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option(help=_OUT)],
    pairs_out: Annotated[Path | None, typer.Option(help=_PAIRS)] = None,
    histories_out: Annotated[Path | None, typer.Option(help=_HISTORIES)] = None,
    problems_out: Annotated[Path | None, typer.Option(help=_PROBLEMS)] = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help=_THRESHOLD)] = 0.5,
    strata: Annotated[str, typer.Option(help=_STRATA)] = "",
    seed: Annotated[int, typer.Option(help="Seed for the random sampling in training.")] = 2024,
) -> None:
    """Link CSV lists directly, without an archive."""
    chosen = _strata(strata)
    spec = read_columns(columns)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=_err, transient=True) as progress:
        task = progress.add_task("Reading lists", total=None)
        records = read_lists(files, spec)
        progress.update(task, description=f"Normalising {len(records)} records")
        features = build_features(records)
        progress.update(task, description="Training and scoring pairs")
        result = link(features, duckdb_api(), options=LinkOptions(threshold=threshold, seed=seed))
    for problem in features.problems:
        _err.print(f"[yellow]{problem.list}[/], record {problem.record_id}, "
                   f"{problem.role}: {problem.reason}", highlight=False)
    if features.problems:
        _err.print(f"{len(features.problems)} value(s) could not be read; those records were "
                   "linked on their other fields.", highlight=False)
    if problems_out is not None:
        pd.DataFrame([vars(p) for p in features.problems],
                     columns=["list", "record_id", "role", "reason"]).to_csv(problems_out,
                                                                             index=False)
    result.records[["record_id", "cluster_id", "list", "link_probability"]].to_csv(out, index=False)
    if pairs_out is not None:
        estimation_pairs(result.pairs).to_csv(pairs_out, index=False)
    if histories_out is not None:
        lists = [path.stem for path in files]
        histories = capture_histories(result.records, features, lists, chosen)
        histories.to_csv(histories_out, index=False)
    people = result.records["cluster_id"].nunique()
    _err.print(f"{len(records)} records, {people} persons, {len(result.pairs)} scored pairs.",
               highlight=False)


def _read(path: Path, needed: set[str]) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if missing := needed - set(frame.columns):
        raise InputError(f"{path.name} lacks column(s) {', '.join(sorted(missing))}.",
                         hint="Use the files `bearwitness link lists` wrote.")
    return frame


@link_app.command("report")
def report_command(
    clusters: Annotated[Path, typer.Option(help="clusters.csv from `link lists`.", exists=True)],
    pairs: Annotated[Path | None, typer.Option(help="pairs.csv from `link lists`.",
                                               exists=True)] = None,
    labels: Annotated[Path | None, typer.Option(help=_LABELS, exists=True)] = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.5,
    top: Annotated[int, typer.Option(min=0, help="How many uncertain links to show.")] = 20,
) -> None:
    """Quality of a linkage: precision and recall on a labelled sample,
    cluster sizes, and the links closest to the threshold."""
    console = Console()
    frame = _read(clusters, {"record_id", "cluster_id", "list"})
    frame["record_key"] = frame["list"] + ":" + frame["record_id"]
    sizes = frame.groupby("cluster_id").size().value_counts().sort_index()
    table = Table(title="Cluster sizes")
    table.add_column("records per person", justify="right")
    table.add_column("persons", justify="right")
    for size, count in sizes.items():
        table.add_row(str(size), str(count))
    console.print(table)
    if labels is not None:
        labelled = _read(labels, {"list", "record_id", "person_id"})
        truth = pd.Series(labelled["person_id"].to_numpy(),
                          index=(labelled["list"] + ":" + labelled["record_id"]).to_numpy())
        if not frame["record_key"].isin(truth.index).any():
            raise InputError("No labelled record is among the linked records.",
                             hint="Label records by the list name and record_id of clusters.csv.")
        s = score(frame, truth)
        labelled_count = int(frame["record_key"].isin(truth.index).sum())
        quality = Table(title=f"Against {labelled_count} labelled records")
        for column in ("measure", "precision", "recall", "F1"):
            quality.add_column(column, justify="right")
        quality.add_row("pairwise", f"{s.pairwise_precision:.3f}", f"{s.pairwise_recall:.3f}",
                        f"{s.pairwise_f1:.3f}")
        quality.add_row("B-cubed", f"{s.bcubed_precision:.3f}", f"{s.bcubed_recall:.3f}",
                        f"{s.bcubed_f1:.3f}")
        console.print(quality)
        console.print(f"Distinct people: {s.found_people} found, {s.true_people} labelled "
                      f"({s.people_error:+.1%}).", highlight=False)
    if pairs is not None and top:
        scored = _read(pairs, {"left_id", "right_id", "probability"})
        scored["probability"] = scored["probability"].astype(float)
        queue = review_queue(scored, threshold).head(top)
        uncertain = Table(title=f"Most uncertain links (threshold {threshold})")
        for column in ("left", "right", "probability"):
            uncertain.add_column(column)
        for row in queue.itertuples():
            uncertain.add_row(str(row.left_id), str(row.right_id), f"{row.probability:.3f}")
        console.print(uncertain)
