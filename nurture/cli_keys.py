"""`nurture keys create|list|revoke`: API keys, on the database directly (no API, no key needed).

Whoever can reach the database can already do anything, so these commands need no key: they
are how the first keys are made on a new site (or use `NURTURE_ADMIN_KEY` with `POST /keys`).
`create` prints the key alone on standard output, once, so a script can capture it; what it
is for goes to standard error.

Also here: the key the CLI's own API commands (`import`, `policy`, `migrate`, `history`)
present, `NURTURE_API_KEY`, else `NURTURE_ADMIN_KEY` (by default the development key that
`nurture dev` accepts).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from nurture.cli_db import DatabaseUrl

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

T = TypeVar("T")

console = Console()
errors = Console(stderr=True)


def api_headers() -> dict[str, str]:
    """The header that presents the CLI's key to the API."""
    from nurture.api_keys import bearer_header
    from nurture.settings import get_settings

    settings = get_settings()
    key = settings.api_key or settings.admin_key
    return bearer_header(key.get_secret_value())


def register(app: typer.Typer) -> None:
    """Add `nurture keys create|list|revoke` to `app`."""
    keys_app = typer.Typer(
        help="API keys for the HTTP API and the web UI: make, list, revoke.",
        no_args_is_help=True,
    )
    keys_app.command("create")(create)
    keys_app.command("list")(list_all)
    keys_app.command("revoke")(revoke)
    app.add_typer(keys_app, name="keys")


def create(
    role: Annotated[str, typer.Option(help="admin, marketer, sales or integration.")],
    name: Annotated[str, typer.Option(help="Who or what holds the key.")],
    user: Annotated[
        str | None,
        typer.Option(help="Sales: the assignee whose tasks the key sees (their e-mail)."),
    ] = None,
    manager: Annotated[bool, typer.Option(help="Sales: see and act on every task.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Make a key and print it, once: only its hash is kept."""
    from nurture.api_keys import KeyRequestInvalid, create_key

    try:
        issued = _with_session(
            database_url,
            lambda session: create_key(session, name=name, role=role, user=user, manager=manager),
        )
    except KeyRequestInvalid as problem:
        errors.print(f"[red]nurture keys:[/] {escape(str(problem))}", soft_wrap=True)
        raise typer.Exit(1) from problem
    record = issued.record
    whose = f", user {record.user}" if record.user else ""
    whose += ", manager" if record.manager else ""
    errors.print(
        f"Key {record.id} for {record.name!r} ({record.role}{whose}). "
        "Keep it now: it is shown only this once.",
        markup=False,
        soft_wrap=True,
    )
    typer.echo(issued.key)


def list_all(database_url: DatabaseUrl = None) -> None:
    """Every key, revoked ones too (never a secret)."""
    from nurture.api_keys import list_keys

    records = _with_session(database_url, list_keys)
    # The id kept whole (never wrapped), to copy into `nurture keys revoke`.
    id_column = Column("id", no_wrap=True)
    table = Table(id_column, "name", "role", "user", "created", "last used", "revoked")
    for record in records:
        user = (record.user or "") + (" (manager)" if record.manager else "")
        table.add_row(
            record.id,
            record.name,
            record.role,
            user,
            _when(record.created_at),
            _when(record.last_used_at),
            _when(record.revoked_at),
        )
    console.print(table)


def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (the part after nk_).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a key: refused from the next request on, its web UI sessions too."""
    from nurture.api_keys import revoke_key

    record = _with_session(database_url, lambda session: revoke_key(session, key_id=key_id))
    if record is None:
        errors.print(f"nurture keys: unknown key {key_id!r}", markup=False)
        raise typer.Exit(1)
    console.print(
        f"revoked {record.id} ({record.name}) at {_when(record.revoked_at)}", markup=False
    )


def _with_session(database_url: str | None, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from sqlalchemy.exc import SQLAlchemyError

    from nurture.db import Database
    from nurture.settings import get_settings

    db = Database.from_url(database_url or get_settings().database_url)

    async def run() -> T:
        try:
            async with db.session() as session:
                return await work(session)
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except (OSError, SQLAlchemyError) as error:
        errors.print(
            f"[red]nurture keys:[/] {escape(str(error))} "
            "(is the schema current? `nurture db upgrade`)",
            soft_wrap=True,
        )
        raise typer.Exit(1) from error


def _when(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"
