"""CLI commands: see register()."""

from __future__ import annotations

import typer


def register(cli: typer.Typer) -> None:
    """Add this module's commands to the root CLI."""
    del cli  # nothing yet
