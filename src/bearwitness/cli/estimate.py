"""`bearwitness estimate`: multiple systems estimation from the command line."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `estimate` command to the app."""

    @app.command("estimate")
    def estimate() -> None:
        """Estimate the number of victims nobody recorded (work in progress)."""
        typer.echo("not ready yet", err=True)
