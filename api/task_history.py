"""A prospect's interaction history for the salesperson: events, e-mails and decisions in order.

Read from the projections the workflow wrote (decisions with their reasons, e-mails sent) and
the events the API recorded, so a task shows everything up to this moment, not only what the
journey looked like when the task was made.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.task_schemas import HistoryItem, ScorePoint
from nurture.tables import DecisionRecord, EventRecord, SentEmail

# Decisions a salesperson cares about; sequence bookkeeping and ignored events are noise here.
_DECISION_KINDS = (
    "enrolled",
    "points",
    "stage_moved",
    "marked",
    "paused",
    "resumed",
    "status",
    "task",
    "escalated",
    "outcome",
    "resurfaced",
    "completed",
    "send_failed",
)
HISTORY_LIMIT = 500


async def prospect_history(
    session: AsyncSession, *, prospect_id: str, workflow_id: str
) -> tuple[list[HistoryItem], list[ScorePoint]]:
    # Newest first, to keep the latest HISTORY_LIMIT of each; reversed below, because items at
    # the same moment (one workflow turn's decisions) must keep their own order in the sort.
    events = await session.exec(
        select(EventRecord)
        .where(EventRecord.prospect_id == prospect_id)
        .order_by(col(EventRecord.occurred_at).desc())
        .limit(HISTORY_LIMIT)
    )
    emails = await session.exec(
        select(SentEmail)
        .where(SentEmail.workflow_id == workflow_id)
        .order_by(col(SentEmail.sent_at).desc())
        .limit(HISTORY_LIMIT)
    )
    decisions = list(
        await session.exec(
            select(DecisionRecord)
            .where(DecisionRecord.workflow_id == workflow_id)
            .where(col(DecisionRecord.kind).in_(_DECISION_KINDS))
            .order_by(col(DecisionRecord.seq).desc())
            .limit(HISTORY_LIMIT)
        )
    )
    items = [
        *(
            HistoryItem(
                at=event.occurred_at,
                kind="event",
                type=event.type,
                summary=describe_event(event.type, event.data),
            )
            for event in reversed(list(events))
        ),
        *(
            HistoryItem(
                at=email.sent_at,
                kind="email",
                type="sent",
                summary=f"e-mail {email.subject!r} ({email.content_id}): {email.reason}",
            )
            for email in reversed(list(emails))
        ),
        *(
            HistoryItem(
                at=decision.at,
                kind="decision",
                type=decision.kind,
                summary=decision.reason,
                score=decision.score,
                stage=decision.stage,
            )
            for decision in reversed(decisions)
        ),
    ]
    items.sort(key=lambda item: item.at)
    scores = [
        ScorePoint(at=decision.at, score=decision.score)
        for decision in reversed(decisions)
        if decision.score is not None
    ]
    return items, scores


def describe_event(event_type: str, data: dict[str, Any]) -> str:
    words = event_type.replace("_", " ")
    detail = (
        data.get("content_id")
        or data.get("form_id")
        or data.get("channel")
        or data.get("outcome")
        or (data.get("return_date") and f"back {data['return_date']}")
    )
    text = data.get("text")
    quoted = f': "{_shorten(text)}"' if isinstance(text, str) and text.strip() else ""
    return f"{words} ({detail}){quoted}" if detail else f"{words}{quoted}"


def _shorten(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
