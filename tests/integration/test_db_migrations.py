"""The Alembic migrations on a real database (SQLite, or PostgreSQL with
NURTURE_TEST_DATABASE_URL): an empty database, one holding rows of the previous revision, one
made before migrations existed, and `nurture db upgrade` run as a command."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, select

from nurture import migrations
from nurture.db import Database, create_engine, current_revision, upgrade_engine
from nurture.tables import (
    DecisionRecord,
    Enrollment,
    EventRecord,
    JourneyVersion,
    ProspectRecord,
    SalesTask,
    SentEmail,
    TimelineRun,
)
from tests.integration import rows_at_0001
from tests.integration.rows_at_0001 import ENROLLED, READ_PRICING, WORKFLOW_ID

HEAD = migrations.head_revision()
# The tables `create_all` made before `timeline_runs` existed (the schema of revision 0001).
# Tables each revision added; a database made by create_all at a revision has the ones before.
ADDED_AFTER_0001 = {"timeline_runs"}
ADDED_BY_0003 = {"outbox", "suppressions", "api_keys", "webhook_deliveries", "erasures"}
TABLES_AT_0001 = [
    table
    for table in SQLModel.metadata.sorted_tables
    if table.name not in ADDED_AFTER_0001 | ADDED_BY_0003
]
TABLES_AT_0002 = [
    table for table in SQLModel.metadata.sorted_tables if table.name not in ADDED_BY_0003
]


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


def differences_from_models(connection: Connection) -> list[Any]:
    """What autogenerate would write into a new revision: empty when the models and the
    migrated database agree."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


async def run(engine: AsyncEngine, work: Any) -> Any:
    async with engine.begin() as connection:
        return await connection.run_sync(work)


async def test_an_empty_database_upgraded_to_head_is_exactly_the_models(
    engine: AsyncEngine,
) -> None:
    upgraded = await upgrade_engine(engine)

    assert upgraded == migrations.Upgraded(before=None, adopted=None, after=HEAD)
    assert await run(engine, differences_from_models) == [], (
        "the models changed without a migration: write one (docs/operations.md)"
    )


async def test_the_comparison_sees_a_table_no_migration_creates(engine: AsyncEngine) -> None:
    # The check above can fail: at 0001 the models have a table the database lacks.
    await upgrade_engine(engine, revision="0001")

    differences = await run(engine, differences_from_models)

    added_tables = {change[1].name for change in differences if change[0] == "add_table"}
    assert added_tables == ADDED_AFTER_0001 | ADDED_BY_0003


async def test_every_revision_downgrades_to_an_empty_database(engine: AsyncEngine) -> None:
    await upgrade_engine(engine)

    def downgrade_to_base(connection: Connection) -> set[str]:
        command.downgrade(migrations.alembic_config(connection=connection), "base")
        return set(inspect(connection).get_table_names())

    assert await run(engine, downgrade_to_base) == {migrations.VERSION_TABLE}
    assert await current_revision(engine) is None


async def test_rows_of_0001_are_intact_after_the_upgrade(
    engine: AsyncEngine, database_url: str
) -> None:
    await upgrade_engine(engine, revision="0001")
    await run(engine, rows_at_0001.insert_rows)

    upgraded = await upgrade_engine(engine)

    assert upgraded == migrations.Upgraded(before="0001", adopted=None, after=HEAD)
    db = Database.from_url(database_url)
    try:
        await _assert_rows_of_0001_read_back(db)
        await _assert_timeline_runs_usable(db)
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    ("tables", "recognised_as"),
    [
        (TABLES_AT_0001, "0001"),
        (TABLES_AT_0002, "0002"),
        (SQLModel.metadata.sorted_tables, "0003"),
    ],
    ids=["made-at-0001", "made-at-0002", "made-at-0003"],
)
async def test_a_database_made_before_migrations_is_adopted_and_upgraded(
    engine: AsyncEngine, database_url: str, tables: list[Any], recognised_as: str
) -> None:
    # What `nurture dev` and the worker made with create_all before this change.
    await run(engine, lambda connection: SQLModel.metadata.create_all(connection, tables=tables))
    await run(engine, rows_at_0001.insert_rows)

    upgraded = await upgrade_engine(engine)

    assert upgraded == migrations.Upgraded(before=None, adopted=recognised_as, after=HEAD)
    assert await run(engine, differences_from_models) == []
    db = Database.from_url(database_url)
    try:
        await _assert_rows_of_0001_read_back(db)
        await _assert_timeline_runs_usable(db)
    finally:
        await db.dispose()


async def test_nurture_db_upgrade_brings_the_settings_database_up_to_date(
    database_url: str,
) -> None:
    first = await _nurture("db", "upgrade", "--database-url", database_url)
    again = await _nurture("db", "upgrade", env={"NURTURE_DATABASE_URL": database_url})
    current = await _nurture("db", "current", "--database-url", database_url)
    missing = await _nurture("db", "upgrade", "--database-url", database_url, "--revision", "9")

    assert first == (0, f"{_shown(database_url)}: empty database, now at {HEAD}\n")
    assert again == (0, f"{_shown(database_url)}: already at {HEAD}\n")
    assert current == (0, f"{_shown(database_url)}: at {HEAD} (up to date)\n")
    assert missing[0] == 1 and "Can't locate revision identified by '9'" in missing[1]


async def _assert_rows_of_0001_read_back(db: Database) -> None:
    """Today's models read what revision 0001's code wrote, values and types unchanged."""
    async with db.session() as session:
        prospect = await session.get(ProspectRecord, "ada")
        enrollment = await session.get(Enrollment, WORKFLOW_ID)
        event = await session.get(EventRecord, "evt-pricing-1")
        task = await session.get(SalesTask, "task-ada-1")
        sent = (await session.exec(select(SentEmail))).one()
        decision = (await session.exec(select(DecisionRecord))).one()
        journey = (await session.exec(select(JourneyVersion))).one()
    assert prospect is not None and prospect.attributes == {"country": "PL", "employees": 120}
    assert prospect.created_at == ENROLLED and prospect.created_at.tzinfo is not None
    assert enrollment is not None and enrollment.status == "handed_off"
    assert enrollment.state == {"stage": "offer", "score": 1150, "consumed": ["pricing-page"]}
    assert enrollment.updated_at == READ_PRICING and enrollment.entries == 1
    assert event is not None and event.delivered_to == [WORKFLOW_ID]
    assert event.data == {"content": "pricing-page"} and event.occurred_at == READ_PRICING
    assert task is not None and task.bant == {"budget": True, "authority": None}
    assert task.notices == [{"key": "notify/1", "to": "ewa@northwind.example.com"}]
    assert task.sla_breached is False and task.due_at == datetime(
        2026, 3, 6, 14, 30, 15, 250_000, tzinfo=UTC
    )
    assert sent.subject == "Welcome, Ada — zaczynamy" and sent.sent_at == ENROLLED
    assert (decision.seq, decision.rule_id, decision.at) == (1, "pricing-to-offer", READ_PRICING)
    assert journey.definition["stages"] == [{"id": "awareness"}]


async def _assert_timeline_runs_usable(db: Database) -> None:
    async with db.session() as session:
        session.add(
            TimelineRun(
                workflow_id=WORKFLOW_ID,
                run_id="run-1",
                prospect_id="ada",
                journey_id="b2b-funnel",
                status="completed",
                started_at=ENROLLED,
                closed_at=READ_PRICING,
                items=[{"kind": "decision", "seq": 1}],
            )
        )
        # A serial id continues after the old rows' (the sequence was not left behind).
        session.add(
            JourneyVersion(
                journey_id="b2b-funnel", version=2, name="B2B funnel", source="", definition={}
            )
        )
        await session.commit()
    async with db.session() as session:
        run_ = await session.get(TimelineRun, (WORKFLOW_ID, "run-1"))
        versions = (await session.exec(select(JourneyVersion.version))).all()
    assert run_ is not None and run_.items == [{"kind": "decision", "seq": 1}]
    assert sorted(versions) == [1, 2]


async def _nurture(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the `nurture` command in a child process: its exit code and everything it printed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "nurture.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        # Wide enough that no line is wrapped; no .env or NURTURE_* of the developer's.
        env={"PATH": os.environ["PATH"], "COLUMNS": "400", **(env or {})},
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


def _shown(url: str) -> str:
    from sqlalchemy.engine.url import make_url

    return make_url(url).render_as_string(hide_password=True)


async def test_processes_starting_together_on_an_empty_database_all_upgrade_it(
    database_url: str,
) -> None:
    # The API, the worker and the inbound SMTP server each upgrade the database as they start;
    # started together on a new database, none may fail for the others doing the same.
    results = await asyncio.gather(
        *(_nurture("db", "upgrade", "--database-url", database_url) for _ in range(3))
    )

    assert [code for code, _ in results] == [0, 0, 0], results
    assert await _nurture("db", "current", "--database-url", database_url) == (
        0,
        f"{_shown(database_url)}: at {HEAD} (up to date)\n",
    )
