"""`nurture history PROSPECT_ID`: a prospect's audit timeline in the terminal (stub)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    del app
