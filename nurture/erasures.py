"""The record that a prospect was erased: when, under which pseudonym, how much was removed.

It proves the erasure happened (to the person, to an auditor) without keeping what was erased:
the prospect id only as a SHA-256, so the record is found again from the id the requester
gives, and counts per table, never values.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, update
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nurture.tables import ProspectRecord, UtcDateTime


class Erasure(SQLModel, table=True):
    __tablename__ = "erasures"

    id: str = Field(primary_key=True, max_length=64)
    # Not unique: a prospect erased, enrolled again by a CRM sync and erased again has two.
    prospect_id_hash: str = Field(index=True, max_length=64)
    # What the kept rows (reports' sends, decisions, tasks) now carry instead of the id.
    pseudonym: str = Field(max_length=200)
    erased_at: datetime = Field(sa_type=UtcDateTime)
    # {"tables": {table: {"deleted": n, "pseudonymised": n}}, "workflows": n, "runs": n}
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def prospect_id_hash(prospect_id: str) -> str:
    return hashlib.sha256(prospect_id.encode()).hexdigest()


async def latest_erasure(session: AsyncSession, *, prospect_id: str) -> Erasure | None:
    rows = await session.exec(
        select(Erasure)
        .where(Erasure.prospect_id_hash == prospect_id_hash(prospect_id))
        .order_by(col(Erasure.erased_at).desc())
        .limit(1)
    )
    return rows.first()


async def lock_unless_erased(session: AsyncSession, *, prospect_id: str) -> bool:
    """Hold the prospect's contact row for the rest of the transaction; False if they were erased.

    An activity already running when the prospect's workflows were deleted must not write about
    them afterwards. The write comes first, as in the sending policy's lock: on PostgreSQL it
    waits for an erasure in progress (which deletes this row) to commit, and on SQLite it takes
    the database's write lock, so the check below always sees a finished erasure, and an erasure
    that starts later finds (and erases) whatever this transaction writes. A prospect with no
    contact row who was never erased (a journey started straight through Temporal) is written.
    """
    touched = await session.exec(
        update(ProspectRecord)
        .where(col(ProspectRecord.id) == prospect_id)
        .values(id=col(ProspectRecord.id))
    )
    if touched.rowcount:
        return True
    return await latest_erasure(session, prospect_id=prospect_id) is None
