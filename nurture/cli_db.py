"""`nurture db upgrade` and `nurture db current`: the database schema's Alembic revision.

Run `nurture db upgrade` before starting new code on an existing database (production runs it
once per deploy, before the API and the workers); `nurture dev` runs it by itself. The database
is NURTURE_DATABASE_URL's unless `--database-url` names another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from nurture.migrations import Upgraded

T = TypeVar("T")

console = Console()
errors = Console(stderr=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        help="SQLAlchemy URL of the database (default: the NURTURE_DATABASE_URL setting).",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    """Add `nurture db upgrade|current` to `app`."""
    db_app = typer.Typer(
        help="The database schema: bring it up to date, or show its revision.",
        no_args_is_help=True,
    )
    db_app.command("upgrade")(upgrade)
    db_app.command("current")(current)
    app.add_typer(db_app, name="db")


def upgrade(
    database_url: DatabaseUrl = None,
    revision: Annotated[
        str, typer.Option(help="The revision to upgrade to (default: the newest).")
    ] = "head",
) -> None:
    """Run the migrations the database has not had yet.

    A database made before migrations existed (tables, no revision) is recognised as the
    revision it matches and brought up to date from there.
    """
    from nurture import db

    url = _url_or_setting(database_url)
    upgraded = _run_or_exit(db.upgrade(url, revision=revision), url)
    console.print(f"{_shown(url)}: {_what_happened(upgraded)}", markup=False, soft_wrap=True)


def current(database_url: DatabaseUrl = None) -> None:
    """The revision the database is at, and the newest there is."""
    from nurture import db, migrations

    url = _url_or_setting(database_url)
    engine = db.create_engine(url)

    async def read() -> str | None:
        try:
            return await db.current_revision(engine)
        finally:
            await engine.dispose()

    revision = _run_or_exit(read(), url)
    head = migrations.head_revision()
    state = "up to date" if revision == head else f"newest is {head}: run `nurture db upgrade`"
    console.print(f"{_shown(url)}: at {revision or 'no revision'} ({state})", markup=False)
    if revision != head:
        raise typer.Exit(1)


def _what_happened(upgraded: Upgraded) -> str:
    if upgraded.before == upgraded.after:
        return f"already at {upgraded.after}"
    if upgraded.adopted is not None:
        start = f"tables made before migrations recognised as {upgraded.adopted}"
    elif upgraded.before is None:
        start = "empty database"
    else:
        start = f"was at {upgraded.before}"
    return f"{start}, now at {upgraded.after}"


def _url_or_setting(database_url: str | None) -> str:
    if database_url:
        return database_url
    from nurture.settings import get_settings

    return get_settings().database_url


def _shown(url: str) -> str:
    from sqlalchemy.engine.url import make_url

    return make_url(url).render_as_string(hide_password=True)


def _run_or_exit(work: Coroutine[object, object, T], url: str) -> T:
    """The result of `work`; a database that cannot be reached or a revision that does not
    exist ends the command with the reason, not a traceback."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return asyncio.run(work)
    except (OSError, SQLAlchemyError, CommandError) as error:
        errors.print(f"[red]nurture db:[/] {_shown(url)}: {error}", soft_wrap=True)
        raise typer.Exit(1) from error
