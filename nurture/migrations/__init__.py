"""The database schema's history as Alembic revisions (`versions/`), and how they are run.

`upgrade_connection` brings one database to a revision (the newest by default) on a synchronous
SQLAlchemy connection; `nurture.db.upgrade` runs it on an async engine. It also adopts databases
made before the schema had migrations (by `SQLModel.metadata.create_all`): their tables are
recognised, the revision they match is recorded (stamped), and the later revisions run from
there, so an existing `data/` directory keeps its prospects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

MIGRATIONS_DIR = Path(__file__).parent
HEAD = "head"
VERSION_TABLE = "alembic_version"

# What a pre-Alembic database looks like: for each revision whose schema `create_all` once made,
# a table that revision brought, newest first. The first one present names the database's
# revision (a table added later is absent from a database made earlier).
PRE_ALEMBIC_SCHEMAS = (
    ("0003", "outbox"),
    ("0002", "timeline_runs"),
    ("0001", "journey_versions"),
)

# Any constant works: it only has to be the same for every process that migrates.
_POSTGRES_MIGRATION_LOCK = 7_334_801


def alembic_config(*, connection: Connection | None = None) -> Config:
    """Alembic's configuration for our revisions, without an alembic.ini: `env.py` runs them
    on `connection` (given, it is the only database touched)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no revisions in {MIGRATIONS_DIR / 'versions'}")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None for an empty or pre-Alembic database."""
    return MigrationContext.configure(connection).get_current_revision()


def pre_alembic_revision(connection: Connection) -> str | None:
    """The revision a database made by `create_all` (tables, no version table) matches; None
    for an empty database or one that Alembic already manages."""
    tables = set(inspect(connection).get_table_names())
    if VERSION_TABLE in tables:
        return None
    return next((revision for revision, table in PRE_ALEMBIC_SCHEMAS if table in tables), None)


@dataclass(frozen=True)
class Upgraded:
    """What an upgrade did: the revision before (None: empty database), the revision a
    pre-Alembic database was recognised as (if it was one), and the revision after."""

    before: str | None
    adopted: str | None
    after: str | None


def upgrade_connection(connection: Connection, revision: str = HEAD) -> Upgraded:
    """Upgrade the database of `connection` to `revision`, inside the caller's transaction."""
    if connection.dialect.name == "postgresql":
        # Two upgrades started together (two deploys, several processes that upgrade at start)
        # run one after the other: the second waits here, then finds nothing left to do.
        # PostgreSQL's DDL is transactional, so a failed upgrade leaves the revision it had.
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_MIGRATION_LOCK}
        )
    elif connection.dialect.name == "sqlite":
        # The same on SQLite: its write lock, taken before anything is read (the driver would
        # begin only at the first write, after both upgrades had seen an empty database); the
        # second waits up to the busy timeout. Inside this transaction the DDL is atomic too.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    config = alembic_config(connection=connection)
    before = current_revision(connection)
    adopted = pre_alembic_revision(connection)
    if adopted is not None:
        command.stamp(config, adopted)
    command.upgrade(config, revision)
    return Upgraded(before=before, adopted=adopted, after=current_revision(connection))
