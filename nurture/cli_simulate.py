"""The `nurture simulate` command(s); registered on the main `nurture` app by `nurture.cli`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
