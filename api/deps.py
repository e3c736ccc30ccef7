"""What endpoints depend on, as `Annotated` aliases read from `app.state` (no globals).

`create_app` puts the settings, the database and the Temporal client on `app.state`; an endpoint
asks for them by type, e.g. `async def f(db: DatabaseDep, temporal: TemporalDep)`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from nurture.db import Database
from nurture.settings import Settings


def _settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def _database(request: Request) -> Database:
    return cast(Database, request.app.state.db)


def _temporal(request: Request) -> Client:
    return cast(Client, request.app.state.temporal)


async def _session(db: Annotated[Database, Depends(_database)]) -> AsyncIterator[AsyncSession]:
    async with db.session() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(_settings)]
DatabaseDep = Annotated[Database, Depends(_database)]
SessionDep = Annotated[AsyncSession, Depends(_session)]
TemporalDep = Annotated[Client, Depends(_temporal)]
