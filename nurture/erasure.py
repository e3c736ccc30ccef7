"""Erasing a prospect from the database, in one transaction: delete or pseudonymise, per table.

What happens to each table is decided here and written down in docs/privacy.md:

- rows that are only the person's data are deleted (the contact record, events other than
  tracked clicks, the e-mails they sent us, cached timelines, send locks and reservations);
- rows the reports count are kept, with the prospect id replaced by a random pseudonym (in
  workflow ids and command keys too) and every personal field emptied or scrubbed (enrolments
  for the funnel and A/B reports, tracked clicks and sent e-mails for the content report,
  tasks for the hand-off report, decisions for the audit of how the journey behaved, the
  outbox for delivery accounting).

A journey still running when erased ends there (status `unsubscribed`, ended at the erasure),
as it did in Temporal. The Temporal side (terminate, delete) is done before this, by the caller.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nurture.erasures import Erasure, lock_unless_erased, prospect_id_hash
from nurture.links import CLICK_EVENT_PREFIX
from nurture.outbox import OutboxMessage
from nurture.personal_data import PersonalData
from nurture.suppressions import Suppression, address_hash
from nurture.tables import (
    DecisionRecord,
    Enrollment,
    EventRecord,
    InboundEmail,
    ProspectRecord,
    ProspectSendLock,
    SalesTask,
    SendReservation,
    SentEmail,
    TimelineRun,
)
from workflows.state import TERMINAL_STATUSES

ERASED_STATUS = "unsubscribed"
ERASED_REASON = "erased at the prospect's request"
# The parts of a journey's projected state the reports read (funnel: stage_history; A/B
# splits: variants, status, stage, tasks' kinds); the rest (the prospect, what was sent and
# consumed, held e-mails, applied event ids) goes.
_REPORTED_STATE = (
    "journey_id",
    "version",
    "enrolled_at",
    "stage",
    "score",
    "temperature",
    "lifecycle",
    "status",
    "stage_history",
    "variants",
    "decision_count",
    "ended_reason",
)
_REPORTED_TASK_FIELDS = ("kind", "status", "outcome")


class Tally:
    """Rows deleted and pseudonymised per table: the erasure record's counts."""

    def __init__(self) -> None:
        self.deleted: Counter[str] = Counter()
        self.pseudonymised: Counter[str] = Counter()

    def as_json(self) -> dict[str, dict[str, int]]:
        tables = sorted(set(self.deleted) | set(self.pseudonymised))
        return {
            table: {"deleted": self.deleted[table], "pseudonymised": self.pseudonymised[table]}
            for table in tables
        }


async def erase_prospect_rows(
    session: AsyncSession,
    *,
    person: PersonalData,
    workflow_ids: Collection[str],
    at: datetime,
    temporal_counts: dict[str, int],
) -> Erasure:
    """Erase `person` from every table and add the erasure record; commits once, at the end.

    `workflow_ids` are the prospect's journeys as Temporal knew them (the caller found and
    deleted them); the enrolment rows add any Temporal no longer had.
    """
    tally = Tally()
    # The contact row first, as every writer about the prospect does (`lock_unless_erased`):
    # one lock order, so an activity finishing now waits for this transaction or it for them.
    await lock_unless_erased(session, prospect_id=person.prospect_id)
    known = set(
        await session.exec(
            select(Enrollment.workflow_id).where(Enrollment.prospect_id == person.prospect_id)
        )
    )
    workflows = sorted(known | set(workflow_ids))
    await _enrollments(session, person, at, tally)
    await _events(session, person, tally)
    await _sent_emails(session, person, workflows, tally)
    review_tasks = await _inbound_emails(session, person, tally)
    await _tasks(session, person, review_tasks, at, tally)
    await _decisions(session, person, workflows, tally)
    await _outbox(session, person, workflows, tally)
    await _delete(
        session, TimelineRun, tally, _prospect_or_workflow(TimelineRun, person, workflows)
    )
    await _delete(
        session, SendReservation, tally, SendReservation.prospect_id == person.prospect_id
    )
    await _delete(
        session, ProspectSendLock, tally, ProspectSendLock.prospect_id == person.prospect_id
    )
    await _suppression_text(session, person, tally)
    await _delete(session, ProspectRecord, tally, ProspectRecord.id == person.prospect_id)
    record = Erasure(
        id=uuid.uuid4().hex,
        prospect_id_hash=prospect_id_hash(person.prospect_id),
        pseudonym=person.pseudonym,
        erased_at=at,
        counts={"tables": tally.as_json(), **temporal_counts},
    )
    session.add(record)
    await session.commit()
    return record


def _prospect_or_workflow(table: Any, person: PersonalData, workflows: Collection[str]) -> Any:
    return or_(
        col(table.prospect_id) == person.prospect_id, col(table.workflow_id).in_(list(workflows))
    )


async def _delete(session: AsyncSession, table: Any, tally: Tally, condition: Any) -> None:
    result = await session.exec(delete(table).where(condition))
    tally.deleted[table.__tablename__] += result.rowcount


async def _enrollments(
    session: AsyncSession, person: PersonalData, at: datetime, tally: Tally
) -> None:
    rows = list(
        await session.exec(select(Enrollment).where(Enrollment.prospect_id == person.prospect_id))
    )
    for row in rows:
        ended = row.status in TERMINAL_STATUSES
        state = {name: row.state[name] for name in _REPORTED_STATE if name in row.state}
        state["tasks"] = [
            {name: task.get(name) for name in _REPORTED_TASK_FIELDS}
            for task in row.state.get("tasks") or []
        ]
        if not ended:
            state |= {"status": ERASED_STATUS, "ended_reason": ERASED_REASON}
        await session.exec(
            update(Enrollment)
            .where(col(Enrollment.workflow_id) == row.workflow_id)
            .values(
                workflow_id=person.workflow_id(row.workflow_id),
                prospect_id=person.pseudonym,
                state=person.scrub_json(state),
                status=row.status if ended else ERASED_STATUS,
                ended_at=row.ended_at if ended else at,
                paused_until=None,
                next_action=None,
                next_action_at=None,
            )
        )
    tally.pseudonymised[Enrollment.__tablename__] += len(rows)


async def _events(session: AsyncSession, person: PersonalData, tally: Tally) -> None:
    """Tracked clicks stay for the content report (their ids are random already); the rest,
    what the person did and wrote as integrations reported it, is deleted."""
    mine = col(EventRecord.prospect_id) == person.prospect_id
    is_click = col(EventRecord.id).startswith(CLICK_EVENT_PREFIX)
    clicks = list(await session.exec(select(EventRecord).where(mine, is_click)))
    for row in clicks:
        content_id = row.data.get("content_id")
        row.prospect_id = person.pseudonym
        row.data = {"content_id": content_id} if isinstance(content_id, str) else {}
        row.delivered_to = [person.workflow_id(workflow) for workflow in row.delivered_to]
        row.note = None
        session.add(row)
    tally.pseudonymised[EventRecord.__tablename__] += len(clicks)
    await _delete(session, EventRecord, tally, and_(mine, ~is_click))


async def _sent_emails(
    session: AsyncSession, person: PersonalData, workflows: Collection[str], tally: Tally
) -> None:
    rows = list(
        await session.exec(
            select(SentEmail).where(_prospect_or_workflow(SentEmail, person, workflows))
        )
    )
    for row in rows:
        await session.exec(
            update(SentEmail)
            .where(col(SentEmail.key) == row.key)
            .values(
                key=person.command_key(row.key),
                workflow_id=person.workflow_id(row.workflow_id),
                prospect_id=person.pseudonym,
                to_address="",
                subject="",
                reason=person.scrub(row.reason),
            )
        )
    tally.pseudonymised[SentEmail.__tablename__] += len(rows)


async def _inbound_emails(session: AsyncSession, person: PersonalData, tally: Tally) -> set[str]:
    """Deleted: each is a message the person wrote. Returns the review tasks they made."""
    condition = or_(
        col(InboundEmail.prospect_id) == person.prospect_id,
        func.lower(col(InboundEmail.from_address)) == person.address.strip().lower(),
    )
    task_ids = set(await session.exec(select(InboundEmail.task_id).where(condition)))
    await _delete(session, InboundEmail, tally, condition)
    return {task_id for task_id in task_ids if task_id}


async def _tasks(
    session: AsyncSession,
    person: PersonalData,
    review_tasks: set[str],
    at: datetime,
    tally: Tally,
) -> None:
    """Kept for the hand-off report (outcome, reason category, SLA, timings); what describes
    the person (context snapshot, their message, sales' notes, BANT answers) is emptied.

    A task still open is closed, without an outcome: there is nobody left to call, and a note
    typed on it afterwards would bring personal data back."""
    rows = list(
        await session.exec(
            select(SalesTask).where(
                or_(
                    col(SalesTask.prospect_id) == person.prospect_id,
                    col(SalesTask.id).in_(sorted(review_tasks)),
                )
            )
        )
    )
    for row in rows:
        row.key = person.command_key(row.key)
        row.workflow_id = person.workflow_id(row.workflow_id) if row.workflow_id else ""
        if row.prospect_id == person.prospect_id:
            row.prospect_id = person.pseudonym
        row.title = person.scrub(row.title)
        row.reason = person.scrub(row.reason)
        row.outcome_reason = person.scrub_optional(row.outcome_reason)
        row.notices = person.scrub_json(row.notices)
        row.description = None
        row.context = {}
        row.message = None
        row.outcome_note = None
        row.bant = {}
        if row.status != "closed":
            row.status, row.closed_at = "closed", at
        session.add(row)
    tally.pseudonymised[SalesTask.__tablename__] += len(rows)


async def _decisions(
    session: AsyncSession, person: PersonalData, workflows: Collection[str], tally: Tally
) -> None:
    rows = list(
        await session.exec(
            select(DecisionRecord).where(col(DecisionRecord.workflow_id).in_(list(workflows)))
        )
    )
    for row in rows:
        row.workflow_id = person.workflow_id(row.workflow_id)
        row.reason = person.scrub(row.reason)
        row.event_id = None  # an integration's event id may spell out who it was about
        session.add(row)
    tally.pseudonymised[DecisionRecord.__tablename__] += len(rows)


async def _outbox(
    session: AsyncSession, person: PersonalData, workflows: Collection[str], tally: Tally
) -> None:
    """Kept for delivery accounting (sent, failed, uncertain per day), without address or
    subject; a notice to sales keeps its salesperson's address, which is not the prospect's."""
    rows = list(
        await session.exec(
            select(OutboxMessage).where(
                or_(
                    _prospect_or_workflow(OutboxMessage, person, workflows),
                    func.lower(col(OutboxMessage.to_address)) == person.address.strip().lower(),
                )
            )
        )
    )
    for row in rows:
        to_prospect = row.to_address.strip().lower() == person.address.strip().lower()
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.key) == row.key)
            .values(
                key=person.command_key(row.key),
                workflow_id=person.workflow_id(row.workflow_id) if row.workflow_id else None,
                prospect_id=person.pseudonym if row.prospect_id else None,
                to_address="" if to_prospect else row.to_address,
                subject="",
                last_error=person.scrub_optional(row.last_error),
            )
        )
    tally.pseudonymised[OutboxMessage.__tablename__] += len(rows)


async def _suppression_text(session: AsyncSession, person: PersonalData, tally: Tally) -> None:
    """The address is already forgotten there (the hash alone blocks it); a bounce's
    diagnostic or an unsubscribe's source may still quote it or the name."""
    row = await session.get(Suppression, address_hash(person.address))
    if row is None:
        return
    row.source = person.scrub(row.source)
    row.detail = person.scrub_optional(row.detail)
    session.add(row)
    tally.pseudonymised[Suppression.__tablename__] += 1
