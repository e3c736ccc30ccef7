"""Alembic's entry point for every command: runs the revisions of `versions/`.

`nurture db upgrade` and `nurture dev` (through `nurture.migrations.upgrade_connection`) hand
it a connection in `config.attributes["connection"]`. The `alembic` command line (alembic.ini,
for writing revisions) hands it none: it then connects to the ini's `sqlalchemy.url` if one is
set, else to the settings' NURTURE_DATABASE_URL, with the app's own async engine.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from nurture import tables
from nurture.db import create_engine


def _render_item(kind: str, item: Any, _context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes our column types as plain SQLAlchemy types, so revisions depend on
    nothing but sqlalchemy (a later change to the models cannot change an old revision)."""
    if kind != "type":
        return False
    if isinstance(item, AutoString):
        return f"sa.String(length={item.length})" if item.length else "sa.String()"
    if isinstance(item, tables.UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        # SQLite alters a table by copying it: autogenerate writes batch operations for that.
        render_as_batch=True,
        render_item=_render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_on_url(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def _database_url() -> str:
    explicit = context.config.get_main_option("sqlalchemy.url")
    if explicit:
        return explicit
    from nurture.settings import get_settings

    return get_settings().database_url


if context.config.config_file_name is not None:
    # The alembic command line: its ini's logging (which revisions ran, what autogenerate saw).
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)
if context.is_offline_mode():
    raise SystemExit("offline (--sql) mode is not supported: run against a database")
shared = context.config.attributes.get("connection")
if shared is not None:
    _run(shared)
else:
    asyncio.run(_run_on_url(_database_url()))
