"""The async database engine and sessions (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from nurture import migrations, schema  # noqa: F401  (importing the schema registers it)


def create_engine(database_url: str) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(database_url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # WAL lets the API read while the worker writes; foreign processes share the file.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_async_engine(database_url, pool_pre_ping=True)


async def create_tables(engine: AsyncEngine) -> None:
    """Create the tables straight from the models, without migrations: for tests and benchmarks
    that start from an empty database. Anything that keeps data uses `upgrade`."""
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)


async def upgrade(database_url: str, *, revision: str = migrations.HEAD) -> migrations.Upgraded:
    """Bring the database at `database_url` to `revision` (the newest by default) with the
    Alembic migrations; a database made before migrations existed is adopted first."""
    engine = create_engine(database_url)
    try:
        return await upgrade_engine(engine, revision=revision)
    finally:
        await engine.dispose()


async def upgrade_engine(
    engine: AsyncEngine, *, revision: str = migrations.HEAD
) -> migrations.Upgraded:
    async with engine.begin() as connection:
        return await connection.run_sync(migrations.upgrade_connection, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(migrations.current_revision)


class Database:
    """An engine plus a session factory; one per process, passed to whoever needs it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    @classmethod
    def from_url(cls, database_url: str) -> Database:
        return cls(create_engine(database_url))

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    async def create_tables(self) -> None:
        await create_tables(self.engine)

    async def upgrade(self) -> migrations.Upgraded:
        return await upgrade_engine(self.engine)

    async def dispose(self) -> None:
        await self.engine.dispose()
