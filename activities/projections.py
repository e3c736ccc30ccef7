"""What the workflows report, written to the database: enrollments, decisions, sent e-mails.

Writes are select-then-insert/update in one transaction, which works the same on SQLite and
PostgreSQL. Every write is safe to repeat, because Temporal retries activities and may run a
retry while a timed-out attempt is still finishing. None is written about a prospect who was
erased while the activity ran.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nurture.erasures import lock_unless_erased
from nurture.tables import DecisionRecord, Enrollment, SentEmail
from workflows.commands import Decision
from workflows.contract import NextAction
from workflows.state import JourneyState

# A first projection racing another for the same workflow loses on the primary key; the second
# try then finds the winner's row and updates it.
_ATTEMPTS = 2


async def record_projection(
    session: AsyncSession,
    *,
    workflow_id: str,
    state: JourneyState,
    decisions: list[Decision],
    next_action: NextAction | None,
    at: datetime,
) -> None:
    fields = _enrollment_fields(state=state, next_action=next_action, at=at)
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            if not await lock_unless_erased(session, prospect_id=state.prospect.id):
                await session.rollback()
                return
            await _upsert_enrollment(session, workflow_id=workflow_id, fields=fields)
            await _add_new_decisions(session, workflow_id=workflow_id, decisions=decisions)
            await session.commit()
            return
        except IntegrityError:
            await session.rollback()
            if attempt == _ATTEMPTS:
                raise


async def find_sent_email(session: AsyncSession, *, key: str) -> SentEmail | None:
    return await session.get(SentEmail, key)


async def record_sent_email(session: AsyncSession, *, row: SentEmail) -> None:
    """Insert the record of a sent e-mail; a row already there for the key is left alone, and
    none is written for a prospect erased while the e-mail was being sent."""
    if not await lock_unless_erased(session, prospect_id=row.prospect_id):
        await session.rollback()
        return
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:
        # A concurrent attempt of the same send recorded it first: same key, same Message-ID.
        await session.rollback()


def _enrollment_fields(
    *, state: JourneyState, next_action: NextAction | None, at: datetime
) -> dict[str, Any]:
    return {
        "prospect_id": state.prospect.id,
        "journey_id": state.journey_id,
        "version": state.version,
        "stage": state.stage,
        "score": state.score,
        "temperature": state.temperature,
        "lifecycle": state.lifecycle,
        "status": state.status,
        "paused_until": state.paused_until,
        "enrolled_at": state.enrolled_at,
        "next_action": next_action.description if next_action else None,
        "next_action_at": next_action.at if next_action else None,
        "updated_at": at,
        "state": state.model_dump(mode="json"),
        # On the workflow's clock, which is what re-entry's `after` counts from.
        "ended_at": at if state.is_terminal else None,
    }


async def _upsert_enrollment(
    session: AsyncSession, *, workflow_id: str, fields: dict[str, Any]
) -> None:
    enrollment = await session.get(Enrollment, workflow_id)
    if enrollment is None:
        session.add(Enrollment(workflow_id=workflow_id, **fields))
        return
    # A new entry's first report can reach the row before the API has turned it over; it counts
    # the entry itself then (the API's turn-over only takes a row that still shows the end).
    new_entry = enrollment.state.get("enrolled_at") not in (None, fields["state"]["enrolled_at"])
    if new_entry:
        enrollment.entries += 1
    elif _decision_count(enrollment.state) > fields["state"]["decision_count"]:
        # A late retry of an older projection must not overwrite a newer one.
        return
    for name, value in fields.items():
        setattr(enrollment, name, value)
    session.add(enrollment)


def _decision_count(state: dict[str, Any]) -> int:
    count = state.get("decision_count", -1)
    return count if isinstance(count, int) else -1


async def _add_new_decisions(
    session: AsyncSession, *, workflow_id: str, decisions: list[Decision]
) -> None:
    if not decisions:
        return
    recorded = set(
        await session.exec(
            select(DecisionRecord.seq).where(
                DecisionRecord.workflow_id == workflow_id,
                col(DecisionRecord.seq).in_([decision.seq for decision in decisions]),
            )
        )
    )
    for decision in decisions:
        if decision.seq in recorded:
            continue
        recorded.add(decision.seq)
        session.add(DecisionRecord(workflow_id=workflow_id, **decision.model_dump()))
