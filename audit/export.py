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
    enrollments = list(
        await session.exec(
            select(Enrollment)
            .where(Enrollment.prospect_id == prospect_id)
            .order_by(col(Enrollment.enrolled_at))
        )
    )
    workflow_ids = [enrollment.workflow_id for enrollment in enrollments]
    events = await session.exec(
        select(EventRecord)
        .where(EventRecord.prospect_id == prospect_id)
        .order_by(col(EventRecord.occurred_at), col(EventRecord.id))
    )
    emails = await session.exec(
        select(SentEmail)
        .where(SentEmail.prospect_id == prospect_id)
        .order_by(col(SentEmail.sent_at), col(SentEmail.key))
    )
    tasks = await session.exec(
        select(SalesTask)
        .where(SalesTask.prospect_id == prospect_id)
        .order_by(col(SalesTask.created_at), col(SalesTask.id))
    )
    inbound = await session.exec(
        select(InboundEmail)
        .where(InboundEmail.prospect_id == prospect_id)
        .order_by(col(InboundEmail.received_at), col(InboundEmail.id))
    )
    decisions = await session.exec(
        select(DecisionRecord)
        .where(col(DecisionRecord.workflow_id).in_(workflow_ids))
        .order_by(col(DecisionRecord.workflow_id), col(DecisionRecord.seq))
    )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": datetime.now(UTC).isoformat(),
        "prospect": _as_json(prospect) if prospect is not None else None,
        "enrollments": [_as_json(row) for row in enrollments],
        "events": [_as_json(row) for row in events],
        "emails": [_as_json(row) for row in emails],
        "tasks": [_as_json(row) for row in tasks],
        "inbound_emails": [_as_json(row) for row in inbound],
        "decisions": [_as_json(row) for row in decisions],
        "timeline": timeline.model_dump(mode="json"),
    }


def _as_json(row: SQLModel) -> dict[str, Any]:
    return row.model_dump(mode="json")
