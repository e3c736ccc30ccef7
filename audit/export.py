"""One prospect's full record in one JSON document, for a data-subject access request.

Everything the database holds about the prospect (contact data, each journey's state, events
received, e-mails sent, tasks, the e-mails they sent back, decisions) plus the timeline read
from the workflows' history, which is what explains it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from audit.service import prospect_timeline
from nurture.settings import Settings
from nurture.tables import (
    DecisionRecord,
    Enrollment,
    EventRecord,
    InboundEmail,
    ProspectRecord,
    SalesTask,
    SentEmail,
)

EXPORT_FORMAT = 1


async def prospect_export(
    *, client: Client, session: AsyncSession, settings: Settings, prospect_id: str
) -> dict[str, Any]:
    """The prospect's record; raises `audit.service.UnknownProspect` for an unknown id."""
    timeline = await prospect_timeline(
        client=client, session=session, settings=settings, prospect_id=prospect_id
    )
    prospect = await session.get(ProspectRecord, prospect_id)
    enrollments = await _rows(
        session, Enrollment, Enrollment.prospect_id == prospect_id, Enrollment.enrolled_at
    )
    workflow_ids = [row["workflow_id"] for row in enrollments]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": datetime.now(UTC).isoformat(),
        "prospect": prospect.model_dump(mode="json") if prospect is not None else None,
        "enrollments": enrollments,
        "events": await _rows(
            session,
            EventRecord,
            EventRecord.prospect_id == prospect_id,
            EventRecord.occurred_at,
            EventRecord.id,
        ),
        "emails": await _rows(
            session,
            SentEmail,
            SentEmail.prospect_id == prospect_id,
            SentEmail.sent_at,
            SentEmail.key,
        ),
        "tasks": await _rows(
            session,
            SalesTask,
            SalesTask.prospect_id == prospect_id,
            SalesTask.created_at,
            SalesTask.id,
        ),
        "inbound_emails": await _rows(
            session,
            InboundEmail,
            InboundEmail.prospect_id == prospect_id,
            InboundEmail.received_at,
            InboundEmail.id,
        ),
        "decisions": await _rows(
            session,
            DecisionRecord,
            col(DecisionRecord.workflow_id).in_(workflow_ids),
            DecisionRecord.workflow_id,
            DecisionRecord.seq,
        ),
        "timeline": timeline.model_dump(mode="json"),
    }


async def _rows(
    session: AsyncSession, table: type[SQLModel], condition: Any, *order: Any
) -> list[dict[str, Any]]:
    """The rows of `table` that `condition` picks, in `order`, as JSON objects."""
    rows = await session.exec(select(table).where(condition).order_by(*(col(c) for c in order)))
    return [row.model_dump(mode="json") for row in rows]
