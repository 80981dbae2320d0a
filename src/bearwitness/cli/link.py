"""`bearwitness link`: link records of the same person across lists.

`link ARCHIVE` links an unlocked archive's person records and keeps the run;
`link review ARCHIVE` works through the uncertain pairs, and `link review ARCHIVE
accept|reject|undo|split|merge|list|show|log` does one step of it from scripts;
`link histories ARCHIVE` writes capture histories for `bearwitness estimate`;
`link lists` links CSV lists directly; `link report` summarises a linkage. pandas
and Splink are imported inside the commands, so that `bearwitness --help` stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from bearwitness.cli.session import ARCHIVE_ARGUMENT, open_archive
from bearwitness.cli.terminal import inert, safe_text
from bearwitness.domain.vocabulary import STRATA
from bearwitness.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from bearwitness.services.linking import Problem


class _LinkGroup(TyperGroup):
    """`bearwitness link ARCHIVE` is `bearwitness link archive ARCHIVE`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["archive", *args]
        return super().parse_args(ctx, args)


link_app = typer.Typer(
    cls=_LinkGroup,
    no_args_is_help=True,
    help="Link records of the same person across lists. "
    "`bearwitness link ARCHIVE` links an archive's person records.",
)
_err = Console(stderr=True, emoji=False)


def register(app: typer.Typer) -> None:
    app.add_typer(link_app, name="link")


def _strata(text: str) -> tuple[str, ...]:
    chosen = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = set(chosen) - set(STRATA)
    if unknown:
        raise InputError(
            f"Unknown stratum {', '.join(sorted(unknown))}.",
            hint=f"Choose from {', '.join(STRATA)}, comma-separated.",
        )
    return chosen


def _names(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def _print_problems(problems: tuple[Problem, ...]) -> None:
    for problem in problems:
        _err.print(
            f"[yellow]{inert(problem.list)}[/], record {inert(problem.record_id)}, "
            f"{inert(problem.role)}: {inert(problem.reason)}",
            highlight=False,
        )
    if problems:
        _err.print(
            f"{len(problems)} value(s) could not be read; those records were "
            "linked on their other fields.",
            highlight=False,
        )


def _problems_csv(problems: tuple[Problem, ...], path: Path) -> None:
    import pandas as pd

    pd.DataFrame(
        [vars(p) for p in problems], columns=["list", "record_id", "role", "reason"]
    ).to_csv(path, index=False)


_OUT = "Output: record_id, cluster_id, list, link_probability."
_PAIRS = "Output: scored pairs (left_id, right_id, probability)."
_HISTORIES = "Output: capture-history counts."
_PROBLEMS = "Output: values that could not be read, per row."
_THRESHOLD = "Probability at which two records are one person."
_STRATA = f"Strata for the histories, comma-separated, from {', '.join(STRATA)}."
_LISTS = "Lists for the histories, comma-separated (default: every list)."
_LABELS = "Labelled sample: list, record_id, person_id."
_SEED = "Seed for the random sampling in training."


@link_app.command("archive")
def archive_command(
    folder: Path = ARCHIVE_ARGUMENT,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help=_THRESHOLD)] = 0.5,
    seed: Annotated[int, typer.Option(help=_SEED)] = 2024,
    histories_out: Annotated[Path | None, typer.Option(help=_HISTORIES)] = None,
    lists: Annotated[str, typer.Option(help=_LISTS)] = "",
    strata: Annotated[str, typer.Option(help=_STRATA)] = "",
    problems_out: Annotated[Path | None, typer.Option(help=_PROBLEMS)] = None,
) -> None:
    """Link an unlocked archive's person records; keep the run, resolve persons, log it.

    Names are opened in memory only. Review decisions in force are applied.
    """
    from bearwitness.services import linking

    chosen = _strata(strata)
    with open_archive(folder) as archive:
        archive.require_secrets()
        with _err.status("Reading, normalising and linking person records"):
            result = linking.link_archive(
                archive, options=linking.options(threshold=threshold, seed=seed)
            )
        _print_problems(result.problems)
        if problems_out is not None:
            _problems_csv(result.problems, problems_out)
        if histories_out is not None:
            linking.histories(archive, _names(lists) or None, chosen, result.run.id).to_csv(
                histories_out, index=False
            )
    run = result.run
    _err.print(
        f"{run.id}: {run.records} records, {run.persons} persons ({result.new_persons} "
        f"new, {result.repointed} records re-pointed), {run.pairs} scored pairs, "
        f"{run.decisions} review decision(s) applied.",
        highlight=False,
    )
    for note in result.notes:
        _err.print(inert(note), highlight=False)


@link_app.command("histories")
def histories_command(
    folder: Path = ARCHIVE_ARGUMENT,
    out: Annotated[Path, typer.Option(help=_HISTORIES)] = Path("histories.csv"),
    lists: Annotated[str, typer.Option(help=_LISTS)] = "",
    strata: Annotated[str, typer.Option(help=_STRATA + " Strata need an unlock.")] = "",
    run: Annotated[str | None, typer.Option(help="Linkage run (default: the latest).")] = None,
    records_out: Annotated[
        Path | None, typer.Option(help="Output for `estimate --records`: record_id, list, strata.")
    ] = None,
    pairs_out: Annotated[
        Path | None,
        typer.Option(help="Output for `estimate --pairs`: left_id, right_id, probability."),
    ] = None,
) -> None:
    """Capture histories of an archive's linked persons, for `bearwitness estimate`."""
    from bearwitness.services import linking

    chosen = _strata(strata)
    with open_archive(folder) as archive:
        table = linking.histories(archive, _names(lists) or None, chosen, run)
        table.to_csv(out, index=False)
        if records_out is not None or pairs_out is not None:
            records, pairs = linking.estimation_inputs(archive, chosen, run)
            if records_out is not None:
                records.to_csv(records_out, index=False)
            if pairs_out is not None:
                pairs.to_csv(pairs_out, index=False)
    _err.print(
        f"{int(table['count'].sum())} persons in {len(table)} history rows.", highlight=False
    )


review_app = typer.Typer(invoke_without_command=True, no_args_is_help=True)
link_app.add_typer(review_app, name="review")

_LEFT = typer.Argument(help="A person record id (R-0001).", show_default=False)
_RIGHT = typer.Argument(help="The other person record id.", show_default=False)
_RECORDS = typer.Argument(help="Person record ids (R-0001 R-0002 ...).", show_default=False)


def _reason_given(text: str) -> str:
    if not text.strip():
        raise typer.BadParameter("a decision needs a reason, in words.")
    return text


_REASON = typer.Option(
    help="Why: kept sealed with the decision.", show_default=False, callback=_reason_given
)


@review_app.callback()
def review_callback(ctx: typer.Context, folder: Path = ARCHIVE_ARGUMENT) -> None:
    """Review uncertain links: accept, reject, undo, split or merge, each with a reason.

    Without a command: an interactive queue (needs an unlock), closest to the
    threshold first, with the two records side by side on the terminal only.
    Decisions are kept, logged and used by the next `bearwitness link ARCHIVE`.
    """
    ctx.obj = folder
    if ctx.invoked_subcommand is None:
        with open_archive(folder) as archive:
            _interactive(archive)


def _folder(ctx: typer.Context) -> Path:
    """The ARCHIVE given to `link review`, before the command."""
    folder: Path = ctx.obj  # set by review_callback, which Click runs first
    return folder


@review_app.command("list")
def review_list_command(
    ctx: typer.Context,
    top: Annotated[int, typer.Option(min=1, help="How many pairs to show.")] = 20,
) -> None:
    """The undecided pairs of the latest run, closest to the threshold first (needs an unlock:
    the pairs are sealed)."""
    from bearwitness.services import link_review

    with open_archive(_folder(ctx)) as archive:
        _print_queue(link_review.queue(archive).head(top))


@review_app.command("show")
def review_show_command(
    ctx: typer.Context, left: Annotated[str, _LEFT], right: Annotated[str, _RIGHT]
) -> None:
    """Two person records side by side, on the terminal only (needs an unlock)."""
    from bearwitness.services import link_review

    with open_archive(_folder(ctx)) as archive:
        _print_evidence(link_review.evidence(archive, left.strip(), right.strip()))


def _decide(ctx: typer.Context, verdict: str, left: str, right: str, reason: str) -> None:
    from bearwitness.services import link_review

    left, right = left.strip(), right.strip()
    with open_archive(_folder(ctx)) as archive:
        index = link_review.decide(archive, left, right, verdict, reason)
    _err.print(
        f"Decision {index} kept: {verdict} {inert(left)} {inert(right)}. "
        "Run `bearwitness link ARCHIVE` to apply it.",
        highlight=False,
    )


@review_app.command("accept")
def review_accept_command(
    ctx: typer.Context,
    left: Annotated[str, _LEFT],
    right: Annotated[str, _RIGHT],
    reason: Annotated[str, _REASON],
) -> None:
    """Accept a pair: the two records are one person."""
    _decide(ctx, "accept", left, right, reason)


@review_app.command("reject")
def review_reject_command(
    ctx: typer.Context,
    left: Annotated[str, _LEFT],
    right: Annotated[str, _RIGHT],
    reason: Annotated[str, _REASON],
) -> None:
    """Reject a pair: the two records are two people."""
    _decide(ctx, "reject", left, right, reason)


@review_app.command("undo")
def review_undo_command(
    ctx: typer.Context,
    left: Annotated[str, _LEFT],
    right: Annotated[str, _RIGHT],
    reason: Annotated[str, _REASON],
) -> None:
    """Undo the decision in force on a pair (kept as a new decision)."""
    _decide(ctx, "undo", left, right, reason)


def _edit(ctx: typer.Context, kind: str, records: list[str], reason: str) -> None:
    from bearwitness.services import link_review

    with open_archive(_folder(ctx)) as archive:
        count = link_review.edit_clusters(archive, kind, [r.strip() for r in records], reason)
    _err.print(
        f"{kind.capitalize()} kept as {count} pair decision(s). Run "
        "`bearwitness link ARCHIVE` to apply it.",
        highlight=False,
    )


@review_app.command("split")
def review_split_command(
    ctx: typer.Context, records: Annotated[list[str], _RECORDS], reason: Annotated[str, _REASON]
) -> None:
    """Split these records out of their cluster in the latest run."""
    _edit(ctx, "split", records, reason)


@review_app.command("merge")
def review_merge_command(
    ctx: typer.Context, records: Annotated[list[str], _RECORDS], reason: Annotated[str, _REASON]
) -> None:
    """Merge the clusters of these records in the latest run."""
    _edit(ctx, "merge", records, reason)


@review_app.command("log")
def review_log_command(ctx: typer.Context) -> None:
    """Every decision so far, in order, tab-separated (its records and reason need an unlock)."""
    with open_archive(_folder(ctx)) as archive:
        _print_log(archive)


def _print_queue(queue: pd.DataFrame) -> None:
    from bearwitness.services import link_review

    table = Table(
        title="Pairs to review: links the clustering refused first, then the closest to the "
        "threshold"
    )
    for column in ("left", "right", "probability", "why"):
        table.add_column(column)
    for row in queue.itertuples():
        why = getattr(row, "reason", "") or "close to the threshold"
        table.add_row(
            inert(row.left_id),
            inert(row.right_id),
            f"{row.probability:.3f}",
            inert(link_review.REFUSAL_REASONS.get(why, why)),
        )
    Console(emoji=False).print(table)


def _print_evidence(view: pd.DataFrame) -> None:
    table = Table()
    table.add_column("field")
    for column in view.columns:
        table.add_column(inert(column))
    for field, values in view.iterrows():  # the two records' values, from imported lists
        table.add_row(inert(field), *("" if v is None else inert(v) for v in values))
    Console(emoji=False).print(table, highlight=False)


def _print_log(archive: Any) -> None:
    from bearwitness.services import link_review

    log = link_review.read_log(archive)
    if archive.locked:
        _err.print(
            "The records each decision names and its reason are sealed: unlock to read them."
        )
    # Plain tab-separated lines, one decision each, so that scripts can read them.
    print("#\tleft\tright\tdecision\tby\tat\torigin\treason")
    for number, row in enumerate(log.itertuples(), start=1):
        print(
            "\t".join(
                safe_text(field)
                for field in (
                    number,
                    row.left_id or "(sealed)",
                    row.right_id or "(sealed)",
                    row.decision,
                    row.analyst,
                    row.decided_at,
                    row.origin,
                    " ".join(str(row.reason or "").split()),
                )
            )
        )


def _interactive(archive: Any) -> None:
    from bearwitness.services import link_review

    archive.require_secrets()
    console = Console(emoji=False)
    done: list[tuple[str, str]] = []
    skipped: set[tuple[str, str]] = set()
    while True:
        queue = link_review.queue(archive)
        queue = queue[
            [
                (a, b) not in skipped
                for a, b in zip(queue["left_id"], queue["right_id"], strict=True)
            ]
        ]
        if queue.empty:
            console.print("Nothing left to review.")
            if not done:
                return
            choice = typer.prompt("[u]ndo the last, [q]uit", default="q").strip().lower()[:1]
            left = right = ""
        else:
            row = queue.iloc[0]
            left, right = str(row["left_id"]), str(row["right_id"])
            console.print(
                f"\n{len(queue)} pair(s) to review. Link probability "
                f"{float(row['probability']):.3f}",
                highlight=False,
            )
            _print_evidence(link_review.evidence(archive, left, right))
            choice = (
                typer.prompt("[a]ccept, [r]eject, [s]kip, [u]ndo the last, [q]uit", default="s")
                .strip()
                .lower()[:1]
            )
        if choice == "q":
            return
        if choice == "s":
            skipped.add((left, right))
            continue
        if choice == "u":
            if not done:
                console.print("Nothing decided in this session.")
                continue
            last = done.pop()
            link_review.decide(archive, *last, "undo", typer.prompt("Reason for the undo"))
            skipped.discard(last)
            continue
        if choice not in ("a", "r") or not left:
            console.print("Type a, r, s, u or q.")
            continue
        verdict = "accept" if choice == "a" else "reject"
        link_review.decide(archive, left, right, verdict, typer.prompt("Reason"))
        done.append((left, right))


@link_app.command("lists")
def lists_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="CSV lists, one per organisation.", exists=True, dir_okay=False),
    ],
    columns: Annotated[
        Path,
        typer.Option(
            help="TOML file: which column holds what, per list.", exists=True, dir_okay=False
        ),
    ],
    out: Annotated[Path, typer.Option(help=_OUT)],
    pairs_out: Annotated[Path | None, typer.Option(help=_PAIRS)] = None,
    histories_out: Annotated[Path | None, typer.Option(help=_HISTORIES)] = None,
    problems_out: Annotated[Path | None, typer.Option(help=_PROBLEMS)] = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help=_THRESHOLD)] = 0.5,
    strata: Annotated[str, typer.Option(help=_STRATA)] = "",
    seed: Annotated[int, typer.Option(help=_SEED)] = 2024,
) -> None:
    """Link CSV lists directly, without an archive."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from bearwitness.services import linking

    chosen = _strata(strata)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
    ) as progress:
        task = progress.add_task("Reading lists", total=None)
        found = linking.link_lists(
            files,
            columns,
            options=linking.options(threshold=threshold, seed=seed),
            step=lambda text: progress.update(task, description=text),
        )
    result = found.linked
    _print_problems(found.features.problems)
    if problems_out is not None:
        _problems_csv(found.features.problems, problems_out)
    result.records[["record_id", "cluster_id", "list", "link_probability"]].to_csv(out, index=False)
    if pairs_out is not None:
        found.pairs().to_csv(pairs_out, index=False)
    if histories_out is not None:
        found.histories([path.stem for path in files], chosen).to_csv(histories_out, index=False)
    people = result.records["cluster_id"].nunique()
    _err.print(
        f"{len(found.records)} records, {people} persons, {len(result.pairs)} scored pairs.",
        highlight=False,
    )


def _read(path: Path, needed: set[str]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if missing := needed - set(frame.columns):
        raise InputError(
            f"{path.name} lacks column(s) {', '.join(sorted(missing))}.",
            hint="Use the files `bearwitness link lists` wrote.",
        )
    return frame


@link_app.command("report")
def report_command(
    clusters: Annotated[Path, typer.Option(help="clusters.csv from `link lists`.", exists=True)],
    pairs: Annotated[
        Path | None, typer.Option(help="pairs.csv from `link lists`.", exists=True)
    ] = None,
    labels: Annotated[Path | None, typer.Option(help=_LABELS, exists=True)] = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.5,
    top: Annotated[int, typer.Option(min=0, help="How many uncertain links to show.")] = 20,
) -> None:
    """Quality of a linkage: precision and recall on a labelled sample,
    cluster sizes, and the links closest to the threshold."""
    import pandas as pd

    from bearwitness.services import linking

    console = Console(emoji=False)
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
        truth = pd.Series(
            labelled["person_id"].to_numpy(),
            index=(labelled["list"] + ":" + labelled["record_id"]).to_numpy(),
        )
        if not frame["record_key"].isin(truth.index).any():
            raise InputError(
                "No labelled record is among the linked records.",
                hint="Label records by the list name and record_id of clusters.csv.",
            )
        s = linking.score_links(frame, truth)
        labelled_count = int(frame["record_key"].isin(truth.index).sum())
        quality = Table(title=f"Against {labelled_count} labelled records")
        for column in ("measure", "precision", "recall", "F1"):
            quality.add_column(column, justify="right")
        quality.add_row(
            "pairwise",
            f"{s.pairwise_precision:.3f}",
            f"{s.pairwise_recall:.3f}",
            f"{s.pairwise_f1:.3f}",
        )
        quality.add_row(
            "B-cubed", f"{s.bcubed_precision:.3f}", f"{s.bcubed_recall:.3f}", f"{s.bcubed_f1:.3f}"
        )
        console.print(quality)
        console.print(
            f"Distinct people: {s.found_people} found, {s.true_people} labelled "
            f"({s.people_error:+.1%}).",
            highlight=False,
        )
    if pairs is not None and top:
        scored = _read(pairs, {"left_id", "right_id", "probability"})
        scored["probability"] = scored["probability"].astype(float)
        queue = linking.uncertain_links(scored, threshold).head(top)
        uncertain = Table(title=f"Most uncertain links (threshold {threshold})")
        for column in ("left", "right", "probability"):
            uncertain.add_column(column)
        for row in queue.itertuples():
            uncertain.add_row(inert(row.left_id), inert(row.right_id), f"{row.probability:.3f}")
        console.print(uncertain)
