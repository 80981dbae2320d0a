"""`bearwitness estimate`: multiple systems estimation from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bearwitness.cli.terminal import safe_text

if TYPE_CHECKING:
    from bearwitness.services.estimates import EstimateResult, StoredEstimate

# The estimation stack (SciPy, pandas, Numba, Matplotlib) takes seconds to import,
# so it is imported inside the command: `bearwitness --help` and the other
# commands do not pay for it.


def register(app: typer.Typer) -> None:
    """Add the `estimate` command to the app."""
    app.command("estimate")(estimate_command)
    app.command("estimates")(estimates_command)


def estimates_command(
    folder: Annotated[Path, typer.Argument(help="The archive folder.")],
    show: Annotated[str | None, typer.Option(help="Print one run's full result (JSON).")] = None,
) -> None:
    """The estimate runs kept in an archive (with `estimate --archive`)."""
    import json

    from bearwitness.cli.session import open_archive
    from bearwitness.services.estimates import get_estimate, list_estimates

    with open_archive(folder) as archive:
        if show is not None:
            run = get_estimate(archive, show)
            typer.echo(
                safe_text(
                    json.dumps(run.result, indent=2, ensure_ascii=False), newlines=True, json=True
                )
            )
            if run.sealed:
                typer.echo(
                    f"{run.id}: its strata are sealed; unlock the archive to see them.", err=True
                )
            return
        kept = list_estimates(archive)
    if not kept:
        typer.echo("No estimate is kept in this archive yet: `bearwitness estimate --archive`.")
    for run in kept:
        n = run.result.get("N") or {}
        total = (
            f"{n['median']:,.0f} ({n['lower']:,.0f} to "
            f"{'no upper bound' if n.get('upper') is None else format(n['upper'], ',.0f')})"
            if n
            else "by stratum"
        )
        typer.echo(
            safe_text(
                f"{run.id}  {run.recorded_at}  {run.method:9}  documented "
                f"{run.result.get('n_observed', '?')}, estimated {total}"
                + ("  (strata sealed)" if run.sealed else "")
                + (f"  (linkage {run.link_run_id})" if run.link_run_id else "")
            )
        )


def estimate_command(
    histories: Annotated[
        Path | None,
        typer.Argument(
            help="Capture-history CSV: one 0/1 column per list and a `count` column "
            "(or one row per person)."
        ),
    ] = None,
    method: Annotated[str, typer.Option(help="lcmcr, loglinear or dga.")] = "lcmcr",
    strata: Annotated[
        list[str] | None,
        typer.Option("--strata", help="Column to stratify by (repeat for several)."),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives the same result.")
    ] = 0,
    out: Annotated[Path | None, typer.Option(help="Write the full result as JSON here.")] = None,
    charts_dir: Annotated[
        Path | None, typer.Option("--charts", help="Write charts (SVG and PNG) into this folder.")
    ] = None,
    records: Annotated[
        Path | None,
        typer.Option(
            help="Linked records CSV (record_id, list, strata) instead of a history table."
        ),
    ] = None,
    pairs: Annotated[
        Path | None,
        typer.Option(help="Candidate pairs CSV (left_id, right_id, probability) for --records."),
    ] = None,
    linkages: Annotated[int, typer.Option(help="Linkages to sample with --records.")] = 20,
    k: Annotated[int, typer.Option("--K", help="LCMCR: latent classes.")] = 10,
    burnin: Annotated[int, typer.Option(help="LCMCR: burn-in sweeps per chain.")] = 10_000,
    samples: Annotated[int, typer.Option(help="LCMCR: kept draws per chain.")] = 1_000,
    thinning: Annotated[int, typer.Option(help="LCMCR: sweeps per kept draw.")] = 100,
    chains: Annotated[int, typer.Option(help="LCMCR: independent chains.")] = 4,
    sensitivity: Annotated[
        bool, typer.Option(help="LCMCR: also re-run with K = 5, 20 and another prior.")
    ] = False,
    criterion: Annotated[str, typer.Option(help="loglinear: aic or bic.")] = "bic",
    delta: Annotated[float | None, typer.Option(help="dga: prior δ (default 2^-p).")] = None,
    archive_folder: Annotated[
        Path | None,
        typer.Option(
            "--archive",
            help="Keep this run in an archive, committed to its log; without a CSV, "
            "count the persons of the archive's newest `link` run.",
        ),
    ] = None,
) -> None:
    """Estimate how many people were never recorded on any list, with an interval."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from bearwitness.cli.session import open_archive
    from bearwitness.services import estimates

    options = estimates.options(
        method,
        k=k,
        burnin=burnin,
        samples=samples,
        thinning=thinning,
        chains=chains,
        criterion=criterion,
        delta=delta,
        sensitivity=sensitivity,
    )
    strata_columns = tuple(strata or ())
    files = [path for path in (histories, records, pairs) if path is not None]
    if archive_folder is not None and strata_columns:
        _check_unlocked(archive_folder)  # before the sampling, not after it
    console = Console(stderr=True)
    kept: StoredEstimate | None = None
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("Sampling", total=None)

        def on_total(total: int | None) -> None:
            bar.update(task, total=total)

        def advanced(done: int) -> None:
            bar.advance(task, done)

        if not files and archive_folder is not None:  # the persons of the newest `link` run
            with open_archive(archive_folder) as archive:
                result, kept = estimates.estimate_archive(
                    archive,
                    method=method,
                    strata=strata_columns,
                    seed=seed,
                    options=options,
                    progress=advanced,
                    on_total=on_total,
                )
        else:
            result = estimates.estimate_files(
                histories=histories,
                records=records,
                pairs=pairs,
                method=method,
                strata=strata_columns,
                seed=seed,
                options=options,
                linkages=linkages,
                progress=advanced,
                on_total=on_total,
            )
    typer.echo(safe_text(summarise(result), newlines=True))  # names lists and strata
    if archive_folder is not None:
        if kept is None:
            with open_archive(archive_folder) as archive:
                kept = estimates.keep_estimate(archive, result, files)
        typer.echo(f"Kept as {kept.id} in {archive_folder}, committed to its log.")
    if out is not None:
        result.write_json(out)
        typer.echo(f"Full result written to {out}")
    if charts_dir is not None:
        written = write_charts(result, charts_dir)
        typer.echo(f"{len(written)} chart files written to {charts_dir}")


def summarise(result: EstimateResult) -> str:
    """A readable summary: documented count first, then the estimate and its caveats."""
    lines = [f"Method: {result.method}   lists: {', '.join(result.lists)}"]
    for label, stratum in result.strata.items():
        head = "" if len(result.strata) == 1 else f"[{label}] "
        n, est, gap = stratum.histories.n_observed, stratum.N, stratum.unrecorded
        lines.append(f"{head}Documented: {n:,} people (a lower bound).")
        lines.append(
            f"{head}Estimated total: {est.median:,.0f} "
            f"(95% interval {est.lower:,.0f} to {_bound(est.upper)})."
        )
        lines.append(
            f"{head}Never recorded: about {gap.median:,.0f} "
            f"({gap.lower:,.0f} to {_bound(gap.upper)})."
        )
        if "model" in stratum.details:
            lines.append(f"{head}Model chosen: {stratum.details['model']}")
        convergence = stratum.details.get("convergence", {})
        if "rhat" in convergence:
            lines.append(
                f"{head}Chains: R-hat {convergence['rhat']:.3f}, "
                f"effective draws {convergence['ess']:.0f}"
            )
        for row in stratum.details.get("sensitivity", []):
            lines.append(
                f"{head}  with K = {row['K']}, prior Gamma({row['a_alpha']}, "
                f"{row['b_alpha']}): {row['median']:,.0f} "
                f"({row['lower']:,.0f} to {row['upper']:,.0f})"
            )
        for warning in stratum.warnings:
            lines.append(f"{head}Warning: {warning}")
    if len(result.strata) > 1 and result.total is not None:
        t = result.total
        lines.append(
            f"All strata: documented {result.n_observed:,}; estimated total "
            f"{t.median:,.0f} (95% interval {t.lower:,.0f} to {_bound(t.upper)})."
        )
    lines.append("Assumptions:")
    lines += [f"  - {a}" for a in result.assumptions]
    return "\n".join(lines)


def write_charts(result: EstimateResult, folder: Path) -> list[Path]:
    """Overlap and posterior charts per stratum, and the strata chart when stratified."""
    from bearwitness.services import estimates

    return estimates.write_charts(result, folder)


def _check_unlocked(folder: Path) -> None:
    """A stratified run is kept with its strata sealed: that needs the archive's keys."""
    from bearwitness.cli.session import open_archive
    from bearwitness.errors import LockedError

    with open_archive(folder) as archive:
        if archive.locked:
            raise LockedError(
                "a stratified estimate is kept with its strata sealed, which needs an unlock",
                hint=f"Run `bearwitness unlock {folder}` first, or leave out --archive.",
            )


def _bound(value: float) -> str:
    return "no upper bound" if value == float("inf") else f"{value:,.0f}"
